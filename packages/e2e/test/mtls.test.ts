// Mutual TLS with the real five processes (`MTLS=1 pnpm start`): dev certificates made by the
// launcher, HTTPS everywhere, agents refusing in the handshake every client without a certificate
// from the dev CA, and dropping right after the handshake any peer but the workflow (and
// themselves, for health checks). A second stack, started with ALLOWED_PEERS naming the writer
// too, shows the token binding (act.sub = the peer) refusing what the connection let through.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startStack, type Stack } from './stack.js';

/** What a client sees when the server refuses its certificate (TLS 1.3: an alert after its Finished). */
const HANDSHAKE_REFUSED = /alert|certificate|ECONNRESET|socket hang up/i;
/** What a client sees when an agent drops a verified but not allowed peer right after the handshake. */
const CONNECTION_CLOSED = /ECONNRESET|socket hang up/i;

let stack: Stack;
let certsDir: string;
let urls: Stack['urls'];
const file = (name: string) => readFileSync(path.join(certsDir, name), 'utf8');
const identity = (service: string) => ({ cert: file(`${service}.pem`), key: file(`${service}-key.pem`) });

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One HTTPS request trusting the dev CA, with `client` as the client certificate (or none). */
function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; client?: { cert: string; key: string } },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers ?? {}, ca: file('ca.pem'), agent: false, ...init.client },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const postJson = (url: string, body: unknown, token: string, client?: { cert: string; key: string }) =>
  request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    ...(client ? { client } : {}),
  });

/** The stack's URLs with https (the launcher's `Stack.urls` are http). */
const httpsUrls = (s: Stack) =>
  Object.fromEntries(Object.entries(s.urls).map(([k, v]) => [k, v.replace(/^http:/, 'https:')])) as Stack['urls'];

async function devToken(user: string, opts: Record<string, unknown> = {}, issuer = urls.issuer): Promise<string> {
  const res = await request(`${issuer}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, ...opts }),
  });
  if (res.status !== 200) throw new Error(`dev token: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
}

/** A real RFC 8693 exchange as the workflow client: a token for `audience` whose act names the workflow. */
async function exchange(subjectToken: string, audience: string, on: Stack = stack): Promise<string> {
  const secret = readFileSync(path.join(on.dataDir, 'workflow-client-secret'), 'utf8').trim();
  const res = await request(`${httpsUrls(on).issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`workflow:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience,
    }).toString(),
  });
  if (res.status !== 200) throw new Error(`exchange: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
}

/** Log lines cross two pipes (service -> launcher -> here): wait for one instead of racing it. */
async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const researchInput = { input: { topic: 'token exchange', limit: 2 } };

beforeAll(async () => {
  certsDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'baton-mtls-')), 'certs');
  stack = await startStack({ MTLS: '1', BATON_CERTS_DIR: certsDir });
  urls = httpsUrls(stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(path.dirname(certsDir), { recursive: true, force: true });
});

describe('MTLS=1 pnpm start', () => {
  it('makes the dev certificates and runs the whole workflow over mutual TLS, each agent auditing the workflow as actor', async () => {
    expect(file('ca.pem')).toContain('BEGIN CERTIFICATE');
    const token = await devToken('alice');
    const res = await postJson(`${urls.workflow}/workflow/invoke`, { input: { topic: 'token exchange' } }, token);
    expect(res.status).toBe(200);
    const output = (JSON.parse(res.text) as { output: { report: string; sources: unknown[] } }).output;
    expect(output.report.length).toBeGreaterThan(100);
    expect(output.sources.length).toBeGreaterThan(0);
    for (const agent of ['agent-research', 'agent-writer', 'agent-reviewer']) {
      expect(stack.logs()).toContainEqual(
        expect.objectContaining({ audit: true, service: agent, decision: 'allow', sub: 'alice', act: { sub: 'workflow' } }),
      );
      expect(stack.logs()).toContainEqual(
        expect.objectContaining({
          service: agent,
          msg: 'agent listening',
          mtls: expect.objectContaining({ id: `spiffe://baton.local/${agent}` }),
        }),
      );
    }
  });

  it('refuses plain HTTP to an agent', async () => {
    const plain = urls.research.replace(/^https:/, 'http:');
    await expect(
      new Promise((resolve, reject) => {
        const req = http.request(`${plain}/research/invoke`, { method: 'POST', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end('{}');
      }),
    ).rejects.toThrow();
  });

  it('refuses in the handshake: no client certificate, a certificate from another CA, the CA certificate used as a leaf', async () => {
    const token = await exchange(await devToken('alice'), 'agent-research');
    const url = `${urls.research}/research/invoke`;
    await expect(postJson(url, researchInput, token)).rejects.toThrow(HANDSHAKE_REFUSED);
    // another CA, made by the same project command, with its own "workflow" certificate
    const otherDir = path.join(path.dirname(certsDir), 'other-ca');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/certs.mjs'), '--dir', otherDir], { stdio: 'ignore' });
    const impostor = {
      cert: readFileSync(path.join(otherDir, 'workflow.pem'), 'utf8'),
      key: readFileSync(path.join(otherDir, 'workflow-key.pem'), 'utf8'),
    };
    await expect(postJson(url, researchInput, token, impostor)).rejects.toThrow(HANDSHAKE_REFUSED);
    await expect(postJson(url, researchInput, token, { cert: file('ca.pem'), key: file('ca-key.pem') })).rejects.toThrow(HANDSHAKE_REFUSED);
    // the same token over the workflow's certificate is served: only the TLS client differed
    expect((await postJson(url, researchInput, token, identity('workflow'))).status).toBe(200);
  });

  it('drops a certificate for the wrong identity (the writer calling research) right after the handshake, even with a valid exchanged token: no HTTP exchange, one deny line', async () => {
    const token = await exchange(await devToken('bob'), 'agent-research');
    const before = stack.logs().length;
    await expect(postJson(`${urls.research}/research/invoke`, researchInput, token, identity('agent-writer'))).rejects.toThrow(
      CONNECTION_CLOSED,
    );
    const denied = (l: Record<string, unknown>) => l.service === 'agent-research' && l.msg === 'peer refused at connection';
    await until('the connection deny line', () => stack.logs().slice(before).some(denied));
    const after = stack.logs().slice(before);
    expect(after.filter(denied)).toEqual([
      expect.objectContaining({ level: 'warn', peer: 'spiffe://baton.local/agent-writer', reason: 'AUTH_PEER_NOT_ALLOWED' }),
    ]);
    // research never read a request from it: no audit event, no access log line
    expect(after.filter((l) => l.service === 'agent-research' && (l.audit === true || l.request_id !== undefined))).toEqual([]);
  });

  it("lets an agent's own certificate through for health checks (as the launcher's probes do), but not onto its routes", async () => {
    const health = await request(`${urls.research}/healthz`, { client: identity('agent-research') });
    expect(health.status).toBe(200);
    await expect(request(`${urls.research}/healthz`, { client: identity('agent-writer') })).rejects.toThrow(CONNECTION_CLOSED);
    const token = await exchange(await devToken('alice'), 'agent-research');
    const res = await postJson(`${urls.research}/research/invoke`, researchInput, token, identity('agent-research'));
    expect(res.status).toBe(403);
    expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe('AUTH_PEER_NOT_ALLOWED');
  });

  it('serves the issuer over HTTPS without a client certificate (users fetch tokens) and refuses plain HTTP there', async () => {
    const jwks = await request(`${urls.issuer}/.well-known/jwks.json`, {});
    expect(jwks.status).toBe(200);
    await expect(fetch(`${urls.issuer.replace(/^https:/, 'http:')}/.well-known/jwks.json`)).rejects.toThrow();
  });
});

