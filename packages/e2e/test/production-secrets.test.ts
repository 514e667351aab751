// The production profile's client-secret check on the real processes (the issuer's and the
// workflow's `dist/main.js` with BATON_PROFILE=production): a secret that only differs from a
// published one, or has too little randomness to have been generated, must stop the process at
// start (exit 1, CONFIG_INVALID naming the variable and what is required, never the value), as the
// published secrets themselves do; a generated one starts. Build first.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@baton/testkit';
import { ROOT } from './stack.js';

/** docker-compose.yml's try-out default, read from the file (a literal here would be one more published secret). */
const PUBLISHED = /\$\{WORKFLOW_CLIENT_SECRET:-([^}\s]+)\}/.exec(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'))![1]!;

interface Outcome {
  code: number | null;
  stderr: string;
  stdout: string;
}

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-production-secrets-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts `app` in production with `secret`; its exit, or (still running once healthy) SIGTERM and its exit. */
async function startWith(app: 'issuer' | 'workflow', secret: string): Promise<Outcome & { healthy: boolean }> {
  const port = await freePort();
  const appDir = path.join(ROOT, 'apps', app);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    BATON_PROFILE: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    WORKFLOW_CLIENT_SECRET: secret,
    ...(app === 'issuer'
      ? { ISSUER_URL: `http://127.0.0.1:${port}`, ISSUER_DATA_DIR: path.join(dataDir, randomBytes(4).toString('hex')) }
      : { ISSUER_URL: 'http://127.0.0.1:9', CHECKPOINTER: 'none' }),
  };
  const child = spawn(process.execPath, [path.join(appDir, 'dist/main.js')], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let healthy = false;
  for (let i = 0; i < 300 && child.exitCode === null && !healthy; i++) {
    try {
      healthy = (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (child.exitCode === null) child.kill('SIGTERM');
  const code = await exited;
  return { code, stderr, stdout, healthy };
}

describe.each(['issuer', 'workflow'] as const)('the %s in production', (app) => {
  it.each([
    ['the compose default plus one character', () => `${PUBLISHED}x`, /contains a development secret published in the Baton repository/],
    ['36 × a', () => 'a'.repeat(36), /is too predictable: it needs at least 64 bits of estimated entropy/],
  ])('refuses %s: exits 1 naming the variable and what is required, never the value', async (_what, secret, message) => {
    const value = secret();
    const out = await startWith(app, value);
    expect(out.code).toBe(1);
    expect(out.healthy).toBe(false);
    expect(out.stderr).toMatch(new RegExp(`WORKFLOW_CLIENT_SECRET: ${message.source}`));
    expect(out.stderr).toMatch(/generate one \(openssl rand -base64 48\)/);
    expect(out.stderr + out.stdout).not.toContain(value);
  });

  it('starts with a generated secret (the control case)', async () => {
    const out = await startWith(app, randomBytes(48).toString('base64'));
    expect([out.healthy, out.stderr]).toEqual([true, '']);
  });
});
