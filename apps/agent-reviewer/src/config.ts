import type { z } from 'zod';
import { calledByWorkflow, REVIEWER as REVIEWER_ROW, reviewerEnvSchema } from '@baton/contract';

/** The reviewer agent's name, path, port, audience and scope (`@baton/contract`'s topology row), called by the workflow. */
export const REVIEWER = calledByWorkflow(REVIEWER_ROW);

/** Shared agent variables plus the review rules and optional LLM provider: `@baton/contract`'s `reviewerEnvSchema`. */
export const configSchema = reviewerEnvSchema;

export type ReviewerConfig = z.infer<typeof configSchema>;
