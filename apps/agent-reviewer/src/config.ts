import type { z } from 'zod';
import { REVIEWER, reviewerEnvSchema } from '@baton/contract';

/** The reviewer's name, path, port, audience and scope: `@baton/contract`'s topology. */
export { REVIEWER };

/** Shared agent variables plus the review rules and optional LLM provider: `@baton/contract`'s `reviewerEnvSchema`. */
export const configSchema = reviewerEnvSchema;

export type ReviewerConfig = z.infer<typeof configSchema>;
