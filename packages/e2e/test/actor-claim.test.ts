// Agents requiring an actor (ALLOWED_ACTORS=workflow), read from the claim ACTOR_CLAIM names, against
// REAL processes: the dev issuer (apps/issuer dist/main.js) and two research agents (dist/main.js),
// one reading `act.sub` (the default, RFC 8693) and one reading `azp` (Keycloak's standard token
// exchange names the requesting client in `azp` and puts no `act`). Genuine tokens come from the
// running issuer (token exchange, client_credentials, /dev/token); shapes it does not issue
// (Keycloak-style `azp` tokens, nested `act`) are signed with the issuer's own key from its data
// dir, so each differs from a genuine token only in the claim under test. Build first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnService, type SpawnedService } from '@baton/testkit';
import { basicAuth, devIssuerToken, formRequest, nowSec, readDevIssuerKey, sendTokenRequest, signJwt } from '@baton/testkit/oauth';
import { ROOT } from './stack.js';

const SECRET = 'actor-claim-suite-secret-0123456789-abcdefghijkl';
const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';

let dataDir: string;
let issuer: SpawnedService;
/** ACTOR_CLAIM=act.sub (default). */
let byAct: SpawnedService;
/** ACTOR_CLAIM=azp. */
let byAzp: SpawnedService;
let key: ReturnType<typeof readDevIssuerKey>;

const app = (name: string) => path.join(ROOT, 'apps', name);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-actor-claim-'));
  issuer = await spawnService(
    path.join(app('issuer'), 'dist/main.js'),
    { WORKFLOW_CLIENT_SECRET: SECRET, ISSUER_DATA_DIR: dataDir },
    app('issuer'),
  );
  key = readDevIssuerKey(dataDir);
  const agentEnv = { ISSUER_URL: issuer.base, ALLOWED_ACTORS: 'workflow' };
  const research = path.join(app('agent-research'), 'dist/main.js');
  [byAct, byAzp] = await Promise.all([
    spawnService(research, agentEnv, app('agent-research')),
    spawnService(research, { ...agentEnv, ACTOR_CLAIM: 'azp' }, app('agent-research')),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([byAct?.stop(), byAzp?.stop(), issuer?.stop()]);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function call(agent: SpawnedService, token: string): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${agent.base}/research/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { topic: 'token exchange', limit: 1 } }),
  });
  const body = (await res.json()) as { error?: { code?: unknown } };
  return { status: res.status, code: body.error?.code };
}

async function tokenFromIssuer(pairs: Array<[string, string]>): Promise<string> {
  const res = await sendTokenRequest(`${issuer.base}/oauth/token`, formRequest(pairs, basicAuth('workflow', SECRET)));
  if (res.status !== 200) throw new Error(`token request -> ${res.status} ${res.text}`);
  return res.json!.access_token as string;
}

/** alice's token exchanged by the workflow at the real issuer: `act.sub` = workflow, no `azp`. */
async function exchanged(): Promise<string> {
  const alice = await devIssuerToken(issuer.base, { user: 'alice' });
  return tokenFromIssuer([
    ['grant_type', TE],
    ['subject_token', alice],
    ['subject_token_type', AT],
    ['audience', 'agent-research'],
  ]);
}

/** A research token for alice signed with the issuer's key, shaped as `extra` says (undefined drops a claim). */
function shaped(extra: Record<string, unknown>): string {
  const now = nowSec();
  const claims = {
    iss: issuer.base,
    sub: 'alice',
    aud: 'agent-research',
    scope: 'research:invoke',
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
    ...extra,
  };
  const defined = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  return signJwt(defined, key.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: key.kid });
}

const OK = { status: 200, code: undefined };
const REFUSED = { status: 403, code: 'AUTH_ACTOR_NOT_ALLOWED' };

describe('ALLOWED_ACTORS=workflow with ACTOR_CLAIM=act.sub (default)', () => {
  it("accepts alice's token exchanged by the workflow at the real issuer (act.sub = workflow)", async () => {
    expect(await call(byAct, await exchanged())).toEqual(OK);
  });

  it("refuses the workflow's own client_credentials token (no user delegation, no act)", async () => {
    const cc = await tokenFromIssuer([
      ['grant_type', 'client_credentials'],
      ['audience', 'agent-research'],
    ]);
    expect(await call(byAct, cc)).toEqual(REFUSED);
  });

  it("refuses a user's own agent token from /dev/token (no act)", async () => {
    expect(await call(byAct, await devIssuerToken(issuer.base, { user: 'alice', audience: 'agent-research' }))).toEqual(REFUSED);
  });

  it('refuses a Keycloak-style token naming the workflow only in azp (act.sub is what this agent reads)', async () => {
    expect(await call(byAct, shaped({ azp: 'workflow' }))).toEqual(REFUSED);
  });

  it('refuses nested act spoofing: another actor on top, the workflow nested below', async () => {
    expect(await call(byAct, shaped({ act: { sub: 'evil', act: { sub: 'workflow' } } }))).toEqual(REFUSED);
  });

  it('refuses a delegation chain: the workflow on top of an earlier actor (nested act)', async () => {
    expect(await call(byAct, shaped({ act: { sub: 'workflow', act: { sub: 'evil' } } }))).toEqual(REFUSED);
  });

  it('accepts the same shape with a single act naming the workflow (the control case)', async () => {
    expect(await call(byAct, shaped({ act: { sub: 'workflow' } }))).toEqual(OK);
  });
});

describe('ALLOWED_ACTORS=workflow with ACTOR_CLAIM=azp (Keycloak standard token exchange)', () => {
  it('accepts a Keycloak-style exchanged token: no act, azp = the workflow', async () => {
    expect(await call(byAzp, shaped({ azp: 'workflow' }))).toEqual(OK);
  });

  it('refuses azp naming another client', async () => {
    expect(await call(byAzp, shaped({ azp: 'baton-cli' }))).toEqual(REFUSED);
  });

  it('refuses a token with no azp at all (the real issuer’s exchanged token, and a user token)', async () => {
    expect(await call(byAzp, await exchanged())).toEqual(REFUSED);
    expect(await call(byAzp, await devIssuerToken(issuer.base, { user: 'alice', audience: 'agent-research' }))).toEqual(REFUSED);
  });

  it('honours act when present: azp = workflow but act names another actor is refused', async () => {
    expect(await call(byAzp, shaped({ azp: 'workflow', act: { sub: 'evil' } }))).toEqual(REFUSED);
  });

  it('accepts act when present and allowed, alongside azp = workflow', async () => {
    expect(await call(byAzp, shaped({ azp: 'workflow', act: { sub: 'workflow' } }))).toEqual(OK);
  });

  it('refuses an azp that is not a string (401 AUTH_CLAIM_INVALID, before any actor check)', async () => {
    expect(await call(byAzp, shaped({ azp: ['workflow'] }))).toEqual({ status: 401, code: 'AUTH_CLAIM_INVALID' });
  });

  it('says which claim it reads at start-up', () => {
    expect(byAzp.output()).toMatch(/"actor_claim":"azp"/);
    expect(byAct.output()).toMatch(/"actor_claim":"act.sub"/);
  });
});
