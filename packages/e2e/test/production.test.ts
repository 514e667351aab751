// The production profile on the real processes (issuer, three agents, workflow, each its own
// `dist/main.js` with BATON_PROFILE=production): each secure default shown on the running system.
// There is no /dev/token in production, so this test plays the users' identity provider: it signs
// user tokens with the issuer's own key (read from its data directory), as an IdP would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createSign, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RESEARCH, REVIEWER, TOPOLOGY, WRITER } from '@baton/contract';
import { collectLines, freePort } from '@baton/testkit';
import { ROOT } from './stack.js';

/** A secret published in the repository (docker-compose.yml's try-out default). */
const PUBLISHED = 'dev-only-workflow-secret-change-me';

interface Proc {
  name: string;
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(app: string, env: Record<string, string>): Proc {
  const appDir = path.join(ROOT, 'apps', app);
  const child = spawn(process.execPath, [path.join(appDir, 'dist/main.js')], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', BATON_PROFILE: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = collectLines(child.stdout!);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: app, child, lines, stderr: () => err, exited };
}

async function healthy(proc: Proc, base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode}:\n${proc.stderr()}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} never became healthy`);
}

const stop = (p: Proc) => {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  return p.exited;
};

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An RS256 JWT access token signed with `key` (node:crypto only). */
function sign(key: { kid: string; privateKey: KeyObject }, claims: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'RS256', typ: 'at+jwt', kid: key.kid })}.${b64url(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url')}`;
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

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

let dataDir: string;
let secret: string;
let issuerUrl: string;
let workflowUrl: string;
const agentUrls: Record<string, string> = {};
let procs: Proc[] = [];
let signingKey: { kid: string; privateKey: KeyObject };

function userToken(sub: string, extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return sign(signingKey, {
    iss: issuerUrl,
    sub,
    aud: TOPOLOGY.workflow.audience,
    scope: TOPOLOGY.workflow.scope,
    client_id: 'test-idp',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...extra,
  });
}

const invoke = (token: string, headers: Record<string, string> = {}) =>
  fetch(`${workflowUrl}/workflow/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ input: { topic: 'production defaults' } }),
  });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-production-'));
  secret = randomBytes(32).toString('base64url');
  const [ip, wp, rp, wrp, rvp] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  issuerUrl = `http://127.0.0.1:${ip}`;
  workflowUrl = `http://127.0.0.1:${wp}`;
  const limits = { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' };
  const issuer = start('issuer', {
    ...limits,
    PORT: String(ip),
    ISSUER_URL: issuerUrl,
    ISSUER_DATA_DIR: path.join(dataDir, 'issuer'),
    WORKFLOW_CLIENT_SECRET: secret,
    TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: '3', // one run of fresh tokens = 3 exchanges
  });
  procs.push(issuer);
  await healthy(issuer, issuerUrl);
  const stored = JSON.parse(readFileSync(path.join(dataDir, 'issuer', 'keys.json'), 'utf8')) as {
    keys: Array<{ kid: string; private_jwk: Record<string, unknown> }>;
  };
  const newest = stored.keys[stored.keys.length - 1]!;
  signingKey = { kid: newest.kid, privateKey: createPrivateKey({ key: newest.private_jwk, format: 'jwk' } as never) };
  const agents = [
    [RESEARCH, rp],
    [WRITER, wrp],
    [REVIEWER, rvp],
  ] as const;
  const started = agents.map(([a, port]) => {
    agentUrls[a.name] = `http://127.0.0.1:${port}`;
    const p = start(a.name, { ...limits, PORT: String(port), ISSUER_URL: issuerUrl, WRITER_CHUNK_DELAY_MS: '1' });
    procs.push(p);
    return healthy(p, agentUrls[a.name]!);
  });
  await Promise.all(started);
  const workflow = start('workflow', {
    ...limits,
    PORT: String(wp),
    ISSUER_URL: issuerUrl,
    WORKFLOW_CLIENT_SECRET: secret,
    CHECKPOINTER: 'none',
    ...Object.fromEntries(agents.map(([a, port]) => [`${a.envPrefix}_URL`, `http://127.0.0.1:${port}${a.path}`])),
  });
  procs.push(workflow);
  await healthy(workflow, workflowUrl);
}, 240_000);

afterAll(async () => {
  await Promise.all(procs.map(stop));
  procs = [];
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('production profile: start-up', () => {
  it.each([
    ['issuer', { ISSUER_URL: 'http://127.0.0.1:9', ISSUER_DATA_DIR: '/tmp/baton-never-used' }],
    ['workflow', {}],
  ])('the %s refuses a client secret published in the repository: exits 1 naming the variable', async (app, env) => {
    const p = start(app, { PORT: '0', ...env, WORKFLOW_CLIENT_SECRET: PUBLISHED });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/WORKFLOW_CLIENT_SECRET: is a development secret published in the Baton repository/);
    expect(p.stderr()).not.toContain(PUBLISHED);
  });

  it('prints no relaxed setting in production', () => {
    expect(procs.flatMap((p) => p.lines).filter((l) => l.includes('"relaxed"'))).toEqual([]);
  });
});

describe('production profile: the issuer', () => {
  it('refuses client_credentials to the workflow client (unauthorized_client)', async () => {
    const res = await fetch(`${issuerUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`workflow:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&audience=agent-research',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
  });

  it('has no dev routes', async () => {
    expect((await fetch(`${issuerUrl}/dev/token`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${issuerUrl}/dev/rotate-keys`, { method: 'POST' })).status).toBe(404);
  });
});

describe('production profile: agents require act naming the workflow', () => {
  it("refuses an agent token without act (403 AUTH_ACTOR_NOT_ALLOWED) though audience and scope are the agent's", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = sign(signingKey, {
      iss: issuerUrl,
      sub: 'mallory',
      aud: RESEARCH.audience,
      scope: RESEARCH.scope,
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
    });
    const res = await fetch(`${agentUrls[RESEARCH.name]}${RESEARCH.path}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'x' } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_ACTOR_NOT_ALLOWED');
  });
});

describe('production profile: request ids', () => {
  it("makes the run's request id at the workflow, keeps the client's as client_request_id, and follows the run across hops", async () => {
    const res = await invoke(userToken('alice'), { 'x-request-id': 'client-chosen-id' });
    expect(res.status).toBe(200);
    await res.json();
    const runId = res.headers.get('x-request-id')!;
    expect(runId).not.toBe('client-chosen-id');
    await until('the reviewer audit line', () => auditOf(procs).some((e) => e.service === 'agent-reviewer' && e.request_id === runId));
    const run = auditOf(procs).filter((e) => e.request_id === runId);
    expect(run.find((e) => e.service === 'workflow')).toMatchObject({ sub: 'alice', client_request_id: 'client-chosen-id' });
    expect(new Set(run.map((e) => e.service))).toEqual(new Set(['workflow', 'issuer', 'agent-research', 'agent-writer', 'agent-reviewer']));
    expect(new Set(run.map((e) => e.sub))).toEqual(new Set(['alice']));
    expect(auditOf(procs).some((e) => e.request_id === 'client-chosen-id')).toBe(false);
  });

  it("does not let a caller that is not the workflow put its hop into someone's run", async () => {
    const first = await invoke(userToken('bob'));
    expect(first.status).toBe(200);
    const runId = first.headers.get('x-request-id')!;
    // mallory's own agent token (no act) sent with alice's run id: refused, and logged under an id of its own
    const now = Math.floor(Date.now() / 1000);
    const token = sign(signingKey, { iss: issuerUrl, sub: 'mallory', aud: WRITER.audience, scope: WRITER.scope, iat: now, exp: now + 300 });
    const res = await fetch(`${agentUrls[WRITER.name]}${WRITER.path}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': runId },
      body: JSON.stringify({ input: { topic: 'x', sources: [] } }),
    });
    expect(res.headers.get('x-request-id')).not.toBe(runId);
    await until("mallory's audit line", () => auditOf(procs).some((e) => e.sub === 'mallory' && e.service === 'agent-writer'));
    expect(auditOf(procs).filter((e) => e.request_id === runId && e.sub === 'mallory')).toEqual([]);
  });
});

describe('production profile: per-subject exchange limit', () => {
  it('answers one user 429 AUTH_EXCHANGE_RATE_LIMITED with Retry-After while another user still runs', async () => {
    expect((await invoke(userToken('carol'))).status).toBe(200); // 3 exchanges: carol's minute is used up
    const limited = await invoke(userToken('carol'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('AUTH_EXCHANGE_RATE_LIMITED');
    const other = await invoke(userToken('dave'));
    expect(other.status).toBe(200);
    await other.json();
    await until('the throttle audit line', () => auditOf(procs).some((e) => e.event === 'token.decision' && e.status === 429));
    expect(auditOf(procs).find((e) => e.event === 'token.decision' && e.status === 429)).toMatchObject({
      sub: 'carol',
      reason: 'slow_down',
    });
  });
});

describe('production profile: slow bodies', () => {
  /** An authenticated request whose body trickles in a byte at a time: what the server sends before it closes the socket. */
  async function trickle(base: string, target: string, headers: string): Promise<string> {
    const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
    let read = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (read += d));
    socket.on('error', () => {}); // a reset after the 408 (our writes race the close) is still a close
    socket.write(`POST ${target} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: 100000\r\n\r\n`);
    const timer = setInterval(() => socket.write(' '), 100);
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(timer);
    return read;
  }

  it('the workflow cuts an authenticated caller that trickles its body (408, socket closed)', async () => {
    const read = await trickle(
      workflowUrl,
      '/workflow/invoke',
      `Authorization: Bearer ${userToken('erin')}\r\nContent-Type: application/json\r\n`,
    );
    expect(read).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an agent cuts the workflow-authenticated hop that trickles its body (408, socket closed)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = sign(signingKey, {
      iss: issuerUrl,
      sub: 'erin',
      aud: RESEARCH.audience,
      scope: RESEARCH.scope,
      act: { sub: 'workflow' },
      iat: now,
      exp: now + 300,
    });
    const read = await trickle(
      agentUrls[RESEARCH.name]!,
      `${RESEARCH.path}/invoke`,
      `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n`,
    );
    expect(read).toMatch(/^HTTP\/1\.1 408/);
  });

  it("the issuer cuts a token request whose body trickles, even with the workflow's credentials", async () => {
    const basic = Buffer.from(`workflow:${secret}`).toString('base64');
    const read = await trickle(
      issuerUrl,
      '/oauth/token',
      `Authorization: Basic ${basic}\r\nContent-Type: application/x-www-form-urlencoded\r\n`,
    );
    expect(read).toMatch(/^HTTP\/1\.1 408/);
  });
});
