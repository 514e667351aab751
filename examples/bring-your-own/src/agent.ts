// The team's own agent: an extractive summarizer (plain code, no model) served as an
// authenticated Baton agent. Only tokens minted for `agent-summarizer` with `summarizer:invoke`
// get in; every decision is one audit line naming the user (`sub`) and the caller (`act`).
import { RunnableLambda } from '@langchain/core/runnables';
import { z } from 'zod';
import { serveAgent } from '@baton/agent-host';
import { SUMMARIZER, WORKFLOW } from './topology.js';

const Input = z.object({ text: z.string().max(50_000), sentences: z.number().int().min(1).max(10).default(2) });

/** The `sentences` sentences whose words are most frequent in the text, in their original order. */
export function summarize({ text, sentences }: z.infer<typeof Input>): string {
  const all =
    text
      .match(/[^.!?]+[.!?]*/g)
      ?.map((s) => s.trim())
      .filter(Boolean) ?? [];
  const words = (s: string) => s.toLowerCase().match(/[a-z]{4,}/g) ?? [];
  const freq = new Map<string, number>();
  for (const w of words(text)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const score = (s: string) => words(s).reduce((n, w) => n + (freq.get(w) ?? 0), 0) / (words(s).length || 1);
  const best = new Set([...all].sort((a, b) => score(b) - score(a)).slice(0, sentences));
  return all.filter((s) => best.has(s)).join(' ');
}

await serveAgent({
  ...SUMMARIZER,
  runnable: RunnableLambda.from(summarize),
  inputSchema: Input,
  trustedActors: [WORKFLOW.name],
});
