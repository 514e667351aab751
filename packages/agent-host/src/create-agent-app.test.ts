import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunnableLambda } from '@langchain/core/runnables';
import { z } from 'zod';
import { createLogger } from '@baton/service';
import { captureLines, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { agentEnvSchema } from '@baton/contract';
import { agentSettings, type AgentDefinition } from './config.js';
import { createAgentAuth } from './agent-auth.js';
import { createAgentApp, fromDeps } from './create-agent-app.js';

const ECHO: AgentDefinition = {
  name: 'agent-echo',
  path: '/echo',
  port: 3999,
  audience: 'agent-echo',
  scope: 'echo:invoke',
  trustedActors: ['workflow'],
  passthrough: { audience: 'baton-workflow', scope: 'workflow:invoke' },
};

const echo = RunnableLambda.from((input: { text: string }) => ({ echoed: input.text }));

let issuer: TestIssuer;
const servers: http.Server[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await issuer.close();
});

async function start(env: Record<string, string> = {}) {
  const settings = agentSettings(ECHO, agentEnvSchema(ECHO).parse({ ISSUER_URL: issuer.issuer, ...env }));
  const capture = captureLines();
  const logger = createLogger({ service: ECHO.name, level: 'info', destination: capture.stream });
  const auth = createAgentAuth(settings, { logger });
  const app = createAgentApp({
    ...fromDeps({ settings, ...auth, logger }),
    runnable: echo,
    inputSchema: z.object({ text: z.string() }),
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const invoke = (token: string | undefined, input: unknown = { text: 'hi' }) =>
    fetch(`${base}/echo/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ input }),
    });
  return { base, invoke, logs: capture.lines, settings };
}

describe('agent config', () => {
  it('defaults to exchange mode with the agent audience and scope, the JWKS from discovery, the strict profile', () => {
    const s = agentSettings(ECHO, agentEnvSchema(ECHO).parse({}));
    expect(s).toMatchObject({
      port: 3999,
      host: '127.0.0.1',
      issuer: 'http://127.0.0.1:4000',
      jwksUri: undefined,
      tokenProfile: { name: 'strict' },
      mode: 'exchange',
      audience: 'agent-echo',
      scopes: ['echo:invoke'],
      allowedActors: [],
      jwksCooldownMs: 30000,
      logLevel: 'info',
    });
  });

  it('accepts the workflow audience and scope only in explicit passthrough mode', () => {
    const s = agentSettings(ECHO, agentEnvSchema(ECHO).parse({ AUTH_MODE: 'passthrough', WORKFLOW_AUDIENCE: 'wf' }));
    expect(s).toMatchObject({ mode: 'passthrough', audience: 'wf', scopes: ['workflow:invoke'] });
  });

  it('lets AUTH_AUDIENCE, AUTH_SCOPE, JWKS_URI and ALLOWED_ACTORS override', () => {
    const s = agentSettings(
      ECHO,
      agentEnvSchema(ECHO).parse({
        AUTH_AUDIENCE: 'x',
        AUTH_SCOPE: 'x:y',
        JWKS_URI: 'https://idp.example/keys/',
        ALLOWED_ACTORS: 'workflow, ops',
      }),
    );
    expect(s).toMatchObject({ audience: 'x', scopes: ['x:y'], jwksUri: 'https://idp.example/keys/', allowedActors: ['workflow', 'ops'] });
  });

  it('logs one warn line per relaxed token-profile setting at start, none for strict', async () => {
    const relaxed = (await start({ TOKEN_PROFILE: 'okta' })).logs().filter((l) => l.level === 'warn' && l.token_profile === 'okta');
    expect(relaxed.map((l) => l.msg)).toEqual([
      expect.stringMatching(/accepts typ \(none\)/),
      expect.stringMatching(/reads scopes from scp/),
      expect.stringMatching(/ignores the scope claim/),
      expect.stringMatching(/reads the client from cid, client_id/),
    ]);
    expect((await start()).logs().filter((l) => l.token_profile !== undefined)).toEqual([]);
  });

  it('is not ready until it holds the discovered keys', async () => {
    const { base } = await start();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await fetch(`${base}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    const dead = await start({ ISSUER_URL: 'http://127.0.0.1:9/' });
    expect((await fetch(`${dead.base}/readyz`)).status).toBe(503);
  });

  it('rejects an unknown AUTH_MODE and a multi-token AUTH_SCOPE', () => {
    expect(agentEnvSchema(ECHO).safeParse({ AUTH_MODE: 'none' }).success).toBe(false);
    expect(agentEnvSchema(ECHO).safeParse({ AUTH_SCOPE: 'a b' }).success).toBe(false);
  });
});

