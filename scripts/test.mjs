#!/usr/bin/env node
// `pnpm test`: format and function-length checks, build, then two lanes at once: the suites that
// start the system's processes (packages/e2e, one file at a time) in one, and in the other the type
// checks and lint, every unit suite (one jest run over all packages, in parallel workers), then the
// other cross-process packages. It ends with a line naming what was skipped and why, then the
// totals across packages: "N passed, N failed, N skipped" (CI reads that last line).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extra = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'baton-test-'));

/**
 * Packages whose suites start the real services (issuer, agents, workflow, nginx, a browser) as
 * processes: one package at a time, each file in band. Every other package's suites are unit
 * suites (in-process servers on port 0, their own databases and Redis prefixes) and run together.
 */
const PROCESS_SUITES = ['packages/e2e', 'packages/conformance', 'packages/idp-fixture'];

/** Workspace packages with a `test` script, as paths relative to the root. */
function testedPackages() {
  return ['apps', 'packages'].flatMap((group) =>
    readdirSync(path.join(root, group))
      .map((name) => `${group}/${name}`)
      .filter((dir) => {
        const manifest = path.join(root, dir, 'package.json');
        return existsSync(manifest) && Boolean(JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test);
      }),
  );
}

/** Runs a command with its output buffered, printed in one block when it ends (lanes run at once). */
function run(label, command, args, cwd = root) {
  const started = Date.now();
  console.log(`▶ ${label}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code, signal) => {
      const status = code ?? 1;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`\n■ ${label}: ${status === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s\n${output.trimEnd()}\n`);
      resolve({ status, output });
    });
  });
}

/** One jest run; its JSON results and output are kept for the closing lines. */
const jestRuns = [];
async function jest(label, args, cwd = root) {
  const outputFile = path.join(resultsDir, `${jestRuns.length}.json`);
  const entry = { label, outputFile, output: '' };
  jestRuns.push(entry);
  const r = await run(label, bin('jest'), [...args, '--json', `--outputFile=${outputFile}`, ...extra], cwd);
  entry.output = r.output;
  return r.status;
}

function sync(command, args) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;
}

async function main() {
  // Layout is the formatter's: a file Prettier would change fails the run (`pnpm format` fixes it).
  let status = sync('pnpm', ['exec', 'prettier', '--check', '--log-level=warn', '.']);
  // No source function over 80 lines (scripts/function-lengths.mjs lists them).
  if (status === 0) status = sync(process.execPath, ['scripts/function-lengths.mjs']);
  if (status === 0) status = sync('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
  if (status !== 0) return status;

  const packages = testedPackages();
  const units = packages.filter((p) => !PROCESS_SUITES.includes(p));
  const [first, ...rest] = PROCESS_SUITES.filter((p) => packages.includes(p));
  const inBand = (dir) => jest(dir, ['--runInBand'], path.join(root, dir));
  const lanes = [
    // The longest package alone in its lane, from the start.
    first ? inBand(first) : Promise.resolve(0),
    (async () => {
      // At most two processes at a time in this lane, so the e2e lane's services still start
      // within their deadlines on a 2-core machine (turbo's default is ten tasks at once).
      const codes = [];
      // Type checks (each package's tests against its own build's declarations). `--only`: the
      // build above is done, and a replay of it from turbo's cache would rewrite dist/ while the
      // e2e lane's processes load it.
      const checkTypes = ['run', 'check-types', '--only', '--concurrency=2', '--output-logs=errors-only'];
      codes.push((await run('check-types', 'pnpm', ['exec', 'turbo', ...checkTypes])).status);
      // One ESLint over every package (the same root config each package's `pnpm lint` uses).
      codes.push((await run('eslint', bin('eslint'), ['apps', 'packages'])).status);
      codes.push(await jest('unit suites', ['--projects', ...units, '--maxWorkers=2']));
      for (const dir of rest) codes.push(await inBand(dir));
      return Math.max(...codes);
    })(),
  ];
  return Math.max(...(await Promise.all(lanes)));
}

/** Skip notices the suites print (`SKIP …`, `skipping …: reason`, `… skipped: reason`), with the file that printed them. */
function skipNotices(output) {
  const lines = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').split('\n');
  const notices = [];
  lines.forEach((line, i) => {
    const text = line.trim();
    // (a code frame quoting the call, `> 12 | console.warn(…)`, is not a notice)
    if (!/^(SKIP\b|skipping\b)|\bskipped: /.test(text) || /^(>\s*)?\d+\s*\|/.test(text)) return;
    const frame = lines
      .slice(i + 1, i + 16)
      .map((l) => /\(([^():]+\.ts):\d+:\d+\)/.exec(l)?.[1])
      .find(Boolean);
    notices.push({ text, file: frame });
  });
  return notices;
}

/** Totals over every jest run, and one line per test file with skipped tests (with the reason printed). */
function summarize() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const skips = [];
  for (const { label, outputFile, output } of jestRuns) {
    if (!existsSync(outputFile)) {
      totals.failed += 1; // the run died before writing results
      continue;
    }
    const r = JSON.parse(readFileSync(outputFile, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    const notices = skipNotices(output);
    for (const suite of r.testResults) {
      const n = suite.assertionResults.filter((a) => ['pending', 'skipped', 'todo', 'disabled'].includes(a.status)).length;
      if (n === 0) continue;
      const file = path.relative(root, suite.name);
      const why = notices.filter((x) => x.file && file.endsWith(x.file)).map((x) => x.text);
      const reasons = why.length > 0 ? why : notices.filter((x) => !x.file || !x.file.endsWith('.test.ts')).map((x) => x.text);
      skips.push(`${file} (${n}${reasons.length > 0 ? `: ${[...new Set(reasons)].join('; ')}` : `, no reason printed, in ${label}`})`);
    }
  }
  return { totals, skips };
}

const status = await main();
const { totals, skips } = summarize();
rmSync(resultsDir, { recursive: true, force: true });
console.log(`\nskipped: ${skips.length > 0 ? skips.join(' | ') : 'nothing'}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status === 0 && (totals.failed > 0 || totals.passed === 0) ? 1 : status);
