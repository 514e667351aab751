import { z } from 'zod';
import { agentConfigSchema, type AgentDefinition } from '@baton/agent-host';
import { llmEnvFields } from '@baton/agent-kit/llm';
import { durationMs } from '@baton/service';

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
  ...llmEnvFields,
});

export type WriterConfig = z.infer<typeof configSchema>;
