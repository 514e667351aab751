// Each agent's input and output: the agent validates with them, the workflow's clients are typed
// by them, and the schema routes (`/input_schema`, `/output_schema`) publish them.
import { z } from 'zod';
import { reviewNoteSchema, revisionNoteSchema } from './review-notes.js';
import { sourceInputSchema, sourceSchema, writerSourceSchema } from './source.js';

const topic = (what: string) => z.string().trim().min(1).max(500).describe(what);

// research -----------------------------------------------------------------------------------

export const DEFAULT_RESEARCH_LIMIT = 5;
export const MAX_RESEARCH_LIMIT = 10;

export const researchInputSchema = z
  .object({
    topic: topic('What to find sources about'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_RESEARCH_LIMIT)
      .default(DEFAULT_RESEARCH_LIMIT)
      .describe('Maximum number of sources (1-10, default 5)'),
  })
  .describe('Research request');

export const researchOutputSchema = z
  .object({
    topic: z.string(),
    sources: z.array(sourceSchema).describe('Most relevant first; may be empty'),
  })
  .describe('Research result');

export type ResearchInput = z.input<typeof researchInputSchema>;
export type ParsedResearchInput = z.output<typeof researchInputSchema>;
export type ResearchOutput = z.output<typeof researchOutputSchema>;

// writer -------------------------------------------------------------------------------------

export const writerInputSchema = z
  .object({
    topic: topic('What the report is about'),
    sources: z.array(writerSourceSchema).max(50).describe('Sources to cite; source i is cited as [i+1]'),
    notes: z.array(revisionNoteSchema).max(50).optional().describe('Reviewer notes to address when revising'),
    revision: z.number().int().min(0).max(100).optional().describe('Revision number (0 or absent: first draft)'),
  })
  .describe('Writer request');

/** The writer's output is the markdown report itself (a string; streamed in chunks). */
export const writerOutputSchema = z.string().describe('Markdown report with [n] citations and a Sources list');

export type WriterInput = z.input<typeof writerInputSchema>;
export type ParsedWriterInput = z.output<typeof writerInputSchema>;
export type WriterOutput = z.output<typeof writerOutputSchema>;

// reviewer -----------------------------------------------------------------------------------

export const reviewInputSchema = z
  .object({
    topic: topic('What the report should be about'),
    report: z.string().max(200_000).describe('The markdown report to review'),
    sources: z.array(sourceInputSchema).max(50).describe('The sources the report was written from; source i is [i+1]'),
  })
  .describe('Review request');

export const reviewChecksSchema = z.object({
  citations: z.boolean().describe('Every source cited at least once and no citation outside 1..sources.length'),
  length: z.boolean().describe('Report length within the configured bounds'),
  coverage: z.boolean().describe('Every significant term of the topic appears in the report'),
});

export const reviewOutputSchema = z
  .object({
    approved: z.boolean().describe('True when every rule check passes'),
    notes: z
      .array(reviewNoteSchema)
      .describe('Actionable notes: what to change, each with its kind and display text; empty when approved (unless a model added advice)'),
    checks: reviewChecksSchema,
  })
  .describe('Review verdict');

export type ReviewInput = z.input<typeof reviewInputSchema>;
export type ParsedReviewInput = z.output<typeof reviewInputSchema>;
export type ReviewChecks = z.output<typeof reviewChecksSchema>;
export type ReviewOutput = z.output<typeof reviewOutputSchema>;
