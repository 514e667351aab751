import { normalizeTerm, significantTerms, termSet, words } from '@baton/agent-kit/text';
import type { RevisionPlan } from './revision-notes.js';
import type { ParsedWriterInput, WriterSource } from '@baton/contract/wire';
import { asClause, splitSentences, withoutFinalStop } from './sentences.js';

/**
 * The offline writer: a deterministic markdown report built from the sources' excerpts.
 * Title, an introduction, one paragraph per source (its most topical sentences, rephrased
 * as reported speech and cited `[n]`), a conclusion naming the recurring themes, and a
 * `## Sources` list `- [n] title — url`. Reviewer notes adjust it (see revision-notes.ts):
 * terms to mention, a length window to meet.
 */
export function composeReport(input: ParsedWriterInput, plan: RevisionPlan): string {
  const maxSentences = Math.max(1, ...input.sources.map((s) => splitSentences(s.excerpt).length));
  let k = 2;
  let expanded = false;
  let report = render(input, plan, { sentencesPerSource: k, expanded, compact: false });
  if (plan.minChars !== undefined) {
    while (report.length < plan.minChars && (k < maxSentences || !expanded)) {
      if (k < maxSentences) k++;
      else expanded = true;
      report = render(input, plan, { sentencesPerSource: k, expanded, compact: false });
    }
  }
  if (plan.maxChars !== undefined) {
    while (report.length > plan.maxChars && k > 1) {
      k--;
      report = render(input, plan, { sentencesPerSource: k, expanded, compact: false });
    }
    if (report.length > plan.maxChars) report = render(input, plan, { sentencesPerSource: 1, expanded: false, compact: true });
  }
  return report;
}

interface RenderOptions {
  sentencesPerSource: number;
  /** Add a paragraph on scope and limits (used when asked for a longer report). */
  expanded: boolean;
  /** Leave out the optional sentences of the introduction and conclusion. */
  compact: boolean;
}

const LEAD_INS: ReadonlyArray<(title: string, n: number, clause: string) => string> = [
  (t, n, c) => `According to *${t}* [${n}], ${c}`,
  (t, n, c) => `*${t}* [${n}] explains that ${c}`,
  (t, n, c) => `As *${t}* points out [${n}], ${c}`,
  (t, n, c) => `In *${t}* [${n}], the central point is that ${c}`,
];

const CONNECTIVES: readonly string[] = [
  'It adds that',
  'It also notes that',
  'The same source observes that',
  'Beyond that, it argues that',
];

