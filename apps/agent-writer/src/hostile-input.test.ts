// Hostile text against the writer's parsers and its length search, at growing sizes: the work
// must grow at most linearly with the input (t(4n) < 10·t(n); quadratic work gives ~16), and
// never with a number a note asks for. No absolute time limits.
import { measureGrowth } from '@baton/testkit';
import { toChunks } from './chunks.js';
import { composeReport, type ComposeStats } from './compose.js';
import { WRITER_LIMITS } from './limits.js';
import { expandNote, shortenNote, writerInputSchema, type ReviewNote, type WriterInput } from '@baton/contract/wire';
import { revisionPlan } from './revision-notes.js';
import { asClause, splitSentences, withoutFinalStop } from './sentences.js';
import { ReportWriter } from './writer.js';

const LINEAR = 10; // generous: linear work at 4x the size is ~4x the time

/** One source whose excerpt is `count` short sentences, and a note asking for a report of `minChars`. */
function manySentences(count: number, notes: ReviewNote[] = [expandNote(1_000_000_000, 10)]) {
  const raw: WriterInput = {
    topic: 'tokens',
    sources: [{ id: 's', title: 'Short sentences', url: 'https://x.test/s', excerpt: 'Tokens expire. '.repeat(count) }],
    notes,
  };
  const input = writerInputSchema.parse(raw);
  return { input, plan: revisionPlan(input.notes) };
}

function work(count: number, notes?: ReviewNote[]): ComposeStats {
  const stats: ComposeStats = { renders: 0, renderedChars: 0 };
  const { input, plan } = manySentences(count, notes);
  composeReport(input, plan, stats);
  return stats;
}

describe('the length search is bounded by the input, not by the number a note asks for', () => {
  it('renders O(log sentences) reports for "at least 10^9 characters" (characters rendered grow ~linearly)', () => {
    const small = work(500);
    const large = work(2000);
    expect(large.renders).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(2000)) + 4);
    expect(large.renderedChars / small.renderedChars).toBeLessThan(LINEAR);
  });

  it('renders as many reports for "at least 10^9" as for "at least 10^4" characters', () => {
    expect(work(2000).renders).toBeLessThanOrEqual(work(2000, [expandNote(10_000, 10)]).renders + 2);
  });

  it('contradictory notes (at least 10^9, at most 500) stay bounded too', () => {
    const both = [expandNote(1_000_000_000, 10), shortenNote(500, 10)];
    const small = work(500, both);
    const large = work(2000, both);
    expect(large.renders).toBeLessThanOrEqual(4 * Math.ceil(Math.log2(2000)) + 6);
    expect(large.renderedChars / small.renderedChars).toBeLessThan(LINEAR);
  });

  it('meets the minimum with the fewest sentences, as the linear search did', () => {
    const { input } = manySentences(300, []);
    const lengths = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => {
      const { plan } = manySentences(300, [expandNote(400 + 40 * k, 10)]);
      return composeReport(input, plan).length;
    });
    for (const [k, len] of lengths.entries()) expect(len).toBeGreaterThanOrEqual(400 + 40 * (k + 1));
    const exact = composeReport(input, { ...revisionPlan([]), minChars: lengths[3]! });
    expect(exact.length).toBe(lengths[3]);
  });

  it('takes time linear in the number of sentences (n short sentences, "at least 10^9 characters")', () => {
    const growth = measureGrowth(manySentences, ({ input, plan }) => composeReport(input, plan), 100, { settleBelow: LINEAR });
    expect(growth.ratio).toBeLessThan(LINEAR);
  });
});

