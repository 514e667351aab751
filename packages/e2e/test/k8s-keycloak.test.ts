// The production overlay's Keycloak sample, as written, on the real processes. No cluster and no
// Keycloak run here, so: render deploy/k8s/overlays/production with a real kustomize, take the
// environment each pod would get (ConfigMap and Secret keys resolved; the Secret's values as the
// operator makes them), parse it with the services' own environment schemas, then start the three
// agents and the workflow (`dist/main.js`, build first) with exactly that environment, moving only
// addresses: the hosts to 127.0.0.1 (PORT, JWKS_URI, TOKEN_ENDPOINT, the agents' URLs), the data dir
// to a temporary one, and no Postgres or Redis (their hosts do not resolve here). ISSUER_URL stays the
// realm's URL: tokens carry it as `iss`.
// A stand-in for the realm serves its keys and its token endpoint on 127.0.0.1, with Keycloak 26's
// shapes (docs/IDENTITY-PROVIDERS.md): header `typ: JWT`, `scope` as a space-separated string, `aud`
// an array for users' tokens, a `typ: Bearer` claim, `azp` = the client, and for standard token
// exchange (V2) no `act`: the requesting client is in `azp`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createVerify, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { envSchemaOf, TOPOLOGY } from '@baton/contract';
import { collectLines, freePorts } from '@baton/testkit';
import { signJwt } from '@baton/testkit/oauth';
import { containersOf, deploymentOf, kustomizeCommand, named, render, resolveEnv, type K8sObject } from './k8s-checks.js';
import { ROOT } from './stack.js';

const K8S = path.join(ROOT, 'deploy/k8s');
/** What the operator puts in `baton-secrets` (overlays/production/README.md); their hosts do not resolve here. */
const OPERATOR_SECRETS = {
  WORKFLOW_CLIENT_SECRET: randomBytes(36).toString('base64url'),
  DATABASE_URL: 'postgres://baton:secret@postgres.internal:5432/baton?sslmode=verify-full',
  REDIS_URL: 'rediss://:secret@redis.internal:6380',
};
const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** alice's `sub` at the realm (Keycloak user ids are UUIDs). */
const ALICE = 'f3b8e7a0-4c1d-4a55-9a57-6d3c1e2b9f10';
/** The realm's token-exchange client, as docs/keycloak/baton-realm.json defines it (the overlay must name the same). */
const REALM_EXCHANGE_CLIENT = (
  JSON.parse(readFileSync(path.join(ROOT, 'docs/keycloak/baton-realm.json'), 'utf8')) as {
    clients: Array<{ clientId: string; attributes?: Record<string, string> }>;
  }
).clients.find((c) => c.attributes?.['standard.token.exchange.enabled'] === 'true')!.clientId;
const AT = 'urn:ietf:params:oauth:token-type:access_token';

const renderer = kustomizeCommand();
if (!renderer) {
  if (process.env.CI === 'true') throw new Error('kustomize is required under CI (.ci/run installs kubernetes-client)');
  console.warn('SKIP the Keycloak sample test: neither kustomize nor kubectl is installed (Debian: apt-get install kubernetes-client)');
}
const describeK8s = renderer ? describe : describe.skip;

