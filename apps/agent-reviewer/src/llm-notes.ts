import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { contentText } from '@baton/agent-kit/llm';
import { otherNote, type OtherNote, type ParsedReviewInput } from '@baton/contract/wire';

const MAX_MODEL_NOTES = 3;

const SYSTEM = [
  'You review a short research report written from numbered sources.',
  'Reply with at most three concrete, actionable suggestions to improve clarity, accuracy against the sources, or structure, one per line, each starting with "- ".',
  'If the report needs no changes, reply with exactly: NONE',
].join(' ');

/** Ask the model for advisory notes (kind `other`). Never decides approval; the rule checks do. */
export async function modelNotes(
  model: BaseChatModel,
  input: ParsedReviewInput,
  options: { signal?: AbortSignal } = {},
): Promise<OtherNote[]> {
  const sources = input.sources.map((s, i) => `[${i + 1}] ${s.title}: ${s.excerpt}`).join('\n');
  const reply = await model.invoke(
    [new SystemMessage(SYSTEM), new HumanMessage(`Topic: ${input.topic}\n\nSources:\n${sources || '(none)'}\n\nReport:\n${input.report}`)],
    options.signal ? { signal: options.signal } : {},
  );
  return parseNotes(contentText(reply.content)).map(otherNote);
}

export function parseNotes(text: string): string[] {
  if (/^\s*NONE\s*$/i.test(text)) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[-*•]\s+/.test(l))
    .map((l) => l.replace(/^[-*•]\s+/, '').trim())
    .filter((l) => l.length > 0)
    .slice(0, MAX_MODEL_NOTES)
    .map((l) => `Suggestion: ${l.length > 500 ? `${l.slice(0, 497)}...` : l}`);
}