describe('writer parsers on hostile input grow at most linearly', () => {
  it.each([
    ['"Ab." + n spaces + "x"', (n: number) => `Ab.${' '.repeat(n)}x`],
    ['n dots then "x"', (n: number) => `${'.'.repeat(n)}x`],
    ['"A." repeated', (n: number) => 'A.'.repeat(n / 2)],
    ['n quotes after a stop', (n: number) => `Ab. ${'"'.repeat(n)}x`],
  ])('splitSentences: %s', (_name, make) => {
    expect(measureGrowth(make, splitSentences, 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['n letters then "1"', (n: number) => `${'A'.repeat(n)}1`],
    ['"Ab" + n letters', (n: number) => `Ab${'b'.repeat(n)}`],
  ])('asClause: %s', (_name, make) => {
    expect(measureGrowth(make, asClause, 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['n dots then "x"', (n: number) => `${'.'.repeat(n)}x`],
    ['"x" + n of "!?."', (n: number) => `x${'!?.'.repeat(n / 3)}`],
  ])('withoutFinalStop: %s', (_name, make) => {
    expect(measureGrowth(make, withoutFinalStop, 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['"!" + n of ")" + "x"', (n: number) => `!${')'.repeat(n)}x`],
    ['n dots', (n: number) => '.'.repeat(n)],
    ['"a." + n spaces + "x"', (n: number) => `a.${' '.repeat(n)}x`],
  ])('toChunks: %s', (_name, make) => {
    expect(measureGrowth(make, (t: string) => toChunks(t), 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['n notes of "at most 5 characters"', (n: number) => Array.from({ length: n / 20 }, () => shortenNote(5, 10))],
    [
      'n cover notes of long terms',
      (n: number) => Array.from({ length: n / 20 }, (_, i) => ({ kind: 'cover' as const, term: `t${i}`.repeat(40), message: 'cover' })),
    ],
  ])('revisionPlan: %s', (_name, make) => {
    expect(measureGrowth(make, (notes: ReviewNote[]) => revisionPlan(notes), 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it('keeps the behaviour of the rewritten helpers', () => {
    expect(withoutFinalStop('It works?!.')).toBe('It works');
    expect(withoutFinalStop('...')).toBe('');
    expect(asClause('Tokens expire.')).toBe('tokens expire.');
    expect(asClause('123 tokens.')).toBe('123 tokens.');
  });
});

describe('input size caps', () => {
  const writer = new ReportWriter({ chunkDelayMs: 0 });
  const source = (excerpt: string, i = 0) => ({ id: `s${i}`, title: `T${i}`, url: `https://x.test/${i}`, excerpt });

  it('refuses an excerpt over the cap with 413 WRITER_INPUT_TOO_LARGE naming the field', async () => {
    await expect(
      writer.invoke({ topic: 't', sources: [source('x'), source('a'.repeat(WRITER_LIMITS.excerptChars + 1), 1)] }),
    ).rejects.toMatchObject({ code: 'WRITER_INPUT_TOO_LARGE', status: 413, detail: [{ path: 'sources.1.excerpt' }] });
  });

  it('refuses excerpts over the total cap, and a title or url over theirs', async () => {
    const each = 'a'.repeat(WRITER_LIMITS.excerptChars);
    const count = WRITER_LIMITS.totalExcerptChars / WRITER_LIMITS.excerptChars + 1;
    await expect(writer.invoke({ topic: 't', sources: Array.from({ length: count }, (_, i) => source(each, i)) })).rejects.toMatchObject({
      code: 'WRITER_INPUT_TOO_LARGE',
      detail: [{ path: 'sources' }],
    });
    await expect(writer.invoke({ topic: 't', sources: [{ ...source('x'), title: 'T'.repeat(501) }] })).rejects.toMatchObject({
      code: 'WRITER_INPUT_TOO_LARGE',
    });
    await expect(
      writer.invoke({ topic: 't', sources: [{ ...source('x'), url: `https://x.test/${'u'.repeat(2048)}` }] }),
    ).rejects.toMatchObject({
      code: 'WRITER_INPUT_TOO_LARGE',
    });
  });

  it('accepts input exactly at the caps', async () => {
    const each = 'Tokens expire. '.repeat(WRITER_LIMITS.excerptChars / 15);
    const count = WRITER_LIMITS.totalExcerptChars / WRITER_LIMITS.excerptChars;
    const report = await writer.invoke({ topic: 'tokens', sources: Array.from({ length: count }, (_, i) => source(each, i)) });
    expect(report).toContain('## Sources');
  });
});
