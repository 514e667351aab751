#!/usr/bin/env node
// Cost of verifying one access token with @baton/auth, measured in one run: a full RS256 verify
// (cache off) against a verified-token cache hit, with the key parsed once into a KeyObject.
//
//   pnpm build && node bench/verify.mjs [--n 20000]
import { generateKeyPairSync, createSign, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createVerifier } = await import(path.join(root, 'packages/auth/dist/index.js'));
const i = process.argv.indexOf('--n');
const N = i > 0 ? Number(process.argv[i + 1]) : 20000;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const header = b64({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' });
const payload = b64({
  iss: 'https://issuer.bench',
  aud: 'bench',
  sub: 'alice',
  scope: 'workflow:invoke',
  iat: now,
  exp: now + 3600,
  jti: randomUUID(),
});
const sig = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
const token = `${header}.${payload}.${sig}`;
const keys = { getKey: async () => publicKey, stats: () => ({ fetches: 0 }) };

async function run(name, verifier) {
  await verifier.verify(token); // warm-up (and the one real verify that fills the cache)
  const t0 = performance.now();
  for (let k = 0; k < N; k++) await verifier.verify(token);
  const us = ((performance.now() - t0) * 1000) / N;
  return { name, us };
}
const full = await run(
  'full RS256 verify (cache off)',
  createVerifier({ issuer: 'https://issuer.bench', audience: 'bench', keys, cache: false }),
);
const hit = await run('verified-token cache hit', createVerifier({ issuer: 'https://issuer.bench', audience: 'bench', keys }));
console.log(`${N} verifications of one token`);
for (const r of [full, hit])
  console.log(`${r.name.padEnd(32)} ${r.us.toFixed(2).padStart(8)} µs/verify  x${(full.us / r.us).toFixed(1)} vs full`);
