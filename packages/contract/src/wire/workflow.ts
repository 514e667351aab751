// The workflow's own input and output (what a user sends to /workflow and gets back).
import { z } from 'zod';
import { reviewNoteSchema } from './review-notes.js';
import { sourceSchema } from './source.js';

export const workflowInputSchema = z.object({
  topic: z.string().trim().min(1, 'topic must not be empty').max(500, 'topic is at most 500 characters'),
});
export type WorkflowInput = z.infer<typeof workflowInputSchema>;

/** The reviewer's latest verdict as the workflow keeps and returns it (`checks` as the reviewer sent them). */
export const reviewSchema = z.object({
  approved: z.boolean(),
  notes: z.array(reviewNoteSchema),
  checks: z.record(z.string(), z.boolean()).optional(),
});
export type Review = z.output<typeof reviewSchema>;

export const workflowOutputSchema = z.object({
  topic: z.string(),
  report: z.string(),
  sources: z.array(sourceSchema),
  review: reviewSchema.nullable(),
  revisions: z.number().int(),
});
export type WorkflowOutput = z.output<typeof workflowOutputSchema>;
