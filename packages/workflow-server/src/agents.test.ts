import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Caller, tokenFingerprint, type ExchangeRequest, type TokenExchanger } from '@baton/identity';
import { tlsDispatcher } from '@baton/mtls';
import { defineTopology, TOPOLOGY } from '@baton/contract/topology';
import { workflowServerEnvSchema } from '@baton/contract/env';
import { parseConfig } from '@baton/service';
import { createAgentClients } from './agents.js';
import { resolveWorkflowConfig } from './config.js';
import { TEST_AGENTS } from '../test/config.js';
import { parseWorkflowConfig } from '../test/config.js';

const SECRET = 'a-client-secret-of-at-least-32-characters';
const caller = new Caller({
  token: 'the-callers-own-token',
  principal: {
    sub: 'alice',
    iss: 'i',
    aud: ['baton-workflow'],
    scope: ['workflow:invoke'],
    exp: 4_102_444_800,
    token_fp: tokenFingerprint('the-callers-own-token'),
  },
});
const run = { context: { caller } } as never;

/** Three fake agents on one real listener: records each request's path and bearer token, answers by path. */
let server: http.Server;
let base: string;
const seen: Array<{ path: string; authorization: string | undefined }> = [];
/** Paths whose requests never get an answer (until the test ends). */
const hang = new Set<string>();
const answers: Record<string, unknown> = {
  '/research/invoke': { sources: [] },
  '/writer/invoke': { report: 'R' },
  '/reviewer/invoke': { approved: true, notes: [] },
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? '';
    seen.push({ path, authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      if (hang.has(path)) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ output: answers[path] ?? null, metadata: { run_id: 'r' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
/** Real undici dispatchers the tests wrap, closed after each test. */
const dispatchers: Array<ReturnType<typeof tlsDispatcher>> = [];
beforeEach(() => {
  seen.length = 0;
  hang.clear();
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.close()));
});

/** An undici dispatcher that records the path of each request it sends, then sends it. */
function recordingDispatcher(record: (path: string) => void) {
  const real = tlsDispatcher({});
  dispatchers.push(real);
  return {
    dispatch: (opts: { path: string }, handler: unknown) => {
      record(opts.path);
      return real.dispatch(opts as never, handler as never);
    },
  } as never;
}

const env = (extra: Record<string, string> = {}) =>
  parseWorkflowConfig({
    WORKFLOW_CLIENT_SECRET: SECRET,
    RESEARCH_URL: `${base}/research`,
    WRITER_URL: `${base}/writer`,
    REVIEWER_URL: `${base}/reviewer`,
    ...extra,
  });

function recordingExchanger() {
  const requests: Array<ExchangeRequest & { sub: string }> = [];
  const exchanger: TokenExchanger = {
    async exchangeFor(c, request) {
      requests.push({ ...request, sub: c.sub });
      return { accessToken: `exchanged-for-${request.audience}` };
    },
  };
  return { exchanger, requests };
}

async function callAll(agents: ReturnType<typeof createAgentClients>) {
  await agents.research!.invoke({ topic: 't' }, run);
  await agents.writer!.invoke({ topic: 't', sources: [] }, run);
  await agents.reviewer!.invoke({ topic: 't', report: 'R', sources: [] }, run);
}

describe('createAgentClients', () => {
  it("exchanges the caller's token for one per agent, with the audience and scope from config", async () => {
    const { exchanger, requests } = recordingExchanger();
    const agents = createAgentClients(env({ WRITER_AUDIENCE: 'custom-writer', REVIEWER_SCOPE: 'review:custom' }), TEST_AGENTS, exchanger);
    await callAll(agents);
    expect(requests.map(({ sub, audience, scope }) => ({ sub, audience, scope }))).toEqual([
      { sub: 'alice', audience: 'agent-research', scope: 'research:invoke' },
      { sub: 'alice', audience: 'custom-writer', scope: 'writer:invoke' },
      { sub: 'alice', audience: 'agent-reviewer', scope: 'review:custom' },
    ]);
    expect(seen).toEqual([
      { path: '/research/invoke', authorization: 'Bearer exchanged-for-agent-research' },
      { path: '/writer/invoke', authorization: 'Bearer exchanged-for-custom-writer' },
      { path: '/reviewer/invoke', authorization: 'Bearer exchanged-for-agent-reviewer' },
    ]);
  });

  it("returns each agent's answer", async () => {
    const agents = createAgentClients(env(), TEST_AGENTS, recordingExchanger().exchanger);
    expect(await agents.research!.invoke({ topic: 't' }, run)).toEqual({ sources: [] });
    expect(await agents.reviewer!.invoke({ topic: 't', report: 'R', sources: [] }, run)).toEqual({ approved: true, notes: [] });
  });

  it("forwards the caller's own token in passthrough mode and never exchanges", async () => {
    const { exchanger, requests } = recordingExchanger();
    const agents = createAgentClients(env({ TOKEN_FORWARDING: 'passthrough' }), TEST_AGENTS, exchanger);
    await callAll(agents);
    expect(requests).toEqual([]);
    expect(seen.map((s) => s.authorization)).toEqual(Array(3).fill('Bearer the-callers-own-token'));
  });

  it('needs no exchanger in passthrough mode', () => {
    expect(() => createAgentClients(env({ TOKEN_FORWARDING: 'passthrough' }), TEST_AGENTS, undefined)).not.toThrow();
  });

  it('refuses exchange mode without an exchanger at creation', () => {
    expect(() => createAgentClients(env(), TEST_AGENTS, undefined)).toThrow(TypeError);
  });

  it('sends nothing for a run without a caller', async () => {
    const { exchanger, requests } = recordingExchanger();
    const agents = createAgentClients(env(), TEST_AGENTS, exchanger);
    await expect(agents.research!.invoke({ topic: 't' })).rejects.toMatchObject({ code: 'REMOTE_NO_CREDENTIALS' });
    expect(requests).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("sends each agent's requests through the dispatcher made for that agent", async () => {
    const made: string[] = [];
    const used: Array<[string, string]> = [];
    const dispatcherFor = ({ key }: { key: string }) => {
      made.push(key);
      return recordingDispatcher((path) => used.push([key, path]));
    };
    const agents = createAgentClients(env(), TEST_AGENTS, recordingExchanger().exchanger, dispatcherFor);
    expect(made.sort()).toEqual(['research', 'reviewer', 'writer']);
    await callAll(agents);
    expect(used).toEqual([
      ['research', '/research/invoke'],
      ['writer', '/writer/invoke'],
      ['reviewer', '/reviewer/invoke'],
    ]);
  });

  it('shares one dispatcher among the three when given one', async () => {
    const used: string[] = [];
    const shared = recordingDispatcher((path) => used.push(path));
    await callAll(createAgentClients(env(), TEST_AGENTS, recordingExchanger().exchanger, shared));
    expect(used).toEqual(['/research/invoke', '/writer/invoke', '/reviewer/invoke']);
  });

  it('gives up on an agent that never answers after REMOTE_FIRST_BYTE_TIMEOUT_MS', async () => {
    hang.add('/writer/invoke');
    const agents = createAgentClients(env({ REMOTE_FIRST_BYTE_TIMEOUT_MS: '200' }), TEST_AGENTS, recordingExchanger().exchanger);
    await expect(agents.writer!.invoke({ topic: 't', sources: [] }, run)).rejects.toMatchObject({ code: 'REMOTE_TIMEOUT' });
  });

  it('builds one client per agent of the list, named from its envPrefix (<PREFIX>_URL, _AUDIENCE, _SCOPE)', async () => {
    const topology = defineTopology({
      issuer: TOPOLOGY.issuer,
      workflow: TOPOLOGY.workflow,
      agents: [
        {
          key: 'summarizer',
          name: 'agent-summarizer',
          path: '/summarizer',
          port: 3004,
          audience: 'agent-summarizer',
          scope: 'summarizer:invoke',
        },
      ],
    });
    const env = parseConfig(workflowServerEnvSchema(topology), {
      env: { WORKFLOW_CLIENT_SECRET: SECRET, SUMMARIZER_URL: `${base}/research`, SUMMARIZER_SCOPE: 'sum:custom' },
      service: 'workflow',
    });
    const { exchanger, requests } = recordingExchanger();
    const agents = createAgentClients(resolveWorkflowConfig(env, topology.agents), topology.agents, exchanger);
    expect(Object.keys(agents)).toEqual(['summarizer']);
    expect(await agents.summarizer!.invoke({ topic: 't' }, run)).toEqual({ sources: [] });
    expect(requests.map(({ audience, scope }) => ({ audience, scope }))).toEqual([{ audience: 'agent-summarizer', scope: 'sum:custom' }]);
    expect(seen).toEqual([{ path: '/research/invoke', authorization: 'Bearer exchanged-for-agent-summarizer' }]);
  });
});
