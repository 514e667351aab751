#!/usr/bin/env node
// `pnpm test`: build, lint and type-check everything, then every package's jest suite (turbo),
// then one closing line with the totals across packages: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = ['apps', 'packages'].flatMap((d) => readdirSync(path.join(root, d)).map((n) => path.join(root, d, n)));
const resultFile = (dir) => path.join(dir, '.jest-results.json');
for (const dir of dirs) rmSync(resultFile(dir), { force: true });

const turboEnv = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const run = (args) => spawnSync('pnpm', ['exec', 'turbo', ...args], { cwd: root, stdio: 'inherit', env: turboEnv }).status ?? 1;
const extra = process.argv.slice(2);
// Layout is the formatter's: a file Prettier would change fails the run (`pnpm format` fixes it).
let status = spawnSync('pnpm', ['exec', 'prettier', '--check', '--log-level=warn', '.'], { cwd: root, stdio: 'inherit' }).status ?? 1;
// No source function over 80 lines (scripts/function-lengths.mjs lists them).
if (status === 0) status = spawnSync(process.execPath, ['scripts/function-lengths.mjs'], { cwd: root, stdio: 'inherit' }).status ?? 1;
if (status === 0) status = run(['run', 'build', 'lint', 'check-types', '--output-logs=errors-only']);
if (status === 0) {
  // --continue: every package's suites run even after one fails, so the totals below are complete.
  status = run(['run', 'test', '--concurrency=1', '--continue', '--', '--json', '--outputFile=.jest-results.json', ...extra]);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of dirs) {
  if (!existsSync(resultFile(dir))) continue;
  const r = JSON.parse(readFileSync(resultFile(dir), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (status === 0 && (failed > 0 || passed === 0)) status = 1;
process.exit(status);