describe('MTLS=1 pnpm start with ALLOWED_PEERS naming the writer too', () => {
  let wide: Stack;
  let wideUrls: Stack['urls'];

  beforeAll(async () => {
    // the launcher passes its environment through to every agent
    wide = await startStack({
      MTLS: '1',
      BATON_CERTS_DIR: certsDir,
      ALLOWED_PEERS: 'spiffe://baton.local/workflow,spiffe://baton.local/agent-writer',
    });
    wideUrls = httpsUrls(wide);
  }, 120_000);

  afterAll(async () => {
    await wide?.stop();
  });

  it("refuses a workflow token replayed over the writer's certificate by the token binding: 403 AUTH_ACTOR_PEER_MISMATCH, audited", async () => {
    const token = await exchange(await devToken('bob', {}, wideUrls.issuer), 'agent-research', wide);
    const url = `${wideUrls.research}/research/invoke`;
    const replayed = await postJson(url, researchInput, token, identity('agent-writer'));
    expect(replayed.status).toBe(403);
    expect((JSON.parse(replayed.text) as { error: { code: string } }).error.code).toBe('AUTH_ACTOR_PEER_MISMATCH');
    await until('the binding deny audit line', () =>
      wide.logs().some((l) => l.audit === true && l.service === 'agent-research' && l.reason === 'AUTH_ACTOR_PEER_MISMATCH'),
    );
    expect(wide.logs()).toContainEqual(
      expect.objectContaining({
        audit: true,
        service: 'agent-research',
        decision: 'deny',
        reason: 'AUTH_ACTOR_PEER_MISMATCH',
        act: { sub: 'workflow' },
      }),
    );
    expect(wide.logs()).toContainEqual(
      expect.objectContaining({
        service: 'agent-research',
        msg: 'agent listening',
        mtls: expect.objectContaining({ allowed_peers: ['spiffe://baton.local/workflow', 'spiffe://baton.local/agent-writer'] }),
      }),
    );
    // the same token from the peer it was issued to is served
    expect((await postJson(url, researchInput, token, identity('workflow'))).status).toBe(200);
    // a peer still off the list (the reviewer) is dropped at the connection
    await expect(postJson(url, researchInput, token, identity('agent-reviewer'))).rejects.toThrow(CONNECTION_CLOSED);
  });
});