describe('createAgentApp', () => {
  it('serves the runnable to a token with the agent audience and scope, and audits sub and act', async () => {
    const { invoke, logs } = await start();
    const res = await invoke(issuer.mint({ sub: 'alice', aud: 'agent-echo', scope: 'echo:invoke', act: { sub: 'workflow' } }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({ echoed: 'hi' });
    const audit = logs().find((l) => l.audit === true);
    expect(audit).toMatchObject({ service: 'agent-echo', decision: 'allow', sub: 'alice', act: { sub: 'workflow' }, aud: ['agent-echo'] });
    expect(JSON.stringify(logs())).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('rejects a workflow-audience token in exchange mode with 401 invalid_token', async () => {
    const { invoke } = await start();
    const res = await invoke(issuer.mint({ aud: 'baton-workflow', scope: 'workflow:invoke' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_AUDIENCE_MISMATCH');
  });

  it('rejects a token without the scope with 403 insufficient_scope', async () => {
    const { invoke, logs } = await start();
    const res = await invoke(issuer.mint({ aud: 'agent-echo', scope: 'other:invoke' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(logs().find((l) => l.audit === true)).toMatchObject({ decision: 'deny', reason: 'AUTH_INSUFFICIENT_SCOPE' });
  });

  it('rejects a request without a token with 401', async () => {
    const { invoke } = await start();
    expect((await invoke(undefined)).status).toBe(401);
  });

  it('in passthrough mode accepts the workflow token and refuses the agent-audience one', async () => {
    const { invoke } = await start({ AUTH_MODE: 'passthrough' });
    expect((await invoke(issuer.mint({ aud: 'baton-workflow', scope: 'workflow:invoke' }))).status).toBe(200);
    expect((await invoke(issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke' }))).status).toBe(401);
  });

  it('with ALLOWED_ACTORS, refuses an unlisted or missing actor with 403 AUTH_ACTOR_NOT_ALLOWED', async () => {
    const { invoke } = await start({ ALLOWED_ACTORS: 'workflow' });
    expect((await invoke(issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke', act: { sub: 'workflow' } }))).status).toBe(200);
    const stranger = await invoke(issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke', act: { sub: 'intruder' } }));
    expect(stranger.status).toBe(403);
    expect(((await stranger.json()) as { error: { code: string } }).error.code).toBe('AUTH_ACTOR_NOT_ALLOWED');
    expect((await invoke(issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke' }))).status).toBe(403);
  });

  it('serves /healthz without a token and answers unknown routes with a JSON 404', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('REQUEST_NOT_FOUND');
  });

  it('rejects invalid input with a 4xx before running the runnable', async () => {
    const { invoke } = await start();
    const res = await invoke(issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke' }), { text: 42 });
    expect(res.status).toBe(422);
  });

  it('fetches the JWKS once for many requests (clients created once)', async () => {
    const { invoke } = await start();
    const before = issuer.jwksRequests();
    for (let i = 0; i < 5; i++) await invoke(issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke' }));
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1);
  });

  it('refuses to build without a scope', () => {
    expect(() =>
      createAgentApp({
        name: 'x',
        path: '/x',
        runnable: echo,
        verifier: {
          verify: async () => {
            throw new Error();
          },
        },
        auditor: { record: () => ({}) as never },
        logger: createLogger({ service: 'x', level: 'silent' }),
        scopes: [],
      }),
    ).toThrow(TypeError);
  });
});
