import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { RunnableLambda } from '@langchain/core/runnables';
import express from 'express';
import { z } from 'zod';
import { createDevCa, devCertFiles, issueLeaf, writeDevCerts, type CertAndKey } from '@baton/mtls/dev-certs';
import { captureLines, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { agentEnvSchema } from '@baton/contract';
import { agentSettings, type AgentDefinition } from './config.js';
import { createAgentApp, fromDeps } from './create-agent-app.js';
import { runAgent, type AgentDeps, type RunningAgent } from './run-agent.js';

const ECHO: AgentDefinition = {
  name: 'agent-echo',
  path: '/echo',
  port: 3999,
  audience: 'agent-echo',
  scope: 'echo:invoke',
  trustedActors: ['workflow'],
  passthrough: { audience: 'baton-workflow', scope: 'workflow:invoke' },
};
const schema = agentEnvSchema(ECHO);
const echo = RunnableLambda.from((input: { text: string }) => ({ echoed: input.text }));
const createApp = (deps: AgentDeps<z.infer<typeof schema>>) =>
  createAgentApp({ ...fromDeps(deps), runnable: echo, inputSchema: z.object({ text: z.string() }) });

/** What a client sees when the server refuses its certificate (TLS 1.3: an alert after its Finished). */
const HANDSHAKE_REFUSED = /alert|certificate|ECONNRESET|socket hang up/i;
/** What a client sees when the agent drops a verified but not allowed peer right after the handshake. */
const CONNECTION_CLOSED = /ECONNRESET|socket hang up/i;

let issuer: TestIssuer;
let dir: string;
const pem = (service: string) => {
  const f = devCertFiles(dir, service);
  return { cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8') };
};
let ca: string;
const running: RunningAgent[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-agent-mtls-'));
  await writeDevCerts({ dir, services: { 'agent-echo': ['echo'], workflow: ['workflow'], 'agent-writer': ['writer'] } });
  ca = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
});

afterAll(async () => {
  await Promise.all(running.map((a) => a.close()));
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}) {
  const files = devCertFiles(dir, 'agent-echo');
  const capture = captureLines();
  const agent = await runAgent({
    definition: ECHO,
    schema,
    createApp,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      ISSUER_URL: issuer.issuer,
      TLS_CERT_FILE: files.cert,
      TLS_KEY_FILE: files.key,
      TLS_CA_FILE: files.ca,
      ...env,
    },
    logDestination: capture.stream,
    signals: [],
    exit: () => {},
  });
  running.push(agent);
  return { agent, logs: capture.lines };
}

interface Reply {
  status: number;
  body: { output?: unknown; error?: { code: string } };
}

/** POST /echo/invoke over TLS with the given client certificate (or none). */
function invoke(base: string, client: { cert?: string; key?: string; ca?: string } | undefined, token: string): Promise<Reply> {
  const url = new URL(`${base}/echo/invoke`);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        ca,
        ...client,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Reply['body'] }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ input: { text: 'hi' } }));
  });
}

const exchanged = (act = 'workflow') => issuer.mint({ sub: 'alice', aud: 'agent-echo', scope: 'echo:invoke', act: { sub: act } });

