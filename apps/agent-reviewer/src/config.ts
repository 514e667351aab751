import { z } from 'zod';
import { agentConfigSchema, type AgentDefinition } from '@baton/agent-host';
import { int, url } from '@baton/service';
import type { LlmSettings } from './chat-model.js';

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
  LLM_PROVIDER: z.enum(['none', 'openai', 'ollama']).default('none'),
  LLM_MODEL: z.string().trim().min(1).optional(),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: url().optional(),
  OLLAMA_BASE_URL: url('http://127.0.0.1:11434'),
  })
  .refine((c) => c.REVIEW_MAX_CHARS >= c.REVIEW_MIN_CHARS, { path: ['REVIEW_MAX_CHARS'], error: 'must be >= REVIEW_MIN_CHARS' });

export type ReviewerConfig = z.infer<typeof configSchema>;

export function llmSettings(config: ReviewerConfig): LlmSettings {
  const base = {
    ...(config.LLM_MODEL ? { model: config.LLM_MODEL } : {}),
    ...(config.LLM_TEMPERATURE !== undefined ? { temperature: config.LLM_TEMPERATURE } : {}),
  };
  switch (config.LLM_PROVIDER) {
    case 'openai':
      return { provider: 'openai', ...base, ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}), ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}) };
    case 'ollama':
      return { provider: 'ollama', ...base, baseUrl: config.OLLAMA_BASE_URL };
    default:
      return { provider: 'none' };
  }
}