function render(input: ParsedWriterInput, plan: RevisionPlan, opts: RenderOptions): string {
  const topicTerms = significantTerms(input.topic);
  const blocks: string[] = [`# ${titleCase(input.topic)}`, intro(input, opts)];
  input.sources.forEach((source, i) => blocks.push(sourceParagraph(source, i, topicTerms, opts.sentencesPerSource)));
  const body = blocks.join('\n\n');
  const extra = missingTermsParagraph(input, plan.mentionTerms, body);
  if (extra) blocks.push(extra);
  if (opts.expanded) blocks.push(scopeParagraph(input));
  blocks.push(conclusion(input, topicTerms, opts));
  if (input.sources.length > 0) {
    blocks.push('## Sources', input.sources.map((s, i) => `- [${i + 1}] ${s.title} — ${s.url}`).join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

function intro(input: ParsedWriterInput, opts: RenderOptions): string {
  const n = input.sources.length;
  if (n === 0) {
    return `This report looks at ${input.topic}. No sources were found for this topic, so it can only frame the question and say what would be needed to answer it.`;
  }
  const first = `This report looks at ${input.topic}, drawing on ${n === 1 ? 'one source' : `${n} sources`}.`;
  if (opts.compact) return first;
  const titles = input.sources.slice(0, 3).map((s) => `*${s.title}*`);
  const more = n > 3 ? `, among others` : '';
  return `${first} It summarises what ${n === 1 ? 'the source says' : `${listJoin(titles)}${more} say`} about the subject, then draws the threads together.`;
}

function sourceParagraph(source: WriterSource, i: number, topicTerms: readonly string[], k: number): string {
  const n = i + 1;
  const chosen = selectSentences(source.excerpt, topicTerms, k);
  if (chosen.length === 0) return `*${source.title}* [${n}] is listed as a source, but its excerpt is empty.`;
  const lead = LEAD_INS[i % LEAD_INS.length]!(source.title, n, asClause(chosen[0]!));
  const rest = chosen.slice(1).map((s, j) => `${CONNECTIVES[(i + j) % CONNECTIVES.length]} ${asClause(s)}`);
  return [lead, ...rest].join(' ');
}

/** The k sentences of an excerpt that mention the topic most, in their original order. */
export function selectSentences(excerpt: string, topicTerms: readonly string[], k: number): string[] {
  const sentences = splitSentences(excerpt);
  const topic = new Set(topicTerms);
  const scored = sentences.map((s, index) => {
    let hits = 0;
    for (const w of words(s)) if (topic.has(normalizeTerm(w))) hits++;
    const score = hits * 2 + (index === 0 ? 0.5 : 0) - (s.length < 40 ? 1 : 0);
    return { s, index, score };
  });
  return scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(0, k))
    .sort((a, b) => a.index - b.index)
    .map((x) => x.s);
}

function missingTermsParagraph(input: ParsedWriterInput, terms: readonly string[], body: string): string | undefined {
  const present = termSet(body);
  const sentences: string[] = [];
  for (const raw of terms) {
    const term = normalizeTerm(raw);
    if (present.has(term)) continue;
    const found = findSentenceWith(input.sources, term);
    if (found) {
      sentences.push(`On ${raw}, *${found.source.title}* [${found.n}] notes that ${withoutFinalStop(asClause(found.sentence))}.`);
    } else {
      sentences.push(`${capitalise(raw)} is part of the topic, but none of the sources discusses it directly; it deserves a closer look.`);
    }
    present.add(term);
  }
  return sentences.length > 0 ? sentences.join(' ') : undefined;
}

function findSentenceWith(
  sources: readonly WriterSource[],
  term: string,
): { source: WriterSource; n: number; sentence: string } | undefined {
  for (let i = 0; i < sources.length; i++) {
    for (const sentence of splitSentences(sources[i]!.excerpt)) {
      if (termSet(sentence).has(term)) return { source: sources[i]!, n: i + 1, sentence };
    }
  }
  return undefined;
}

function scopeParagraph(input: ParsedWriterInput): string {
  const n = input.sources.length;
  return n === 0
    ? `A fuller answer would start by collecting sources on ${input.topic}: definitions, the main trade-offs, and examples of systems that get it right. Until such sources are available, any conclusion would be speculation, and this report deliberately avoids it.`
    : `A word on scope: this report is limited to what the ${n === 1 ? 'source says' : `${n} sources say`}, and each claim above is tied to the source it comes from. Where the sources are silent, the report does not fill the gap with guesses; a reader who needs more depth should follow the links below.`;
}

function conclusion(input: ParsedWriterInput, topicTerms: readonly string[], opts: RenderOptions): string {
  if (input.sources.length === 0) {
    return `In short, ${input.topic} remains an open question here until relevant sources are found.`;
  }
  const themes = recurringThemes(input.sources, topicTerms);
  const parts: string[] = [];
  parts.push(
    themes.length > 0
      ? `Taken together, the sources keep returning to ${listJoin(themes)}, which suggests these are the points to get right for ${input.topic}.`
      : `Taken together, the sources give a consistent picture of ${input.topic}.`,
  );
  if (!opts.compact) {
    const best = mostTopical(input.sources, topicTerms);
    parts.push(`For a first read, *${input.sources[best]!.title}* [${best + 1}] is the most directly relevant.`);
  }
  return parts.join(' ');
}

/** Up to three terms that appear in the most excerpts (then most often), topic terms excluded. */
function recurringThemes(sources: readonly WriterSource[], topicTerms: readonly string[]): string[] {
  const exclude = new Set(topicTerms);
  const df = new Map<string, number>();
  const tf = new Map<string, number>();
  const display = new Map<string, string>();
  for (const s of sources) {
    const seen = new Set<string>();
    for (const w of words(s.excerpt)) {
      const lower = w.toLowerCase();
      const t = normalizeTerm(lower);
      if (t.length < 5 || exclude.has(t) || !significantTerms(lower).length) continue;
      tf.set(t, (tf.get(t) ?? 0) + 1);
      if (!display.has(t)) display.set(t, /^[A-Z]{2,}/.test(w) ? w : lower);
      if (!seen.has(t)) {
        seen.add(t);
        df.set(t, (df.get(t) ?? 0) + 1);
      }
    }
  }
  const minDf = sources.length > 1 ? 2 : 1;
  return [...df.entries()]
    .filter(([, d]) => d >= minDf)
    .sort((a, b) => b[1] - a[1] || (tf.get(b[0]) ?? 0) - (tf.get(a[0]) ?? 0) || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([t]) => display.get(t) ?? t);
}

function mostTopical(sources: readonly WriterSource[], topicTerms: readonly string[]): number {
  const topic = new Set(topicTerms);
  let best = 0;
  let bestHits = -1;
  sources.forEach((s, i) => {
    const hits = words(s.excerpt).filter((w) => topic.has(normalizeTerm(w))).length;
    if (hits > bestHits) {
      best = i;
      bestHits = hits;
    }
  });
  return best;
}

function listJoin(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'in', 'of', 'on', 'or', 'the', 'to', 'vs', 'with']);

function titleCase(text: string): string {
  return text
    .split(/\s+/)
    .map((w, i) => (i > 0 && SMALL_WORDS.has(w.toLowerCase()) ? w.toLowerCase() : capitalise(w)))
    .join(' ');
}

function capitalise(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}