interface Realm {
  base: string;
  /** Every token request the stand-in answered: its form and client. */
  requests: Array<{ form: URLSearchParams; client: string | undefined }>;
  /** A Keycloak-shaped token signed with the realm's key. */
  sign(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

/** The claims of an RS256 JWT signed by `key` and issued by `issuer`, unexpired; undefined otherwise. */
function verified(token: string, key: KeyObject, issuer: string): Record<string, unknown> | undefined {
  const [h, p, sig] = token.split('.');
  if (!h || !p || !sig || !createVerify('RSA-SHA256').update(`${h}.${p}`).verify(key, Buffer.from(sig, 'base64url'))) return undefined;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return claims.iss === issuer && typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 ? claims : undefined;
}

/**
 * The realm's keys (`/certs`) and token endpoint (`/token`, standard token exchange V2: the client
 * by Basic credentials, `audience` = an agent's client id, the subject token verified with the
 * realm's key). It answers as Keycloak does: a new token for the audience, `azp` = the client.
 */
async function startRealm(issuer: string, clientId: string, clientSecret: string, agentClients: readonly string[]): Promise<Realm> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const sign = (claims: Record<string, unknown>) => signJwt(claims, privateKey, { alg: 'RS256', typ: 'JWT', kid });
  const requests: Realm['requests'] = [];
  const error = (res: http.ServerResponse, status: number, code: string) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: code }));
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/realms/baton/protocol/openid-connect/certs') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/realms/baton/protocol/openid-connect/token') return void res.writeHead(404).end();
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':')
        .map(decodeURIComponent);
      requests.push({ form, client: id });
      if (id !== clientId || secret !== clientSecret) return error(res, 401, 'invalid_client');
      if (form.get('grant_type') !== TE || form.get('subject_token_type') !== AT) return error(res, 400, 'invalid_request');
      const audience = form.get('audience') ?? '';
      if (!agentClients.includes(audience)) return error(res, 400, 'invalid_target');
      const subject = verified(form.get('subject_token') ?? '', publicKey, issuer);
      if (!subject) return error(res, 400, 'invalid_token');
      const now = Math.floor(Date.now() / 1000);
      const scope = form.get('scope') ?? '';
      const token = sign({
        exp: Math.min(now + 300, subject.exp as number),
        iat: now,
        jti: randomUUID(),
        iss: issuer,
        aud: audience,
        sub: subject.sub,
        typ: 'Bearer',
        azp: clientId,
        sid: subject.sid,
        scope,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: token,
          expires_in: 300,
          refresh_expires_in: 0,
          token_type: 'Bearer',
          'not-before-policy': 0,
          scope,
          issued_token_type: AT,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    sign,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Proc {
  name: string;
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `dist/main.js` of `app` with exactly `env` (plus PATH). */
function start(app: string, env: Record<string, string>): Proc {
  const appDir = path.join(ROOT, 'apps', app);
  const child = spawn(process.execPath, [path.join(appDir, 'dist/main.js')], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = collectLines(child.stdout!);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: app, child, lines, stderr: () => err, exited };
}

/** Until `/readyz` answers 200: the service holds the realm's keys. */
async function ready(proc: Proc, base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode}:\n${proc.stderr()}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} never became ready:\n${proc.lines.slice(-5).join('\n')}`);
}

const auditOf = (procs: Proc[]) =>
  procs.flatMap((p) =>
    p.lines.flatMap((l) => {
      try {
        const v = JSON.parse(l) as Record<string, unknown>;
        return v.audit === true ? [v] : [];
      } catch {
        return [];
      }
    }),
  );

describeK8s('the production overlay as written against a Keycloak realm (docs/keycloak/baton-realm.json)', () => {
  const objects: K8sObject[] = renderer ? render(path.join(K8S, 'overlays/production')) : [];
  const runnable = [TOPOLOGY.workflow, ...TOPOLOGY.agents];
  /** The environment each pod of the overlay gets. */
  const rendered = Object.fromEntries(
    runnable.map((s) => {
      const c = containersOf(deploymentOf(objects, s.name)!).find((x) => x.name === s.name)!;
      return [s.name, resolveEnv(objects, c, OPERATOR_SECRETS) as Record<string, string>];
    }),
  );
  const identity = (renderer ? named(objects, 'ConfigMap', 'baton-identity')!.data : {}) as Record<string, string>;
  const realmUrl = identity.ISSUER_URL!;
  const clientId = REALM_EXCHANGE_CLIENT;

  let realm: Realm;
  let dataDir: string;
  const procs: Proc[] = [];
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    realm = await startRealm(
      realmUrl,
      clientId,
      OPERATOR_SECRETS.WORKFLOW_CLIENT_SECRET,
      TOPOLOGY.agents.map((a) => a.audience),
    );
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-k8s-keycloak-'));
    const ports = await freePorts(runnable.length);
    runnable.forEach((s, i) => (urls[s.name] = `http://127.0.0.1:${ports[i]}`));
    const local = (s: (typeof runnable)[number]) => ({
      HOST: '127.0.0.1',
      PORT: new URL(urls[s.name]!).port,
      JWKS_URI: `${realm.base}/realms/baton/protocol/openid-connect/certs`,
    });
    const agents = TOPOLOGY.agents.map((a) => start(a.name, { ...rendered[a.name]!, ...local(a) }));
    procs.push(...agents);
    await Promise.all(agents.map((p) => ready(p, urls[p.name]!)));
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...workflowEnv } = rendered[TOPOLOGY.workflow.name]!;
    const workflow = start(TOPOLOGY.workflow.name, {
      ...workflowEnv,
      ...local(TOPOLOGY.workflow),
      TOKEN_ENDPOINT: `${realm.base}/realms/baton/protocol/openid-connect/token`,
      WORKFLOW_DATA_DIR: dataDir,
      ...Object.fromEntries(TOPOLOGY.agents.map((a) => [`${a.envPrefix}_URL`, `${urls[a.name]}${a.path}`])),
    });
    procs.push(workflow);
    await ready(workflow, urls[TOPOLOGY.workflow.name]!);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(
      procs.map((p) => {
        if (p.child.exitCode === null) p.child.kill('SIGTERM');
        return p.exited;
      }),
    );
    await realm?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** alice's access token from the realm's login client `baton-cli` (scope workflow:invoke → aud baton-workflow). */
  const aliceToken = () => {
    const now = Math.floor(Date.now() / 1000);
    return realm.sign({
      exp: now + 300,
      iat: now,
      auth_time: now,
      jti: randomUUID(),
      iss: realmUrl,
      aud: [TOPOLOGY.workflow.audience, 'account'],
      sub: ALICE,
      typ: 'Bearer',
      azp: 'baton-cli',
      sid: randomUUID(),
      scope: `openid profile email ${TOPOLOGY.workflow.scope}`,
      preferred_username: 'alice',
      realm_access: { roles: ['default-roles-baton', 'offline_access'] },
    });
  };

  it.each(runnable.map((s) => [s.name] as const))(
    '%s: its rendered environment passes its own schema and says Keycloak: typ JWT, azp as the actor',
    (name) => {
      const parsed = envSchemaOf(name)!.parse(rendered[name]) as Record<string, unknown>;
      expect(parsed).toMatchObject({ BATON_PROFILE: 'production', TOKEN_PROFILE: 'keycloak', ISSUER_URL: realmUrl });
      if (name === TOPOLOGY.workflow.name)
        expect(parsed).toMatchObject({ WORKFLOW_CLIENT_ID: REALM_EXCHANGE_CLIENT, TOKEN_FORWARDING: 'exchange' });
      else expect(parsed).toMatchObject({ AUTH_MODE: 'exchange', ACTOR_CLAIM: 'azp', ALLOWED_ACTORS: [REALM_EXCHANGE_CLIENT] });
    },
  );

  it("runs alice's Keycloak token through the workflow and all three agents: exchanged by baton-workflow, azp accepted as the actor", async () => {
    const res = await fetch(`${urls[TOPOLOGY.workflow.name]}${TOPOLOGY.workflow.path}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'token exchange' } }),
    });
    const text = await res.text();
    expect([res.status, text.slice(0, 300)]).toEqual([200, expect.any(String)]);
    expect((JSON.parse(text) as { output: { report: string } }).output.report.length).toBeGreaterThan(0);
    // the workflow exchanged at the realm as baton-workflow, audience = each agent's client id
    const exchanges = realm.requests.filter((r) => r.form.get('grant_type') === TE);
    expect(new Set(exchanges.map((r) => r.client))).toEqual(new Set([clientId]));
    expect(new Set(exchanges.map((r) => r.form.get('audience')))).toEqual(new Set(TOPOLOGY.agents.map((a) => a.audience)));
    // each agent allowed alice's exchanged token, its actor read from azp
    const agentProcs = procs.filter((p) => p.name !== TOPOLOGY.workflow.name);
    const allowed = auditOf(agentProcs).filter((a) => a.decision === 'allow');
    for (const agent of TOPOLOGY.agents)
      expect(
        allowed.filter((a) => a.service === agent.name && a.sub === ALICE && a.client_id === REALM_EXCHANGE_CLIENT && a.act === null)
          .length,
      ).toBeGreaterThan(0);
  });

  it('refuses at an agent a token the realm issued to another client (azp baton-cli), and at the workflow a Keycloak ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const research = TOPOLOGY.agents[0]!;
    const notByWorkflow = realm.sign({
      exp: now + 300,
      iat: now,
      jti: randomUUID(),
      iss: realmUrl,
      aud: research.audience,
      sub: ALICE,
      typ: 'Bearer',
      azp: 'baton-cli',
      scope: research.scope,
    });
    const agentRes = await fetch(`${urls[research.name]}${research.path}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${notByWorkflow}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'token exchange' } }),
    });
    expect([agentRes.status, ((await agentRes.json()) as { error: { code: string } }).error.code]).toEqual([403, 'AUTH_ACTOR_NOT_ALLOWED']);
    const idToken = realm.sign({
      exp: now + 300,
      iat: now,
      jti: randomUUID(),
      iss: realmUrl,
      aud: TOPOLOGY.workflow.audience,
      sub: ALICE,
      typ: 'ID',
      azp: 'baton-cli',
      nonce: 'n-0S6_WzA2Mj',
      scope: TOPOLOGY.workflow.scope,
    });
    const wfRes = await fetch(`${urls[TOPOLOGY.workflow.name]}${TOPOLOGY.workflow.path}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'token exchange' } }),
    });
    expect([wfRes.status, ((await wfRes.json()) as { error: { code: string } }).error.code]).toEqual([401, 'AUTH_TYP_INVALID']);
  });
});
