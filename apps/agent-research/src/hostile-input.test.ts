// Hostile queries against the research agent's index, at growing sizes: the search work must
// grow at most linearly with the query (t(4n) < 10·t(n)). The schema caps a topic at 500
// characters; the index itself is checked beyond that, so a larger cap stays safe. Fuzzy
// matching is bounded per term (edit distance 20% of the term, at most MiniSearch's maxFuzzy 6).
import { measureGrowth } from '@baton/testkit';
import { corpus } from './corpus.js';
import { createResearchRunnable } from './research.js';
import { createPassageIndex } from './search-index.js';
import { toPassages } from './passages.js';

const LINEAR = 10; // generous: linear work at 4x the size is ~4x the time
const index = createPassageIndex(corpus);

describe('research search on hostile queries grows at most linearly', () => {
  it.each([
    ['one term of n letters', (n: number) => 'tokenexchange'.repeat(n / 13)],
    ['misspelt long words (fuzzy)', (n: number) => 'tokem exchanje audiense delegatiom '.repeat(Math.ceil(n / 35))],
    ['n short terms', (n: number) => 'ab '.repeat(n / 3)],
    ['n separators', (n: number) => `a${'-'.repeat(n)}b`],
  ])('searchArticles: %s', (_name, make) => {
    expect(measureGrowth(make, (q: string) => index.searchArticles(q, 10), 300, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it('toPassages: an article of n blank-ish lines', () => {
    const make = (n: number) => [{ id: 'x', title: 'x', url: 'https://x.test', body: `a\n${' \t'.repeat(n / 2)}x\n${' '.repeat(n)}\n` }];
    expect(measureGrowth(make, toPassages, 4_000, { settleBelow: LINEAR }).ratio).toBeLessThan(LINEAR);
  });

  it('refuses a topic over the 500-character cap with 422 RUNNABLE_INPUT_INVALID', async () => {
    await expect(createResearchRunnable().invoke({ topic: 'a'.repeat(501) })).rejects.toMatchObject({
      code: 'RUNNABLE_INPUT_INVALID',
      status: 422,
    });
  });
});
