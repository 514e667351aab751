// The RFC 8693 token-exchange spec run against the real dev issuer: apps/issuer's compiled
// dist/main.js as its own process (build it first: `pnpm --filter @baton/issuer build`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnService, type SpawnedService } from '@baton/testkit';
import { devIssuerToken, readDevIssuerKey } from '@baton/testkit/oauth';
import { tokenExchangeSpec } from './token-exchange-spec.js';

const ISSUER_DIR = path.resolve(__dirname, '../../../apps/issuer');
const SECRET = 'spec-suite-client-secret-0123456789-abcdefghij';

let issuer: SpawnedService | undefined;
let dataDir: string | undefined;

tokenExchangeSpec({
  name: 'the dev issuer (apps/issuer dist/main.js)',
  withSigningKey: true,
  // The dev issuer answers RFC 6749's invalid_grant for a bad subject token (RFC 8693 §2.2.2 says invalid_request).
  invalidSubjectTokenError: 'invalid_grant',
  setup: async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-spec-'));
    issuer = await spawnService(
      path.join(ISSUER_DIR, 'dist/main.js'),
      { WORKFLOW_CLIENT_SECRET: SECRET, ISSUER_DATA_DIR: dataDir },
      ISSUER_DIR,
    );
    const base = issuer.base;
    return {
      issuerUrl: base,
      tokenEndpoint: `${base}/oauth/token`,
      jwksUri: `${base}/.well-known/jwks.json`,
      client: { id: 'workflow', secret: SECRET },
      subjectToken: await devIssuerToken(base, { user: 'alice' }),
      audience: 'agent-research',
      resource: 'http://127.0.0.1:3001/research',
      expectedScope: 'research:invoke',
      signingKey: readDevIssuerKey(dataDir),
    };
  },
  teardown: async () => {
    if (issuer) expect(await issuer.stop()).toBe(0);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  },
});
