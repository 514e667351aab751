import { significantWords, termSet } from '@baton/agent-kit/text';
import { citedNumbers, reportBody } from './citations.js';
import {
  citeMissingNote,
  citeOutsideNote,
  coverNote,
  expandNote,
  shortenNote,
  type ParsedReviewInput,
  type ReviewNote,
  type ReviewOutput,
} from '@baton/contract/wire';

export interface ReviewRules {
  /** Minimum report length in characters, whole report (default 400). */
  readonly minChars: number;
  /** Maximum report length in characters, whole report (default 6000). */
  readonly maxChars: number;
}

export const DEFAULT_RULES: ReviewRules = Object.freeze({ minChars: 400, maxChars: 6000 });

export function validateRules(rules: ReviewRules): ReviewRules {
  if (!Number.isInteger(rules.minChars) || rules.minChars < 0) throw new TypeError('minChars must be a non-negative integer');
  if (!Number.isInteger(rules.maxChars) || rules.maxChars < rules.minChars) throw new TypeError('maxChars must be an integer >= minChars');
  return rules;
}

/**
 * The authoritative checks. Each failed rule adds a structured note (`@baton/contract`'s
 * `ReviewNote`: `cite`, `length` or `cover`, with its display text) that the writer acts on by its
 * fields: `Cite source [n] ("title") at least once.`, `Remove citation [n]: ...`,
 * `Expand ... at least N characters ...`, `Shorten ... at most N characters ...`,
 * `Cover the topic term "x", ...`.
 */
export function checkReport(input: ParsedReviewInput, rules: ReviewRules = DEFAULT_RULES): ReviewOutput {
  const notes: ReviewNote[] = [];
  const body = reportBody(input.report);
  const n = input.sources.length;

  // citations: every source cited in the body, nothing cited outside 1..n
  const cited = citedNumbers(body);
  const citedSet = new Set(cited);
  const missing = input.sources.map((_, i) => i + 1).filter((k) => !citedSet.has(k));
  const outside = [...new Set(cited.filter((k) => k < 1 || k > n))].sort((a, b) => a - b);
  for (const k of missing) notes.push(citeMissingNote(k, input.sources[k - 1]!.title));
  for (const k of outside) notes.push(citeOutsideNote(k, n));
  const citations = missing.length === 0 && outside.length === 0;

  // length: whole report within [minChars, maxChars]
  const len = input.report.length;
  const length = len >= rules.minChars && len <= rules.maxChars;
  if (len < rules.minChars) notes.push(expandNote(rules.minChars, len));
  if (len > rules.maxChars) notes.push(shortenNote(rules.maxChars, len));

  // coverage: every significant topic term appears in the body
  const present = termSet(body);
  const uncovered = significantWords(input.topic).filter((t) => !present.has(t.term));
  for (const t of uncovered) notes.push(coverNote(t.word));
  const coverage = uncovered.length === 0;

  return { approved: citations && length && coverage, notes, checks: { citations, length, coverage } };
}
