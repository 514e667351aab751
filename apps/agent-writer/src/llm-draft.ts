import type { CallbackManagerForChainRun } from '@langchain/core/callbacks/manager';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { contentText } from '@baton/agent-kit/llm';
import type { ParsedWriterInput } from '@baton/contract/wire';

const SYSTEM = [
  'You are the writer of a short research report in Markdown.',
  'Use only the numbered sources you are given. Cite every source at least once as [n], where n is its number, right after the claim it supports; never cite a number that is not in the list.',
  'Structure: a "# " title, an introduction, one paragraph per source, a conclusion. Do not write a Sources or References list; it is appended for you.',
  'Write plainly, 300 to 900 words.',
].join(' ');

function buildWriterMessages(input: ParsedWriterInput): BaseMessage[] {
  const sources = input.sources.length
    ? input.sources.map((s, i) => `[${i + 1}] ${s.title} (${s.url})\n${s.excerpt}`).join('\n\n')
    : '(no sources were found)';
  const parts = [`Topic: ${input.topic}`, `Sources:\n${sources}`];
  if (input.notes && input.notes.length > 0) {
    parts.push(
      `This is revision ${input.revision ?? 1}. A reviewer asked for these changes; address every one:\n${input.notes.map((n) => `- ${n.message}`).join('\n')}`,
    );
  }
  return [new SystemMessage(SYSTEM), new HumanMessage(parts.join('\n\n'))];
}

/** The `## Sources` list the writer appends after the model's text. */
function sourcesSection(input: ParsedWriterInput): string {
  if (input.sources.length === 0) return '';
  return `\n\n## Sources\n\n${input.sources.map((s, i) => `- [${i + 1}] ${s.title} — ${s.url}`).join('\n')}\n`;
}

/** Stream the report from a chat model, then the Sources list. */
export async function* streamModelDraft(
  model: BaseChatModel,
  input: ParsedWriterInput,
  options: { signal?: AbortSignal; runManager?: CallbackManagerForChainRun },
): AsyncGenerator<string> {
  const stream = await model.stream(buildWriterMessages(input), {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.runManager ? { callbacks: options.runManager.getChild() } : {}),
  });
  let last = '';
  for await (const chunk of stream) {
    const text = contentText(chunk.content);
    if (text) {
      last = text;
      yield text;
    }
  }
  const tail = sourcesSection(input);
  if (tail) yield last.endsWith('\n') ? tail.replace(/^\n/, '') : tail;
}
