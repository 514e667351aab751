import { z } from 'zod';

/**
 * A passage the research agent found: what it returns, what the workflow keeps and returns, and
 * (as `sourceInputSchema`) what the writer and the reviewer take. Source i is cited as `[i+1]`.
 */
export const sourceSchema = z.object({
  id: z.string().describe('Article id in the corpus'),
  title: z.string(),
  url: z.string(),
  excerpt: z.string().describe('The most relevant passage of the article'),
  score: z.number().describe('Relevance, 0-1, relative to the best source of this result (best = 1)'),
});
export type Source = z.output<typeof sourceSchema>;

/**
 * A source as an agent takes it: the research agent's `Source`, with `score` optional (a caller
 * may hand in sources of its own).
 */
export const sourceInputSchema = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string(),
  excerpt: z.string(),
  score: z.number().optional(),
});
export type SourceInput = z.output<typeof sourceInputSchema>;

/** The writer's source: it prints each title in the report and its Sources list, so a title must not be empty. */
export const writerSourceSchema = sourceInputSchema.extend({ title: z.string().min(1) });
export type WriterSource = z.output<typeof writerSourceSchema>;
