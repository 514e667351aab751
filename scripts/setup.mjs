#!/usr/bin/env node
// One-time (and idempotent) setup for a fresh machine that has Node 20 and npm only:
// installs pnpm 12.4.2 if it is missing, then the workspace with the frozen lockfile; then checks
// for the tools some test suites need (kubectl, nginx, chromium at /usr/bin/chromium) and prints
// the exact command that installs the missing ones (it installs nothing itself; .ci/run does).
// `node scripts/setup.mjs --check-tools` does only that check.
// better-sqlite3 (the workflow's SQLite checkpointer) is a native addon: pnpm does not pass
// npm's `nodedir` setting to node-gyp, so we hand it over, letting the build use the local Node
// headers instead of downloading them (machines without internet access).
import { execSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingTestTools, testToolsReport } from './test-tools.mjs';

const PNPM = '12.4.2';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};

if (process.argv.includes('--check-tools')) {
  process.stdout.write(testToolsReport(missingTestTools()));
  process.exit(0);
}

if (sh('pnpm --version') !== PNPM) {
  console.error(`setup: installing pnpm@${PNPM}`);
  const r = spawnSync('npm', ['install', '-g', `pnpm@${PNPM}`], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const env = { ...process.env };
if (!env.npm_config_nodedir) {
  const nodedir = sh('npm config get nodedir');
  if (nodedir && nodedir !== 'undefined' && nodedir !== 'null') env.npm_config_nodedir = nodedir;
}
const r = spawnSync('pnpm', ['install', '--frozen-lockfile'], { cwd: root, stdio: 'inherit', env });
if (r.status !== 0) process.exit(r.status ?? 1);

// An install that pnpm ran on its own (its check before `pnpm exec`/`pnpm run` re-installs when
// deps look stale) builds better-sqlite3 without `nodedir` and, offline, leaves it with no binding,
// while the lockfile still reads as installed. Check that the addon loads; rebuild it if not.
const workflow = path.join(root, 'apps', 'workflow');
const loads = () =>
  spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: workflow, stdio: 'ignore' }).status ===
  0;
if (!loads()) {
  console.error('setup: better-sqlite3 has no native binding; rebuilding it');
  const rb = spawnSync('pnpm', ['rebuild', 'better-sqlite3'], { cwd: root, stdio: 'inherit', env });
  if (rb.status !== 0 || !loads()) {
    console.error('setup: better-sqlite3 still does not load (the workflow falls back to in-memory threads)');
    process.exit(1);
  }
}

process.stdout.write(testToolsReport(missingTestTools()));
