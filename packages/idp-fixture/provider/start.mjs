#!/usr/bin/env node
// A local OpenID provider for trying Baton against a third-party IdP in exchange mode:
// panva's oidc-provider 9 (../fixture/server.mjs) with the RFC 8693 token-exchange grant
// (../fixture/token-exchange-grant.mjs) for the workflow's client, JWT access tokens with resource
// indicators, and users logged in through the authorization code flow by `login_hint` (no
// password: local runs only). Prints the exact `pnpm start` command for Baton and the command
// that gets a user's token (user-token.mjs). Ctrl-C stops it.
//
//   node packages/idp-fixture/provider/start.mjs
//
// PROVIDER_PORT (default 4400); PROVIDER_WORKFLOW_CLIENT_SECRET (default: made now, printed).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLI_CLIENT, DEFAULT_PORT, GRANT_TOKEN_EXCHANGE, RESOURCES, WORKFLOW_CLIENT_ID } from './local-provider.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PROVIDER_PORT || DEFAULT_PORT);
const issuer = `http://127.0.0.1:${port}`;
const secret = process.env.PROVIDER_WORKFLOW_CLIENT_SECRET || randomBytes(32).toString('base64url');
const agents = [RESOURCES.research, RESOURCES.writer, RESOURCES.reviewer];

const config = {
  issuer,
  port,
  resources: Object.fromEntries(Object.values(RESOURCES).map((r) => [r.uri, { audience: r.audience, scope: r.scope }])),
  clients: [
    { client_id: WORKFLOW_CLIENT_ID, client_secret: secret, shape: 'rfc9068' },
    { client_id: CLI_CLIENT.id, client_secret: CLI_CLIENT.secret, shape: 'rfc9068', extraGrants: false },
  ],
  extensions: [path.join(here, '../fixture/token-exchange-grant.mjs')],
  extraGrantTypes: [GRANT_TOKEN_EXCHANGE],
  tokenExchange: { subjectAudience: RESOURCES.workflow.audience, clients: { [WORKFLOW_CLIENT_ID]: agents.map((a) => a.uri) } },
};

const server = spawn(process.execPath, [path.join(here, '../fixture/server.mjs')], {
  env: { ...process.env, FIXTURE_CONFIG: JSON.stringify(config) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = () => server.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => process.exit(code ?? 0));

const baton = [
  `ISSUER_URL=${issuer}`,
  'TOKEN_FORWARDING=exchange',
  `WORKFLOW_CLIENT_ID=${WORKFLOW_CLIENT_ID}`,
  `WORKFLOW_CLIENT_SECRET=${secret}`,
  'EXCHANGE_TARGET=resource',
  `RESEARCH_RESOURCE=${RESOURCES.research.uri}`,
  `WRITER_RESOURCE=${RESOURCES.writer.uri}`,
  `REVIEWER_RESOURCE=${RESOURCES.reviewer.uri}`,
  `ALLOWED_ACTORS=${WORKFLOW_CLIENT_ID}`,
];

let announced = false;
createInterface({ input: server.stdout }).on('line', (line) => {
  // the grant's one JSON line per exchange (client, sub, target, aud, scope; never a token) passes through
  process.stdout.write(`${line}\n`);
  if (announced || !line.includes('"listening"')) return;
  announced = true;
  process.stdout.write(
    [
      '',
      `oidc-provider 9 is up: issuer ${issuer}, RFC 8693 token exchange for ${WORKFLOW_CLIENT_ID} (to the three agents only).`,
      'Local runs only: a user is logged in as the login_hint, without a password.',
      'Start Baton against it (another terminal, at the repository root):',
      `  ${baton.join(' ')} pnpm start`,
      "Then get alice's access token (authorization code flow) and run the workflow:",
      `  TOKEN=$(node packages/idp-fixture/provider/user-token.mjs alice --issuer ${issuer})`,
      `  curl -s -X POST http://127.0.0.1:3000/workflow/invoke -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"input":{"topic":"token exchange"}}'`,
      'Ctrl-C stops the provider.',
      '',
    ].join('\n'),
  );
});
