import type { Express } from 'express';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createAgentApp, fromDeps, type AgentDeps } from '@baton/agent-host';
import { createChatModel, llmSettings } from '@baton/agent-kit/llm';
import { scrubSecrets } from '@baton/errors';
import type { ReviewerConfig } from './config.js';
import { createReviewerRunnable } from './reviewer.js';
import { reviewInputSchema, reviewOutputSchema } from '@baton/contract/wire';

export type ReviewerDeps = AgentDeps<ReviewerConfig> & {
  /** Overrides the configured chat model (tests inject a fake one). */
  model?: BaseChatModel;
};

/** The reviewer agent's Express app (no listen, no process.env). */
export async function createApp(deps: ReviewerDeps): Promise<Express> {
  const { config, logger } = deps;
  const model = deps.model ?? (await createChatModel(llmSettings(config)));
  const runnable = createReviewerRunnable({
    rules: { minChars: config.REVIEW_MIN_CHARS, maxChars: config.REVIEW_MAX_CHARS },
    ...(model ? { model } : {}),
    onModelError: (err) =>
      logger.warn({ err: { message: scrubSecrets(String((err as Error)?.message ?? err)) } }, 'model notes failed; rule checks only'),
  });
  return createAgentApp({ ...fromDeps(deps), runnable, inputSchema: reviewInputSchema, outputSchema: reviewOutputSchema });
}
