import { normalizeTerm, significantTerms, termSet, words } from '@baton/agent-kit/text';
import type { RevisionPlan } from './revision-notes.js';
import type { ParsedWriterInput, WriterSource } from '@baton/contract/wire';
import { asClause, splitSentences, withoutFinalStop } from './sentences.js';

/** Work done by one `composeReport` call (for tests that check it grows with the input, not with a note's number). */
export interface ComposeStats {
  /** Full reports rendered. */
  renders: number;
  /** Characters of all rendered reports together. */
  renderedChars: number;
}

/**
 * The offline writer: a deterministic markdown report built from the sources' excerpts.
 * Title, an introduction, one paragraph per source (its most topical sentences, rephrased
 * as reported speech and cited `[n]`), a conclusion naming the recurring themes, and a
 * `## Sources` list `- [n] title — url`. Reviewer notes adjust it (see revision-notes.ts):
 * terms to mention, a length window to meet.
 *
 * The length window is met by a binary search over the number of sentences per source (1 up
 * to the longest excerpt's sentence count), so the work is O(input · log sentences) whatever
 * number a note asks for: the excerpts are split and ranked once, and at most ~2·log2(sentences)
 * + 4 reports are rendered. (A linear scan rendered once per sentence count: 2,000 short
 * sentences and "at least 10^9 characters" blocked the process for half a minute.)
 */
export function composeReport(input: ParsedWriterInput, plan: RevisionPlan, stats?: ComposeStats): string {
  const prepared = prepare(input, plan);
  const draw = (opts: RenderOptions): string => {
    const report = render(input, plan, prepared, opts);
    if (stats) {
      stats.renders++;
      stats.renderedChars += report.length;
    }
    return report;
  };
  const maxSentences = Math.max(1, ...prepared.sources.map((s) => s.sentences.length));
  let k = 2;
  let expanded = false;
  let report = draw({ sentencesPerSource: k, expanded, compact: false });
  const { minChars, maxChars } = plan;
  if (minChars !== undefined && report.length < minChars) {
    // the fewest sentences per source (up to all of them) that reach minChars; then a scope paragraph
    if (k < maxSentences) {
      const at = (n: number) => draw({ sentencesPerSource: n, expanded, compact: false });
      [k, report] = smallestAtLeast(k + 1, maxSentences, at, (r) => r.length >= minChars);
    }
    if (report.length < minChars) {
      expanded = true;
      report = draw({ sentencesPerSource: k, expanded, compact: false });
    }
  }
  if (maxChars !== undefined) {
    if (report.length > maxChars && k > 1) {
      // the most sentences per source (fewer than now) that fit maxChars, or one
      const fits = (r: string) => r.length <= maxChars;
      const at = (n: number) => draw({ sentencesPerSource: n, expanded, compact: false });
      report = largestFitting(1, k - 1, at, fits)[1];
    }
    if (report.length > maxChars) report = draw({ sentencesPerSource: 1, expanded: false, compact: true });
  }
  return report;
}

/**
 * The smallest n in [lo, hi] whose report passes `ok`, with that report; `[hi, report(hi)]` when
 * none does. Binary search: O(log(hi - lo)) renders. Where the length is not monotonic in n
 * (a note's missing-term sentence can drop out as n grows) it still returns an n that passes.
 */
function smallestAtLeast(lo: number, hi: number, at: (n: number) => string, ok: (r: string) => boolean): [number, string] {
  const top = at(hi);
  if (!ok(top)) return [hi, top];
  let best: [number, string] = [hi, top];
  let high = hi - 1;
  let low = lo;
  while (low <= high) {
    const mid = low + Math.floor((high - low) / 2);
    const r = at(mid);
    if (ok(r)) {
      best = [mid, r];
      high = mid - 1;
    } else {
      low = mid + 1;
    }
  }
  return best;
}

