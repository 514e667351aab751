#!/usr/bin/env node
// pnpm --silent run token <user> [--audience A] [--scope S] [--ttl SECONDS]
// Prints only a development access token (and a newline) from the running issuer's /dev/token.
// ISSUER_URL (default http://127.0.0.1:${ISSUER_PORT:-4000}). Errors go to stderr, exit 1.
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

const base = (process.env.ISSUER_URL || `http://127.0.0.1:${process.env.ISSUER_PORT || 4000}`).replace(/\/+$/, '');
let res;
try {
  res = await fetch(`${base}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
} catch (err) {
  fail(`cannot reach the issuer at ${base} (${err?.cause?.code ?? err?.message}); is it running? (pnpm start)`);
}
let data;
try {
  data = await res.json();
} catch {
  fail(`issuer at ${base} answered ${res.status} with a non-JSON body`);
}
if (!res.ok || typeof data?.access_token !== 'string') {
  const e = data?.error;
  const msg = typeof e === 'object' && e ? `${e.code}: ${e.message}` : JSON.stringify(data);
  fail(`issuer refused (${res.status}) ${msg}${res.status === 404 ? ' (is ISSUER_MODE=production?)' : ''}`);
}
process.stdout.write(`${data.access_token}\n`);
