// Mutual TLS with the real five processes (`MTLS=1 pnpm start`): dev certificates made by the
// launcher, HTTPS everywhere, agents refusing in the handshake every client without a certificate
// from the dev CA, and refusing any peer but the workflow.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startStack, type Stack } from './stack.js';

/** What a client sees when the server refuses its certificate (TLS 1.3: an alert after its Finished). */
const HANDSHAKE_REFUSED = /alert|certificate|ECONNRESET|socket hang up/i;

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
function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; client?: { cert: string; key: string } }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ca: file('ca.pem'), agent: false, ...init.client }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const postJson = (url: string, body: unknown, token: string, client?: { cert: string; key: string }) =>
  request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), ...(client ? { client } : {}) });

async function devToken(user: string, opts: Record<string, unknown> = {}): Promise<string> {
  const res = await request(`${urls.issuer}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, ...opts }) });
  if (res.status !== 200) throw new Error(`dev token: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
}

/** A real RFC 8693 exchange as the workflow client: a token for `audience` whose act names the workflow. */
async function exchange(subjectToken: string, audience: string): Promise<string> {
  const secret = readFileSync(path.join(stack.dataDir, 'workflow-client-secret'), 'utf8').trim();
  const res = await request(`${urls.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`workflow:${secret}`).toString('base64')}` },
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

const researchInput = { input: { topic: 'token exchange', limit: 2 } };

beforeAll(async () => {
  certsDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'baton-mtls-')), 'certs');
  stack = await startStack({ MTLS: '1', BATON_CERTS_DIR: certsDir });
  urls = Object.fromEntries(Object.entries(stack.urls).map(([k, v]) => [k, v.replace(/^http:/, 'https:')])) as Stack['urls'];
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
      expect(stack.logs()).toContainEqual(expect.objectContaining({ audit: true, service: agent, decision: 'allow', sub: 'alice', act: { sub: 'workflow' } }));
      expect(stack.logs()).toContainEqual(expect.objectContaining({ service: agent, msg: 'agent listening', mtls: expect.objectContaining({ id: `spiffe://baton.local/${agent}` }) }));
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
    const impostor = { cert: readFileSync(path.join(otherDir, 'workflow.pem'), 'utf8'), key: readFileSync(path.join(otherDir, 'workflow-key.pem'), 'utf8') };
    await expect(postJson(url, researchInput, token, impostor)).rejects.toThrow(HANDSHAKE_REFUSED);
    await expect(postJson(url, researchInput, token, { cert: file('ca.pem'), key: file('ca-key.pem') })).rejects.toThrow(HANDSHAKE_REFUSED);
    // the same token over the workflow's certificate is served: only the TLS client differed
    expect((await postJson(url, researchInput, token, identity('workflow'))).status).toBe(200);
  });

  it('refuses a certificate for the wrong identity (the writer calling research) with 403 AUTH_PEER_NOT_ALLOWED, even with a valid exchanged token', async () => {
    const token = await exchange(await devToken('bob'), 'agent-research');
    const res = await postJson(`${urls.research}/research/invoke`, researchInput, token, identity('agent-writer'));
    expect(res.status).toBe(403);
    expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe('AUTH_PEER_NOT_ALLOWED');
    expect(stack.logs()).toContainEqual(expect.objectContaining({ audit: true, service: 'agent-research', decision: 'deny', reason: 'AUTH_PEER_NOT_ALLOWED' }));
  });

  it('serves the issuer over HTTPS without a client certificate (users fetch tokens) and refuses plain HTTP there', async () => {
    const jwks = await request(`${urls.issuer}/.well-known/jwks.json`, {});
    expect(jwks.status).toBe(200);
    await expect(fetch(`${urls.issuer.replace(/^https:/, 'http:')}/.well-known/jwks.json`)).rejects.toThrow();
  });
});
