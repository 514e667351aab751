import { z } from 'zod';
import { agentConfigSchema, type AgentDefinition } from '@baton/agent-host';
import { llmEnvFields } from '@baton/agent-kit/llm';
import { int } from '@baton/service';

export const REVIEWER: AgentDefinition = Object.freeze({
  name: 'agent-reviewer',
  path: '/reviewer',
  port: 3003,
  audience: 'agent-reviewer',
  scope: 'reviewer:invoke',
});

/** Shared agent variables plus the review rules and optional LLM provider. */
export const configSchema = agentConfigSchema(REVIEWER)
  .extend({
    /** Shortest acceptable report, characters. */
    REVIEW_MIN_CHARS: int(400, { min: 0 }),
    /** Longest acceptable report, characters. */
    REVIEW_MAX_CHARS: int(6000, { min: 1 }),
    ...llmEnvFields,
  })
  .refine((c) => c.REVIEW_MAX_CHARS >= c.REVIEW_MIN_CHARS, { path: ['REVIEW_MAX_CHARS'], error: 'must be >= REVIEW_MIN_CHARS' });

export type ReviewerConfig = z.infer<typeof configSchema>;
