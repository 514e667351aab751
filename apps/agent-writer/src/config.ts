import { z } from 'zod';
import { agentConfigSchema, type AgentDefinition } from '@baton/agent-host';
import { durationMs, url } from '@baton/service';
import type { LlmSettings } from './chat-model.js';

export const WRITER: AgentDefinition = Object.freeze({
  name: 'agent-writer',
  path: '/writer',
  port: 3002,
  audience: 'agent-writer',
  scope: 'writer:invoke',
});

/** Shared agent variables plus the writer's pacing and optional LLM provider. */
export const configSchema = agentConfigSchema(WRITER).extend({
  /** Pause between streamed chunks of the offline writer. */
  WRITER_CHUNK_DELAY_MS: durationMs(15),
  LLM_PROVIDER: z.enum(['none', 'openai', 'ollama']).default('none'),
  LLM_MODEL: z.string().trim().min(1).optional(),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: url().optional(),
  OLLAMA_BASE_URL: url('http://127.0.0.1:11434'),
});

export type WriterConfig = z.infer<typeof configSchema>;

export function llmSettings(config: WriterConfig): LlmSettings {
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
