import { z } from 'zod';

export const writerSourceSchema = z.object({
  id: z.string(),
  title: z.string().min(1),
  url: z.string(),
  excerpt: z.string(),
  score: z.number().optional(),
});

export const writerInputSchema = z
  .object({
    topic: z.string().trim().min(1).max(500).describe('What the report is about'),
    sources: z.array(writerSourceSchema).max(50).describe('Sources to cite; source i is cited as [i+1]'),
    notes: z.array(z.string().max(2000)).max(50).optional().describe('Reviewer notes to address when revising'),
    revision: z.number().int().min(0).max(100).optional().describe('Revision number (0 or absent: first draft)'),
  })
  .describe('Writer request');

/** The writer's output is the markdown report itself (a string; streamed in chunks). */
export const writerOutputSchema = z.string().describe('Markdown report with [n] citations and a Sources list');

export type WriterInput = z.input<typeof writerInputSchema>;
export type ParsedWriterInput = z.output<typeof writerInputSchema>;
export type WriterSource = z.output<typeof writerSourceSchema>;
