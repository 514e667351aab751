// Run by scripts/check-packages.mjs inside the fresh npm project outside the repository (copied
// there): starts the installed `baton-issuer` bin on a free loopback port, asks it for a dev user
// token and verifies that token with the installed `@baton/auth` (discovery, JWKS, signature,
// iss, aud, exp, scope), then stops it. Prints one line, exit 1 on any failure.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createIssuerKeyStore, createVerifier } from '@baton/auth';

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

async function waitFor(url, child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`baton-issuer exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`baton-issuer did not answer ${url} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const port = await freePort();
const issuer = `http://127.0.0.1:${port}`;
const bin = path.join(process.cwd(), 'node_modules', '.bin', 'baton-issuer');
const env = {
  PATH: process.env.PATH,
  PORT: String(port),
  HOST: '127.0.0.1',
  BATON_PROFILE: 'development',
  ISSUER_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-')),
  LOG_LEVEL: 'error',
};
const child = spawn(bin, [], { env, stdio: ['ignore', 'inherit', 'inherit'] });
try {
  await waitFor(`${issuer}/.well-known/openid-configuration`, child, 30_000);
  const res = await fetch(`${issuer}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'alice' }),
  });
  const body = await res.json();
  if (!res.ok || typeof body.access_token !== 'string') throw new Error(`/dev/token answered ${res.status}`);
  const verifier = createVerifier({ issuer, audience: 'baton-workflow', keys: createIssuerKeyStore({ issuer }) });
  const principal = await verifier.verify(body.access_token);
  if (principal.sub !== 'alice') throw new Error(`verified sub is ${principal.sub}, want alice`);
  console.log(`baton-issuer on ${issuer}: a dev token for alice verified by the installed @baton/auth`);
} catch (err) {
  console.error(`issuer smoke: ${err?.stack ?? err}`);
  process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
