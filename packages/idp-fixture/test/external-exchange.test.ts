// Exchange mode end to end against a real third-party IdP: oidc-provider 9 (its own process) with
// the RFC 8693 grant registered through `provider.registerGrantType` (fixture/token-exchange-grant.mjs).
// `pnpm start` (scripts/start.mjs) with ISSUER_URL naming it (no dev issuer), TOKEN_FORWARDING=exchange,
// the workflow authenticating as a fixture client that holds the grant, and agents requiring that
// client as the actor (ALLOWED_ACTORS). Three runs: EXCHANGE_TARGET=resource (the fixture's RFC 8707
// resource indicators) with client_secret_basic, audience with client_secret_post, both with
// private_key_jwt (no secret at all). alice's token comes from the IdP's authorization code flow.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@baton/testkit';
import { basicAuth } from '@baton/testkit/oauth';
import { GRANT_TOKEN_EXCHANGE, RESOURCES, SECRET, startFixture, type Fixture } from './fixture.js';
import { ROOT, run, until, type Proc } from './proc.js';

const { workflow: WF, research: R, writer: W, reviewer: V } = RESOURCES;
const AGENT_URIS = [R.uri, W.uri, V.uri];
/** Another client that may exchange for the research agent, but is not the agents' allowed actor. */
const OTHER_CLIENT = 'some-other-service';
const AGENTS = ['agent-research', 'agent-writer', 'agent-reviewer'];
/** private_key_jwt: the workflow's key; the IdP holds its public half under this kid. */
const { privateKey: clientKey, publicKey: clientPublicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CLIENT_KID = 'workflow-key-1';

interface Variant {
  target: 'resource' | 'audience' | 'both';
  auth: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** The workflow's client at the IdP (not named like a Baton audience: see the ID-token defence). */
  client: string;
  /** What the grant records as the request's target parameters. */
  by: string;
}
const VARIANTS: Variant[] = [
  { target: 'resource', auth: 'client_secret_basic', client: 'baton-workflow-client', by: 'resource' },
  { target: 'audience', auth: 'client_secret_post', client: 'baton-workflow-post', by: 'audience' },
  { target: 'both', auth: 'private_key_jwt', client: 'baton-workflow-pkjwt', by: 'audience+resource' },
];
let idp: Fixture;

beforeAll(async () => {
  idp = await startFixture({
    extraClients: [...VARIANTS.map((v) => v.client), OTHER_CLIENT],
    clientAuth: {
      'baton-workflow-post': { method: 'client_secret_post' },
      'baton-workflow-pkjwt': {
        method: 'private_key_jwt',
        jwks: { keys: [{ ...clientPublicKey.export({ format: 'jwk' }), kid: CLIENT_KID, use: 'sig', alg: 'RS256' }] },
      },
    },
    tokenExchange: { clients: { ...Object.fromEntries(VARIANTS.map((v) => [v.client, AGENT_URIS])), [OTHER_CLIENT]: [R.uri] } },
  });
}, 60_000);
afterAll(() => idp?.stop());

/** The client's credentials as the workflow reads them: a secret, or (private_key_jwt) only its key. */
function clientEnv(v: Variant): Record<string, string> {
  if (v.auth !== 'private_key_jwt') return { WORKFLOW_CLIENT_SECRET: SECRET, EXCHANGE_CLIENT_AUTH: v.auth };
  const pem = clientKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { EXCHANGE_CLIENT_AUTH: v.auth, EXCHANGE_CLIENT_KEY: pem, EXCHANGE_CLIENT_KEY_ID: CLIENT_KID };
}

async function startStack(v: Variant): Promise<{ stack: Proc; ports: Record<string, number> }> {
  const ports: Record<string, number> = {};
  for (const k of ['WORKFLOW', 'RESEARCH', 'WRITER', 'REVIEWER', 'ISSUER']) ports[k] = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-idp-x-'));
  const stack = run([path.join(ROOT, 'scripts/start.mjs')], {
    ISSUER_URL: idp.issuer,
    TOKEN_FORWARDING: 'exchange',
    WORKFLOW_CLIENT_ID: v.client,
    ...clientEnv(v),
    EXCHANGE_TARGET: v.target,
    RESEARCH_RESOURCE: R.uri,
    WRITER_RESOURCE: W.uri,
    REVIEWER_RESOURCE: V.uri,
    ALLOWED_ACTORS: v.client,
    BATON_DATA_DIR: dataDir,
    WRITER_CHUNK_DELAY_MS: '1',
    ...Object.fromEntries(Object.entries(ports).map(([k, p]) => [`${k}_PORT`, String(p)])),
  });
  await until('stack healthy', () => (stack.lines.some((l) => l.includes('"all services healthy"')) ? true : undefined), stack);
  rmSync(dataDir, { recursive: true, force: true });
  return { stack, ports };
}

const invoke = (port: number, token: string) =>
  fetch(`http://127.0.0.1:${port}/workflow/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { topic: 'identity providers' } }),
  });

describe.each(VARIANTS.map((v) => [v.target, v.auth, v] as const))(
  'pnpm start in exchange mode against oidc-provider, EXCHANGE_TARGET=%s, %s',
  (_target, _auth, v) => {
    let stack: Proc;
    let ports: Record<string, number>;
    beforeAll(async () => {
      ({ stack, ports } = await startStack(v));
    }, 120_000);
    afterAll(() => stack?.stop());

    it('starts no dev issuer and finds the token endpoint by discovery', () => {
      const healthy = stack.logs().find((l) => l.msg === 'all services healthy')!;
      expect(healthy.services).toEqual([...AGENTS, 'workflow']);
      expect(stack.logs().some((l) => l.service === 'issuer')).toBe(false);
      const discovered = stack.logs().find((l) => l.msg === 'issuer discovered' && l.service === 'workflow');
      expect(discovered).toMatchObject({ issuer: idp.issuer, token_endpoint: idp.tokenEndpoint });
    });

    it("runs alice's workflow: every agent audits sub=alice act=<the workflow's client>", async () => {
      const { access_token } = await idp.userTokens('rfc9068', 'alice', WF.uri, WF.scope);
      const res = await invoke(ports.WORKFLOW!, access_token);
      expect(res.status).toBe(200);
      const allowed = stack.logs().filter((l) => l.audit === true && l.decision === 'allow' && l.sub === 'alice');
      expect(new Set(allowed.map((a) => a.service))).toEqual(new Set(['workflow', ...AGENTS]));
      for (const agent of AGENTS) {
        const line = allowed.find((a) => a.service === agent)!;
        expect(line.act).toEqual({ sub: v.client });
      }
      expect(stack.lines.join('\n')).not.toContain(access_token);
      // the IdP answered one exchange per agent, asked by the workflow's client with EXCHANGE_TARGET's parameter
      const exchanges = idp.exchanges().filter((e) => e.sub === 'alice' && e.client_id === v.client && e.by === v.by);
      expect(new Set(exchanges.map((e) => e.aud))).toEqual(new Set([R.audience, W.audience, V.audience]));
      expect(exchanges.find((e) => e.aud === R.audience)?.scope).toBe(R.scope);
    });

    it('agents refuse an exchanged token whose actor is another client, and a token with no actor', async () => {
      const { access_token } = await idp.userTokens('rfc9068', 'bob', WF.uri, WF.scope);
      const res = await fetch(idp.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basicAuth(OTHER_CLIENT, SECRET), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: GRANT_TOKEN_EXCHANGE,
          subject_token: access_token,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          resource: R.uri,
        }),
      });
      expect(res.status).toBe(200);
      const foreignActor = ((await res.json()) as { access_token: string }).access_token;
      const noActor = await idp.clientCredentials('rfc9068', R.uri, R.scope);
      for (const token of [foreignActor, noActor]) {
        const agentRes = await fetch(`http://127.0.0.1:${ports.RESEARCH}/research/invoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: { topic: 'x' } }),
        });
        expect(agentRes.status).toBe(403);
        expect(((await agentRes.json()) as { error: { code: string } }).error.code).toBe('AUTH_ACTOR_NOT_ALLOWED');
      }
    });
  },
);

describe('pnpm start in exchange mode against an external issuer without client credentials', () => {
  it('refuses to start without WORKFLOW_CLIENT_SECRET unless the client authenticates with private_key_jwt', async () => {
    const stack = run([path.join(ROOT, 'scripts/start.mjs')], {
      ISSUER_URL: idp.issuer,
      TOKEN_FORWARDING: 'exchange',
      WORKFLOW_CLIENT_SECRET: '',
      EXCHANGE_CLIENT_AUTH: 'client_secret_basic',
    });
    await until('launcher exit', () => (stack.child.exitCode !== null ? true : undefined));
    expect(stack.child.exitCode).toBe(1);
    expect(stack.lines.join('\n')).toMatch(/set WORKFLOW_CLIENT_SECRET .* or EXCHANGE_CLIENT_AUTH=private_key_jwt/);
    await stack.stop();
  });
});
