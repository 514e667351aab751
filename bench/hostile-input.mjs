#!/usr/bin/env node
// `node bench/hostile-input.mjs [scale]`: what hostile text costs each agent's parsers, in
// process, at growing sizes (build first: `pnpm build`). Prints milliseconds per call (best of
// a few runs) and the growth ratio t(4n) / t(n): about 4 for linear work, 16 for quadratic.
// No absolute targets: these machines are shared and noisy.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (rel) => import(pathToFileURL(path.join(root, rel)).href);

const { reportBody, citedNumbers } = await load('apps/agent-reviewer/dist/citations.js');
const { checkReport } = await load('apps/agent-reviewer/dist/rules.js');
const { ReportWriter } = await load('apps/agent-writer/dist/writer.js');
const { splitSentences } = await load('apps/agent-writer/dist/sentences.js');
const { createResearchRunnable } = await load('apps/agent-research/dist/research.js');

const scale = Number(process.argv[2] ?? 1);
const writer = new ReportWriter({ chunkDelayMs: 0 });
const research = createResearchRunnable();
const source = (excerpt) => ({ id: 's', title: 'T', url: 'https://x.test/s', excerpt });

/** Best-of-3 milliseconds for one call. */
async function time(fn) {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const cases = [
  { name: 'reviewer reportBody: "# sources" + n spaces + "x"', n: 10_000, run: (n) => reportBody(`# sources${' '.repeat(n)}x`) },
  { name: 'reviewer citedNumbers: "[1" + ", 1" * n/3', n: 30_000, run: (n) => citedNumbers(`[1${', 1'.repeat(n / 3)}`) },
  {
    name: 'reviewer checkReport: "# sources" + n spaces + "x" as the report',
    n: 10_000,
    run: (n) => checkReport({ topic: 't', report: `# sources${' '.repeat(n)}x`, sources: [] }),
  },
  { name: 'writer splitSentences: n/4 sentences "Ab. "', n: 40_000, run: (n) => splitSentences('Ab. '.repeat(n / 4)) },
  {
    name: 'writer invoke: n short sentences + "at least 10^9 characters"',
    n: 250,
    run: (n) =>
      writer.invoke({
        topic: 'tokens',
        sources: [source('Tokens expire. '.repeat(n))],
        notes: ['Expand the report to at least 1000000000 characters (it has 10).'],
      }),
  },
  {
    name: 'research invoke: topic of n/6 long words',
    n: 120,
    run: (n) => research.invoke({ topic: 'tokenz '.repeat(n / 7).slice(0, 500) }),
  },
];

for (const c of cases) {
  const n = Math.round(c.n * scale);
  await c.run(n); // warm-up
  const t1 = await time(() => c.run(n));
  const t2 = await time(() => c.run(2 * n));
  const t4 = await time(() => c.run(4 * n));
  console.log(
    `${c.name}\n  n=${n}: ${t1.toFixed(2)} ms   2n: ${t2.toFixed(2)} ms   4n: ${t4.toFixed(2)} ms   t(4n)/t(n) = ${(t4 / t1).toFixed(1)}`,
  );
}
