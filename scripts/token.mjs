#!/usr/bin/env node
// pnpm --silent run token <user> [--audience A] [--scope S] [--ttl SECONDS]
// Prints only a development access token (and a newline) from the running issuer's /dev/token.
// Works only against Baton's dev issuer: with ISSUER_URL naming another IdP it says so and exits 1.
// ISSUER_URL (default http://127.0.0.1:${ISSUER_PORT:-<the issuer's port in @baton/contract, 4000>},
// https with MTLS=1): read through @baton/contract's launcherEnvSchema, as `pnpm start` reads them
// (docs/CONFIG.md, "Launcher"). Errors go to stderr, exit 1. An https issuer is trusted through
// the dev CA: BATON_CA_FILE, else ${BATON_CERTS_DIR:-./certs}/ca.pem when it exists (else the
// system's CAs).
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContract, parseLauncherEnv } from './contract.mjs';

const USAGE = 'usage: pnpm --silent run token <user> [--audience A] [--scope S] [--ttl SECONDS]';

function fail(message) {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const body = {};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const eq = a.indexOf('=');
  const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
  const value = () => {
    if (inline !== undefined) return inline;
    const v = args[++i];
    if (v === undefined || v.startsWith('--')) fail(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  if (flag === '-h' || flag === '--help') {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  } else if (flag === '--audience') body.audience = value();
  else if (flag === '--scope') body.scope = value();
  else if (flag === '--ttl') {
    const v = value();
    if (!/^\d+$/.test(v) || Number(v) <= 0) fail('--ttl must be a positive number of seconds');
    body.ttl = Number(v);
  } else if (flag.startsWith('-')) fail(`unknown option ${flag}\n${USAGE}`);
  else if (body.user === undefined) body.user = flag;
  else fail(`unexpected argument\n${USAGE}`);
}
if (!body.user) fail(`a user is required (alice, bob, eve)\n${USAGE}`);

// The variables `pnpm start` reads too, through the same schema (@baton/contract's launcherEnvSchema):
// MTLS=yes or ISSUER_PORT=4001 mean the same here as there, and a wrong one exits 1 naming it.
const { launcherEnvSchema } = await loadContract();
const launch = parseLauncherEnv(
  launcherEnvSchema.pick({ ISSUER_PORT: true, ISSUER_URL: true, MTLS: true, BATON_CERTS_DIR: true, BATON_CA_FILE: true }),
  'token',
);
const base = (launch.ISSUER_URL ?? `${launch.MTLS ? 'https' : 'http'}://127.0.0.1:${launch.ISSUER_PORT}`).replace(/(?<!\/)\/+$/, '');

/** The dev CA to trust for an https issuer, if there is one. */
function devCa() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const file = launch.BATON_CA_FILE ?? path.join(path.resolve(launch.BATON_CERTS_DIR ?? path.join(root, 'certs')), 'ca.pem');
  if (launch.BATON_CA_FILE && !existsSync(file)) fail(`BATON_CA_FILE ${file} does not exist`);
  return existsSync(file) ? readFileSync(file) : undefined;
}

/** POST JSON over https with the dev CA (fetch cannot be given a CA without undici). */
function postHttps(target, json) {
  const ca = devCa();
  return new Promise((resolve, reject) => {
    const req = https.request(
      target,
      { method: 'POST', headers: { 'content-type': 'application/json' }, ...(ca ? { ca } : {}), timeout: 10_000 },
      (r) => {
        let text = '';
        r.on('data', (d) => (text += d));
        r.on('end', () =>
          resolve({ status: r.statusCode, ok: r.statusCode >= 200 && r.statusCode < 300, json: async () => JSON.parse(text) }),
        );
        r.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(JSON.stringify(json));
  });
}

let res;
try {
  res = base.startsWith('https:')
    ? await postHttps(`${base}/dev/token`, body)
    : await fetch(`${base}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
} catch (err) {
  fail(`cannot reach the issuer at ${base} (${err?.cause?.code ?? err?.code ?? err?.message}); is it running? (pnpm start)`);
}
const NOT_DEV = `pnpm run token works only against Baton's dev issuer (apps/issuer in development mode); ${base} is not one — get an access token from your identity provider instead (docs/IDENTITY-PROVIDERS.md)`;
let data;
try {
  data = await res.json();
} catch {
  fail(`issuer at ${base} answered ${res.status} with a non-JSON body: ${NOT_DEV}`);
}
// The dev issuer answers /dev/token with a token or a Baton error ({error: {code, message}}); anything else is another server.
const batonError = typeof data?.error === 'object' && data.error !== null && typeof data.error.code === 'string';
if (!(res.ok && typeof data?.access_token === 'string') && (res.status === 404 || !batonError)) {
  fail(`${NOT_DEV} (it answered ${res.status} at /dev/token; a dev issuer with BATON_PROFILE=production has no /dev/token either)`);
}
if (!res.ok || typeof data?.access_token !== 'string') {
  const e = data?.error;
  const msg = typeof e === 'object' && e ? `${e.code}: ${e.message}` : JSON.stringify(data);
  fail(`issuer refused (${res.status}) ${msg}${res.status === 404 ? ' (is the issuer running BATON_PROFILE=production?)' : ''}`);
}
process.stdout.write(`${data.access_token}\n`);
