// `npm run setup` checks for the tools some suites need (kubectl, nginx, chromium at
// /usr/bin/chromium) and prints the exact install command for the missing ones, installing
// nothing. Run as `node scripts/setup.mjs --check-tools` with a PATH the test controls; the
// fixed-path tools (/usr/bin/chromium, /usr/sbin/nginx) are expected as this machine has them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './stack.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory holding fake executables named `tools`: the whole PATH of the check. */
function pathWith(tools: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-tools-'));
  dirs.push(dir);
  for (const t of tools) {
    writeFileSync(path.join(dir, t), '#!/bin/sh\n');
    chmodSync(path.join(dir, t), 0o755);
  }
  return dir;
}

function checkTools(pathEnv: string) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/setup.mjs'), '--check-tools'], {
    cwd: ROOT,
    env: { PATH: pathEnv, HOME: os.homedir() },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

const root = process.getuid?.() === 0;

it('names each missing tool with the suite that needs it and prints the one apt-get command that installs them', () => {
  const { status, out } = checkTools(pathWith([]));
  expect(status).toBe(0);
  const missing = [
    'kubernetes-client',
    ...(existsSync('/usr/sbin/nginx') ? [] : ['nginx-light']),
    ...(existsSync('/usr/bin/chromium') ? [] : ['chromium']),
  ];
  expect(out).toContain(`  ${root ? '' : 'sudo '}apt-get install -y ${missing.join(' ')}\n`);
  expect(out).toMatch(/kubectl +`kubectl kustomize` renders deploy\/k8s \(packages\/e2e\/test\/k8s\.test\.ts\)/);
  expect(out).toContain('will be skipped');
});

it('finds kubectl (or kustomize) and nginx on PATH, and then asks for nothing it does not need', () => {
  const { out } = checkTools(pathWith(['kustomize', 'nginx']));
  expect(out).not.toContain('kubernetes-client');
  expect(out).not.toContain('nginx-light');
  if (existsSync('/usr/bin/chromium')) expect(out).toContain('every tool the test suites need is installed');
  else expect(out).toContain('apt-get install -y chromium\n');
});
