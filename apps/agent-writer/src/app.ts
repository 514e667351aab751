import type { Express } from 'express';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createAgentApp, fromDeps, type AgentDeps } from '@baton/agent-host';
import { createChatModel, llmSettings } from '@baton/agent-kit/llm';
import type { WriterConfig } from './config.js';
import { writerInputSchema, writerOutputSchema } from '@baton/contract/wire';
import { ReportWriter } from './writer.js';
import { WRITER_ERRORS } from './error-codes.js';

export type WriterDeps = AgentDeps<WriterConfig> & {
  /** Overrides the configured chat model (tests inject a fake one). */
  model?: BaseChatModel;
};

/** The writer agent's Express app (no listen, no process.env). */
export async function createApp(deps: WriterDeps): Promise<Express> {
  const { config } = deps;
  const model = deps.model ?? (await createChatModel(llmSettings(config)));
  const runnable = new ReportWriter({ chunkDelayMs: config.WRITER_CHUNK_DELAY_MS, ...(model ? { model } : {}) });
  return createAgentApp({
    ...fromDeps(deps),
    runnable,
    inputSchema: writerInputSchema,
    outputSchema: writerOutputSchema,
    errorCodes: [WRITER_ERRORS],
  });
}
