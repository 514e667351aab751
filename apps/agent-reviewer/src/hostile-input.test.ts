// Hostile text against the reviewer's parsers, at growing sizes: the work must grow at most
// linearly (t(4n) < 10·t(n); quadratic work gives ~16). No absolute time limits.
import { measureGrowth } from '@baton/testkit';
import { citedNumbers, reportBody } from './citations.js';
import { parseNotes } from './llm-notes.js';
import { checkReport } from './rules.js';

const LINEAR = 10; // generous: linear work at 4x the size is ~4x the time

const sources = [{ id: 'a', title: 'A', url: 'https://x.test/a', excerpt: 'e' }];

describe('reviewer parsers on hostile input grow at most linearly', () => {
  it.each([
    ['"# sources" + n spaces + "x" (the reported 2 s case)', (n: number) => `# sources${' '.repeat(n)}x`],
    ['"# sources" + n spaces + ":" + n spaces + "x"', (n: number) => `# sources${' '.repeat(n)}:${' '.repeat(n)}x`],
    ['"#" + n spaces + "x"', (n: number) => `#${' '.repeat(n)}x`],
    ['n lines of "# sources x"', (n: number) => '# sources x\n'.repeat(n / 12)],
    ['"# sources" + n blank lines + "x"', (n: number) => `# sources${'\n'.repeat(n)}x`],
  ])('reportBody: %s', (_name, make) => {
    expect(measureGrowth(make, reportBody, 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['"[1" + ", 1" repeated, never closed', (n: number) => `[1${', 1'.repeat(n / 3)}`],
    ['"[1" + n spaces, never closed', (n: number) => `[1${' '.repeat(n)}`],
    ['n "[" in a row', (n: number) => '['.repeat(n)],
    ['"[1," + n spaces + "x"', (n: number) => `[1,${' '.repeat(n)}x`],
  ])('citedNumbers: %s', (_name, make) => {
    expect(measureGrowth(make, citedNumbers, 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it('checkReport: a whole report of the reported shape, with a long topic', () => {
    const growth = measureGrowth(
      (n) => ({ topic: 'sources '.repeat(60), report: `# sources${' '.repeat(n)}x [1${', 1'.repeat(n / 3)}`, sources }),
      (input) => checkReport(input),
      2_000,
      { settleBelow: LINEAR },
    );
    expect(growth.ratio).toBeLessThan(LINEAR);
  });

  it.each([
    ['"NONE" + n spaces + "x"', (n: number) => `NONE${' '.repeat(n)}x`],
    ['n spaces + "NONE" + n spaces + "x"', (n: number) => `${' '.repeat(n)}NONE${' '.repeat(n)}x`],
    ['"-" + n spaces + "x"', (n: number) => `-${' '.repeat(n)}x`],
    ['n lines of "- a"', (n: number) => '- a\n'.repeat(n / 4)],
  ])('parseNotes (model output): %s', (_name, make) => {
    expect(measureGrowth(make, parseNotes, 2_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it('still finds the sources heading after a hostile line', () => {
    expect(reportBody(`body [1]\n# sources${' '.repeat(5_000)}x\n## Sources  :  \r\n- [1] a`)).toBe(
      `body [1]\n# sources${' '.repeat(5_000)}x\n`,
    );
    expect(citedNumbers(`[1${', 1'.repeat(1000)}`)).toEqual([]);
  });
});
