import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { RunnableLambda, type Runnable, type RunnableConfig } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';
import { modelNotes } from './llm-notes.js';
import { checkReport, DEFAULT_RULES, validateRules, type ReviewRules } from './rules.js';
import { reviewInputSchema, type ReviewInput, type ReviewOutput } from '@baton/contract/wire';

export interface ReviewerOptions {
  rules?: Partial<ReviewRules>;
  /** A chat model asked for extra, advisory notes. The rule checks stay authoritative. */
  model?: BaseChatModel;
  /** Told when the model fails (the review still completes on the rules alone). */
  onModelError?: (err: unknown) => void;
}

/**
 * The reviewer agent: `{topic, report, sources}` -> `{approved, notes, checks}`.
 * `approved` is exactly "every rule check passed"; model notes (if any) are appended, marked
 * `Suggestion:`, and never change `approved` or `checks`.
 */
export function createReviewerRunnable(options: ReviewerOptions = {}): Runnable<ReviewInput, ReviewOutput> {
  const rules = validateRules({ ...DEFAULT_RULES, ...options.rules });
  const { model, onModelError } = options;
  const runnable = RunnableLambda.from(async (raw: ReviewInput, config?: RunnableConfig): Promise<ReviewOutput> => {
    const parsed = reviewInputSchema.safeParse(raw);
    if (!parsed.success) {
      throw new BatonError('RUNNABLE_INPUT_INVALID', 'Invalid reviewer input', {
        detail: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const verdict = checkReport(parsed.data, rules);
    if (!model) return verdict;
    try {
      const extra = await modelNotes(model, parsed.data, config?.signal ? { signal: config.signal } : {});
      return { ...verdict, notes: [...verdict.notes, ...extra] };
    } catch (err) {
      config?.signal?.throwIfAborted();
      onModelError?.(err);
      return verdict;
    }
  });
  runnable.name = 'reviewer';
  return runnable;
}
