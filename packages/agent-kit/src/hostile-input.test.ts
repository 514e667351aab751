// Hostile text against the term helpers every agent uses, at growing sizes: the work must grow
// at most linearly (t(4n) < 10·t(n); quadratic work gives ~16). No absolute time limits.
import { measureGrowth } from '@baton/testkit';
import { normalizeTerm, significantWords, termSet, words } from './text.js';

const LINEAR = 10; // generous: linear work at 4x the size is ~4x the time

const shapes: Array<[string, (n: number) => string]> = [
  ['one word of n letters', (n) => 'a'.repeat(n)],
  ['"a-" repeated (inner separators, trailing one)', (n) => 'a-'.repeat(n / 2)],
  ['"a" + n separators + "b"', (n) => `a${'-'.repeat(n)}b`],
  ['n of "ches" (plural fold suffixes)', (n) => 'ches'.repeat(n / 4)],
  ['"a" + n spaces + "b"', (n) => `a${' '.repeat(n)}b`],
];

describe('agent-kit text helpers on hostile input grow at most linearly', () => {
  it.each(shapes)('words: %s', (_name, make) => {
    expect(measureGrowth(make, words, 16_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each(shapes)('termSet: %s', (_name, make) => {
    expect(measureGrowth(make, termSet, 16_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each(shapes)('significantWords: %s', (_name, make) => {
    expect(measureGrowth(make, significantWords, 16_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['n letters + "ies"', (n: number) => `${'a'.repeat(n)}ies`],
    ['"shes" repeated', (n: number) => 'shes'.repeat(n / 4)],
    ['n of "s" then "x"', (n: number) => `${'s'.repeat(n)}x`],
  ])('normalizeTerm: %s', (_name, make) => {
    expect(measureGrowth(make, normalizeTerm, 16_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });
});
