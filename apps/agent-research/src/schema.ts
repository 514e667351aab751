import { z } from 'zod';

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 10;

export const researchInputSchema = z
  .object({
    topic: z.string().trim().min(1).max(500).describe('What to find sources about'),
    limit: z.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).describe('Maximum number of sources (1-10, default 5)'),
  })
  .describe('Research request');

export const sourceSchema = z.object({
  id: z.string().describe('Article id in the corpus'),
  title: z.string(),
  url: z.string(),
  excerpt: z.string().describe('The most relevant passage of the article'),
  score: z.number().describe('Relevance, 0-1, relative to the best source of this result (best = 1)'),
});

export const researchOutputSchema = z
  .object({
    topic: z.string(),
    sources: z.array(sourceSchema).describe('Most relevant first; may be empty'),
  })
  .describe('Research result');

export type ResearchInput = z.input<typeof researchInputSchema>;
export type ResearchOutput = z.output<typeof researchOutputSchema>;
export type Source = z.output<typeof sourceSchema>;