describe('agent over mutual TLS', () => {
  it("listens HTTPS and serves the workflow's certificate with a token whose act names the workflow, auditing allow", async () => {
    const { agent, logs } = await start();
    expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await invoke(agent.url, pem('workflow'), exchanged());
    expect(res).toEqual({ status: 200, body: expect.objectContaining({ output: { echoed: 'hi' } }) });
    expect(logs()).toContainEqual(
      expect.objectContaining({
        msg: 'agent listening',
        mtls: {
          id: 'spiffe://baton.local/agent-echo',
          allowed_peers: ['spiffe://baton.local/workflow'],
          connection_peers: ['spiffe://baton.local/workflow', 'spiffe://baton.local/agent-echo'],
        },
      }),
    );
    expect(logs().find((l) => l.audit === true)).toMatchObject({ decision: 'allow', sub: 'alice', act: { sub: 'workflow' } });
  });

  it('refuses plain HTTP', async () => {
    const { agent } = await start();
    const plain = agent.url.replace('https:', 'http:');
    await expect(
      new Promise((resolve, reject) => {
        const req = http.request(`${plain}/healthz`, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      }),
    ).rejects.toThrow();
  });

  it('refuses in the handshake a client without a certificate, with one from another CA, and the CA certificate as a leaf', async () => {
    const { agent } = await start();
    await expect(invoke(agent.url, undefined, exchanged())).rejects.toThrow(HANDSHAKE_REFUSED);
    const other: CertAndKey = await createDevCa({ commonName: 'Other CA' });
    const impostor = await issueLeaf(other, { service: 'workflow' });
    await expect(invoke(agent.url, impostor, exchanged())).rejects.toThrow(HANDSHAKE_REFUSED);
    const caKey = readFileSync(path.join(dir, 'ca-key.pem'), 'utf8');
    await expect(invoke(agent.url, { cert: ca, key: caKey }, exchanged())).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it("closes the connection of a peer off the allow-list (the writer's certificate) right after the handshake: no HTTP response, one deny log line, no audit", async () => {
    const { agent, logs } = await start();
    await expect(invoke(agent.url, pem('agent-writer'), exchanged())).rejects.toThrow(CONNECTION_CLOSED);
    expect(logs().filter((l) => l.msg === 'peer refused at connection')).toEqual([
      expect.objectContaining({ level: 'warn', peer: 'spiffe://baton.local/agent-writer', reason: 'AUTH_PEER_NOT_ALLOWED' }),
    ]);
    // never reached HTTP: no access log, no audit event
    expect(logs().filter((l) => l.audit === true || l.req !== undefined || l.request_id !== undefined)).toEqual([]);
  });

  it('lets its own certificate through the connection for health checks, but the routes still refuse it with 403 AUTH_PEER_NOT_ALLOWED, audited as deny', async () => {
    const { agent, logs } = await start();
    const self = pem('agent-echo');
    const health = await new Promise<number>((resolve, reject) => {
      const req = https.get(`${agent.url}/healthz`, { agent: false, ca, ...self }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
    });
    expect(health).toBe(200);
    const res = await invoke(agent.url, self, exchanged('agent-echo'));
    expect(res).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'AUTH_PEER_NOT_ALLOWED' }) } });
    expect(logs().find((l) => l.audit === true)).toMatchObject({ decision: 'deny', reason: 'AUTH_PEER_NOT_ALLOWED', sub: null });
    expect(logs()).toContainEqual(expect.objectContaining({ msg: 'peer refused', peer: 'spiffe://baton.local/agent-echo' }));
  });

  it('follows ALLOWED_PEERS at the connection: naming only the writer drops the workflow and serves the writer', async () => {
    const { agent } = await start({ ALLOWED_PEERS: 'spiffe://baton.local/agent-writer' });
    await expect(invoke(agent.url, pem('workflow'), exchanged())).rejects.toThrow(CONNECTION_CLOSED);
    expect((await invoke(agent.url, pem('agent-writer'), exchanged('agent-writer'))).status).toBe(200);
  });

  it('refuses a token replayed by another allowed peer: act.sub must be the peer (403 AUTH_ACTOR_PEER_MISMATCH)', async () => {
    const { agent, logs } = await start({ ALLOWED_PEERS: 'spiffe://baton.local/workflow,spiffe://baton.local/agent-writer' });
    const token = exchanged('workflow');
    const replayed = await invoke(agent.url, pem('agent-writer'), token);
    expect(replayed).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'AUTH_ACTOR_PEER_MISMATCH' }) } });
    expect(
      logs()
        .filter((l) => l.audit === true)
        .at(-1),
    ).toMatchObject({ decision: 'deny', reason: 'AUTH_ACTOR_PEER_MISMATCH', act: { sub: 'workflow' } });
    expect((await invoke(agent.url, pem('agent-writer'), exchanged('agent-writer'))).status).toBe(200);
    expect((await invoke(agent.url, pem('workflow'), token)).status).toBe(200);
    const userOwn = issuer.mint({ sub: 'alice', aud: 'agent-echo', scope: 'echo:invoke' });
    expect((await invoke(agent.url, pem('workflow'), userOwn)).body.error?.code).toBe('AUTH_ACTOR_PEER_MISMATCH');
  });

  it("in passthrough mode checks the allow-list (at the connection) but not act (the user's token has none)", async () => {
    const { agent } = await start({ AUTH_MODE: 'passthrough' });
    const token = issuer.mint({ sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke' });
    expect((await invoke(agent.url, pem('workflow'), token)).status).toBe(200);
    await expect(invoke(agent.url, pem('agent-writer'), token)).rejects.toThrow(CONNECTION_CLOSED);
  });

  it('refuses to start over mutual TLS an app that enforces no peer allow-list', async () => {
    const files = devCertFiles(dir, 'agent-echo');
    await expect(
      runAgent({
        definition: ECHO,
        schema,
        createApp: () => express(),
        env: {
          PORT: '0',
          ISSUER_URL: issuer.issuer,
          LOG_LEVEL: 'silent',
          TLS_CERT_FILE: files.cert,
          TLS_KEY_FILE: files.key,
          TLS_CA_FILE: files.ca,
        },
        signals: [],
        exit: () => {},
      }),
    ).rejects.toThrow(/no peer allow-list/);
  });
});

describe('agent mTLS settings', () => {
  it('defaults the allow-list to the workflow when mutual TLS is on, and has none when off', () => {
    const on = agentSettings(ECHO, schema.parse({ TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k', TLS_CA_FILE: '/ca' }));
    expect(on).toMatchObject({ mtls: true, allowedPeers: ['spiffe://baton.local/workflow'], issuerPeerId: 'spiffe://baton.local/issuer' });
    expect(agentSettings(ECHO, schema.parse({}))).toMatchObject({ mtls: false, allowedPeers: undefined });
  });

  it('rejects ALLOWED_PEERS without mutual TLS and entries that are not SPIFFE ids', () => {
    expect(() => agentSettings(ECHO, schema.parse({ ALLOWED_PEERS: 'spiffe://baton.local/workflow' }))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(schema.safeParse({ ALLOWED_PEERS: 'workflow' }).success).toBe(false);
  });
});
