import { significantWords, termSet } from '@baton/agent-kit/text';
import { citedNumbers, reportBody } from './citations.js';
import type { ParsedReviewInput, ReviewOutput } from './schema.js';

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
 * The authoritative checks. Notes use fixed phrasings the writer understands:
 * `Cite source [n] ("title") at least once.`, `Remove citation [n]: ...`,
 * `Cover the topic term "x", ...`, `Shorten ... at most N characters ...`,
 * `Expand ... at least N characters ...`.
 */
export function checkReport(input: ParsedReviewInput, rules: ReviewRules = DEFAULT_RULES): ReviewOutput {
  const notes: string[] = [];
  const body = reportBody(input.report);
  const n = input.sources.length;

  // citations: every source cited in the body, nothing cited outside 1..n
  const cited = citedNumbers(body);
  const citedSet = new Set(cited);
  const missing = input.sources.map((_, i) => i + 1).filter((k) => !citedSet.has(k));
  const outside = [...new Set(cited.filter((k) => k < 1 || k > n))].sort((a, b) => a - b);
  for (const k of missing) notes.push(`Cite source [${k}] ("${input.sources[k - 1]!.title}") at least once.`);
  for (const k of outside) {
    notes.push(
      `Remove citation [${k}]: it points outside the ${n === 1 ? 'single source' : `${n} sources`} (valid: ${n === 0 ? 'none' : `[1]-[${n}]`}).`,
    );
  }
  const citations = missing.length === 0 && outside.length === 0;

  // length: whole report within [minChars, maxChars]
  const len = input.report.length;
  const length = len >= rules.minChars && len <= rules.maxChars;
  if (len < rules.minChars) notes.push(`Expand the report to at least ${rules.minChars} characters (it has ${len}).`);
  if (len > rules.maxChars) notes.push(`Shorten the report to at most ${rules.maxChars} characters (it has ${len}).`);

  // coverage: every significant topic term appears in the body
  const present = termSet(body);
  const uncovered = significantWords(input.topic).filter((t) => !present.has(t.term));
  for (const t of uncovered) notes.push(`Cover the topic term "${t.word}", which the report never mentions.`);
  const coverage = uncovered.length === 0;

  return { approved: citations && length && coverage, notes, checks: { citations, length, coverage } };
}
