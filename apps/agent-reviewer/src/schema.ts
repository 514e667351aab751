import { z } from 'zod';

export const reviewSourceSchema = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string(),
  excerpt: z.string(),
  score: z.number().optional(),
});

export const reviewInputSchema = z
  .object({
    topic: z.string().trim().min(1).max(500).describe('What the report should be about'),
    report: z.string().max(200_000).describe('The markdown report to review'),
    sources: z.array(reviewSourceSchema).max(50).describe('The sources the report was written from; source i is [i+1]'),
  })
  .describe('Review request');

export const reviewOutputSchema = z
  .object({
    approved: z.boolean().describe('True when every rule check passes'),
    notes: z.array(z.string()).describe('Actionable notes: what to change; empty when approved (unless a model added advice)'),
    checks: z.object({
      citations: z.boolean().describe('Every source cited at least once and no citation outside 1..sources.length'),
      length: z.boolean().describe('Report length within the configured bounds'),
      coverage: z.boolean().describe('Every significant term of the topic appears in the report'),
    }),
  })
  .describe('Review verdict');

export type ReviewInput = z.input<typeof reviewInputSchema>;
export type ParsedReviewInput = z.output<typeof reviewInputSchema>;
export type ReviewOutput = z.output<typeof reviewOutputSchema>;
export type ReviewSource = z.output<typeof reviewSourceSchema>;