/** The largest n in [lo, hi] whose report passes `ok`, with that report; `[lo, report(lo)]` when none does. */
function largestFitting(lo: number, hi: number, at: (n: number) => string, ok: (r: string) => boolean): [number, string] {
  const bottom = at(lo);
  if (!ok(bottom)) return [lo, bottom];
  let best: [number, string] = [lo, bottom];
  let low = lo + 1;
  let high = hi;
  while (low <= high) {
    const mid = low + Math.floor((high - low) / 2);
    const r = at(mid);
    if (ok(r)) {
      best = [mid, r];
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best;
}

/** A source's excerpt split into sentences once, with the sentence indices ranked by topicality. */
interface PreparedSource {
  readonly sentences: readonly string[];
  /** Sentence indices, most topical first (ties: original order). */
  readonly ranked: readonly number[];
}

/** Everything about the input that does not depend on the number of sentences per source. */
interface Prepared {
  readonly sources: readonly PreparedSource[];
  /** For each term a note asks for: the first source sentence that has it. */
  readonly termSentences: ReadonlyMap<string, { source: WriterSource; n: number; sentence: string }>;
  /** The conclusion, full and compact. */
  readonly conclusion: { readonly full: string; readonly compact: string };
}

function prepare(input: ParsedWriterInput, plan: RevisionPlan): Prepared {
  const topicTerms = significantTerms(input.topic);
  const sources = input.sources.map((s) => {
    const sentences = splitSentences(s.excerpt);
    return { sentences, ranked: rankSentences(sentences, topicTerms) };
  });
  const wanted = new Set(plan.mentionTerms.map((t) => normalizeTerm(t)));
  const termSentences = new Map<string, { source: WriterSource; n: number; sentence: string }>();
  if (wanted.size > 0) {
    // one pass over every sentence, whatever the number of terms asked for
    sources.forEach(({ sentences }, i) => {
      for (const sentence of sentences) {
        for (const term of termSet(sentence)) {
          if (wanted.has(term) && !termSentences.has(term)) termSentences.set(term, { source: input.sources[i]!, n: i + 1, sentence });
        }
      }
    });
  }
  return {
    sources,
    termSentences,
    conclusion: { full: conclusion(input, topicTerms, false), compact: conclusion(input, topicTerms, true) },
  };
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

function render(input: ParsedWriterInput, plan: RevisionPlan, prepared: Prepared, opts: RenderOptions): string {
  const blocks: string[] = [`# ${titleCase(input.topic)}`, intro(input, opts)];
  input.sources.forEach((source, i) => blocks.push(sourceParagraph(source, i, prepared.sources[i]!, opts.sentencesPerSource)));
  const body = blocks.join('\n\n');
  const extra = missingTermsParagraph(prepared, plan.mentionTerms, body);
  if (extra) blocks.push(extra);
  if (opts.expanded) blocks.push(scopeParagraph(input));
  blocks.push(opts.compact ? prepared.conclusion.compact : prepared.conclusion.full);
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

function sourceParagraph(source: WriterSource, i: number, prepared: PreparedSource, k: number): string {
  const n = i + 1;
  const chosen = pick(prepared, k);
  if (chosen.length === 0) return `*${source.title}* [${n}] is listed as a source, but its excerpt is empty.`;
  const lead = LEAD_INS[i % LEAD_INS.length]!(source.title, n, asClause(chosen[0]!));
  const rest = chosen.slice(1).map((s, j) => `${CONNECTIVES[(i + j) % CONNECTIVES.length]} ${asClause(s)}`);
  return [lead, ...rest].join(' ');
}

/** Sentence indices, most topical first (ties: original order). */
function rankSentences(sentences: readonly string[], topicTerms: readonly string[]): number[] {
  const topic = new Set(topicTerms);
  const scored = sentences.map((s, index) => {
    let hits = 0;
    for (const w of words(s)) if (topic.has(normalizeTerm(w))) hits++;
    const score = hits * 2 + (index === 0 ? 0.5 : 0) - (s.length < 40 ? 1 : 0);
    return { index, score };
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index).map((x) => x.index);
}

/** The k best-ranked sentences, in their original order. */
function pick(prepared: PreparedSource, k: number): string[] {
  return prepared.ranked
    .slice(0, Math.max(0, k))
    .sort((a, b) => a - b)
    .map((i) => prepared.sentences[i]!);
}

function missingTermsParagraph(prepared: Prepared, terms: readonly string[], body: string): string | undefined {
  if (terms.length === 0) return undefined;
  const present = termSet(body);
  const sentences: string[] = [];
  for (const raw of terms) {
    const term = normalizeTerm(raw);
    if (present.has(term)) continue;
    const found = prepared.termSentences.get(term);
    if (found) {
      sentences.push(`On ${raw}, *${found.source.title}* [${found.n}] notes that ${withoutFinalStop(asClause(found.sentence))}.`);
    } else {
      sentences.push(`${capitalise(raw)} is part of the topic, but none of the sources discusses it directly; it deserves a closer look.`);
    }
    present.add(term);
  }
  return sentences.length > 0 ? sentences.join(' ') : undefined;
}

function scopeParagraph(input: ParsedWriterInput): string {
  const n = input.sources.length;
  return n === 0
    ? `A fuller answer would start by collecting sources on ${input.topic}: definitions, the main trade-offs, and examples of systems that get it right. Until such sources are available, any conclusion would be speculation, and this report deliberately avoids it.`
    : `A word on scope: this report is limited to what the ${n === 1 ? 'source says' : `${n} sources say`}, and each claim above is tied to the source it comes from. Where the sources are silent, the report does not fill the gap with guesses; a reader who needs more depth should follow the links below.`;
}

function conclusion(input: ParsedWriterInput, topicTerms: readonly string[], compact: boolean): string {
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
  if (!compact) {
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
