#!/usr/bin/env node
// One-time (and idempotent) setup for a fresh machine that has Node 20 and npm only:
// installs pnpm 12.4.2 if it is missing, then the workspace with the frozen lockfile.
// better-sqlite3 (the workflow's SQLite checkpointer) is a native addon: pnpm does not pass
// npm's `nodedir` setting to node-gyp, so we hand it over, letting the build use the local Node
// headers instead of downloading them (machines without internet access).
import { execSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM = '12.4.2';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};

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
process.exit(r.status ?? 1);
