#!/usr/bin/env node
// Prints a user's access token for Baton's workflow from the local oidc-provider (start.mjs),
// through its authorization code flow: the authorization request (scope `openid workflow:invoke`,
// resource = the workflow's, login_hint = the user, state, nonce), the provider's login and
// consent (which log the login_hint in: local runs only), then the code at the token endpoint
// with the `baton-cli` client. Only the token (and a newline) goes to stdout; errors to stderr, exit 1.
//
//   node packages/idp-fixture/provider/user-token.mjs <user> [--issuer http://127.0.0.1:4400]
import { randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { CLI_CLIENT, DEFAULT_PORT, REDIRECT_URI, RESOURCES } from './local-provider.mjs';

function fail(message) {
  process.stderr.write(`user-token: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const at = args.indexOf('--issuer');
const issuer = (at >= 0 ? args[at + 1] : undefined) ?? `http://127.0.0.1:${DEFAULT_PORT}`;
const user = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--issuer');
if (!user) fail('usage: user-token.mjs <user> [--issuer URL]');

/** Follows the provider's redirects (carrying its cookies) from the authorization request to the code. */
async function authorizationCode() {
  const params = new URLSearchParams({
    client_id: CLI_CLIENT.id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: `openid ${RESOURCES.workflow.scope}`,
    resource: RESOURCES.workflow.uri,
    login_hint: user,
    nonce: randomBytes(8).toString('hex'),
    state: randomBytes(8).toString('hex'),
  });
  const cookies = new Map();
  let url = `${issuer.replace(/\/$/, '')}/auth?${params}`;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const location = res.headers.get('location');
    if (!location) fail(`the authorization flow stopped at HTTP ${res.status}`);
    const next = new URL(location, url);
    if (next.origin + next.pathname === REDIRECT_URI) {
      const code = next.searchParams.get('code');
      if (!code) fail(`authorization refused: ${next.searchParams.get('error') ?? 'no code'}`);
      return code;
    }
    url = next.href;
  }
  return fail('too many redirects');
}

try {
  const code = await authorizationCode();
  const res = await fetch(`${issuer.replace(/\/$/, '')}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLI_CLIENT.id}:${CLI_CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, resource: RESOURCES.workflow.uri }),
  });
  const body = await res.json();
  if (!res.ok || typeof body.access_token !== 'string') fail(`token endpoint: HTTP ${res.status} ${body.error ?? ''}`);
  process.stdout.write(`${body.access_token}\n`);
} catch (err) {
  fail(
    `cannot reach the provider at ${issuer} (${err?.cause?.code ?? err?.message}); is it running? (node packages/idp-fixture/provider/start.mjs)`,
  );
}
