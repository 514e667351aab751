// `pnpm bench` (bench/run.mjs) checks its own pieces, never its figures: the statistics, the table
// and the profile grouping of bench/stats.mjs on fixed inputs, and that `--quick` runs end to end on
// the real processes and prints every section. No timing is asserted (these machines are shared).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './stack.js';

function node(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Evaluates `expr` with bench/stats.mjs's exports in scope (a child process: the file is ESM); its JSON. */
async function stats(expr: string): Promise<unknown> {
  const url = pathToFileURL(path.join(ROOT, 'bench/stats.mjs')).href;
  const script = `const s = await import(${JSON.stringify(url)}); console.log(JSON.stringify(await (async (s) => ${expr})(s)));`;
  const { code, stdout, stderr } = await node(['--input-type=module', '-e', script], 30_000);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout);
}

const frame = (id: number, functionName: string, url: string) => ({
  id,
  callFrame: { functionName, url, scriptId: '0', lineNumber: 0, columnNumber: 0 },
});

describe('bench/stats.mjs', () => {
  it('takes medians, percentiles, per-round ratios and least-squares slopes', async () => {
    expect(
      await stats(`[
        s.median([3, 1, 2]), s.median([4, 1, 3, 2]), s.median([]),
        s.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), s.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99),
        s.medianRatio([10, 20, 90], [20, 20, 30]),
        s.slope([[0, 1], [1, 3], [2, 5], [3, 7]]), s.slope([[1, 1], [1, 2]]),
        s.secondHalf([1, 2, 3, 4, 5])
      ]`),
    ).toEqual([2, 2.5, null, 5, 10, 1, 2, null, [3, 4, 5]]);
  });

  it('formats a table with aligned columns and a dash for a missing figure', async () => {
    const table = (await stats(`s.formatTable(['name', 'req/s'], [['stack', s.fmt(40.25)], ['baseline', s.fmt(NaN)]])`)) as string;
    expect(table.split('\n')).toEqual(['name      req/s', '--------  -----', 'stack      40.3', 'baseline      -']);
  });

  it("groups a profile's self time by layer, idle left out", async () => {
    const nm = '/r/node_modules/.pnpm/x@1/node_modules';
    const profile = {
      nodes: [
        frame(1, '(root)', ''),
        frame(2, 'RunTree', `file://${nm}/langsmith/dist/run_trees.js`),
        frame(3, 'mergeConfigs', `file://${nm}/@langchain/core/dist/runnables/config.js`),
        frame(4, 'writev', ''),
        frame(5, 'emit', 'node:events'),
        frame(6, '(garbage collector)', ''),
        frame(7, '(idle)', ''),
        frame(8, 'invoke', 'file:///r/packages/remote/dist/remote.js'),
      ],
      samples: [2, 2, 3, 4, 5, 6, 7, 8, 2],
      timeDeltas: [100, 100, 200, 50, 50, 100, 5000, 400, 0],
    };
    const groups = (await stats(`s.groupProfile(${JSON.stringify(profile)}, 1)`)) as {
      layer: string;
      ms: number;
      share: number;
      top: { name: string }[];
    }[];
    expect(groups.map((g) => [g.layer, g.ms])).toEqual([
      ['@baton/remote', 0.4],
      ['langsmith', 0.2],
      ['@langchain/core', 0.2],
      ['node internals', 0.1],
      ['GC', 0.1],
    ]);
    expect(groups[1]).toMatchObject({ share: 0.2, top: [{ name: 'RunTree' }] });
  });
});

jest.setTimeout(600_000);

it('runs `pnpm bench --quick` end to end and prints every section', async () => {
  const { code, stdout, stderr } = await node([path.join(ROOT, 'bench/run.mjs'), '--quick'], 540_000);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  for (const heading of [
    '## (1) whole stack vs hand-written undici chain',
    'CPU ms per run (/proc',
    '## (2) auth off vs on',
    '## (3) remote client',
    '## (4) first writer token and idle-stream memory',
    '## (5) threaded (SQLite) vs unthreaded runs',
    '## (6) Platform API',
    '## (7) CPU profile of the workflow',
    '## token verification',
  ])
    expect(stdout).toContain(heading);
  // Each table has its rows: the three concurrencies, the three clients and the baseline, a layer.
  expect(stdout).toMatch(/^32 +\d/m);
  expect(stdout).toMatch(/^bare undici\.request +\d/m);
  expect(stdout).toMatch(/^@langchain\/langgraph +\d/m);
});
