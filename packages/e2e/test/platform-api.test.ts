// The LangGraph Platform API of the REAL workflow (scripts/start.mjs: issuer, three agents,
// workflow, each its own process from dist/), called the way LangGraph users call a deployed
// graph: the official @langchain/langgraph-sdk Client and RemoteGraph, a dev token in
// `defaultHeaders`. Build first.
import { randomUUID } from 'node:crypto';
import { Client } from '@langchain/langgraph-sdk';
import { RemoteGraph } from '@langchain/langgraph/remote';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
let alice: string;

beforeAll(async () => {
  // A writer slow enough that a run is still streaming while a test stops it.
  stack = await startStack({ WRITER_CHUNK_DELAY_MS: '20' });
  alice = await stack.token('alice');
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const clientFor = (token: string | undefined, headers: Record<string, string> = {}) =>
  new Client({
    apiUrl: stack.urls.workflow,
    apiKey: null,
    defaultHeaders: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    callerOptions: { maxRetries: 0 },
  });

async function collect(stream: AsyncIterable<{ event: string; data: unknown }>) {
  const out: Array<{ event: string; data: unknown }> = [];
  for await (const part of stream) out.push(part);
  return out;
}

async function failure(p: Promise<unknown>): Promise<{ status: number; text: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status?: number; text?: string; message?: string };
    return { status: e.status ?? -1, text: e.text ?? e.message ?? '' };
  }
  throw new Error('expected the call to fail');
}

interface Report {
  topic: string;
  report: string;
  sources: unknown[];
  verdict: { approved: boolean } | null;
  revisions: number;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('the Platform API of the running workflow, through the official SDK', () => {
  it('serves the workflow graph as an assistant', async () => {
    const client = clientFor(alice);
    expect((await client.assistants.search()).map((a) => a.assistant_id)).toEqual(['workflow']);
    expect(await client.assistants.get('workflow')).toMatchObject({ graph_id: 'workflow' });
    const graph = await client.assistants.getGraph('workflow');
    expect(graph.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(['research', 'write', 'review']));
  });

  it('runs.wait: the whole report, every agent called as alice through the workflow (audited)', async () => {
    const id = `platform-e2e-${randomUUID()}`;
    const values = (await clientFor(alice, { 'x-request-id': id }).runs.wait(null, 'workflow', {
      input: { topic: 'token exchange between services' },
    })) as unknown as Report;
    expect(values.report.length).toBeGreaterThan(100);
    expect(values.sources.length).toBeGreaterThan(0);
    expect(values.verdict).not.toBeNull();
    await until('the workflow audit line', () => stack.logs().some((l) => l.audit === true && l.client_request_id === id));
    const wf = stack.logs().find((l) => l.audit === true && l.service === 'workflow' && l.client_request_id === id)!;
    expect(wf).toMatchObject({ decision: 'allow', sub: 'alice' });
    await until('the reviewer audit line', () =>
      stack.logs().some((l) => l.service === 'agent-reviewer' && l.request_id === wf.request_id),
    );
    for (const service of ['agent-research', 'agent-writer', 'agent-reviewer']) {
      const line = stack.logs().find((l) => l.audit === true && l.service === service && l.request_id === wf.request_id);
      expect(line).toMatchObject({ decision: 'allow', sub: 'alice', act: expect.objectContaining({ sub: 'workflow' }) });
    }
  });

  it('runs.stream in each supported mode, with the writer’s text as message chunks', async () => {
    const events = await collect(
      clientFor(alice).runs.stream(null, 'workflow', {
        input: { topic: 'streaming agents' },
        streamMode: ['values', 'updates', 'custom', 'debug', 'messages-tuple'],
      }),
    );
    const names = new Set(events.map((e) => e.event));
    expect([...names].sort()).toEqual(['custom', 'debug', 'messages', 'metadata', 'updates', 'values']);
    const final = events.filter((e) => e.event === 'values').at(-1)!.data as Report;
    const text = events
      .filter((e) => e.event === 'messages')
      .map((e) => (e.data as [{ content: string }])[0].content)
      .join('');
    expect(final.report.length).toBeGreaterThan(100);
    expect(final.report.endsWith(text.slice(-50))).toBe(true);
    expect(events.filter((e) => e.event === 'updates').map((e) => Object.keys(e.data as object)[0])).toEqual(
      expect.arrayContaining(['research', 'write', 'review']),
    );
    const lc = await collect(clientFor(alice).runs.stream(null, 'workflow', { input: { topic: 'events' }, streamMode: 'events' }));
    expect(lc.filter((e) => e.event === 'events').length).toBeGreaterThan(5);
  });

  it('threads: create, run, get, state, history, search, delete; bob sees none of it', async () => {
    const client = clientFor(alice);
    const bob = clientFor(await stack.token('bob'));
    const { thread_id: id } = await client.threads.create({ metadata: { kind: 'e2e' } });
    await client.runs.wait(id, 'workflow', { input: { topic: 'audit trails' } });
    expect(await client.threads.get(id)).toMatchObject({ thread_id: id, status: 'idle', metadata: { kind: 'e2e' } });
    const state = await client.threads.getState(id);
    expect(state.checkpoint.thread_id).toBe(id);
    expect((state.values as unknown as Report).topic).toBe('audit trails');
    const history = await client.threads.getHistory(id, { limit: 5 });
    expect(history.length).toBeGreaterThan(1);
    expect((await client.threads.search({ metadata: { kind: 'e2e' } })).map((t) => t.thread_id)).toContain(id);
    // The same thread on the LangServe routes: one store, one owner.
    const langserve = await fetch(`${stack.urls.workflow}/workflow/threads/${id}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(langserve.status).toBe(200);
    for (const call of [bob.threads.get(id), bob.threads.getState(id), bob.threads.getHistory(id), bob.threads.delete(id)]) {
      expect((await failure(call)).status).toBe(404);
    }
    expect((await failure(bob.runs.wait(id, 'workflow', { input: { topic: 'x' } }))).status).toBe(404);
    await client.threads.delete(id);
    expect((await failure(client.threads.get(id))).status).toBe(404);
  });

  it('RemoteGraph invokes and streams on a thread as the caller', async () => {
    const remote = new RemoteGraph({ graphId: 'workflow', client: clientFor(alice) as never });
    const config = { configurable: { thread_id: `remote-${randomUUID()}` } };
    const out = (await remote.invoke({ topic: 'relay races' }, config)) as Report;
    expect(out.topic).toBe('relay races');
    const nodes: string[] = [];
    for await (const chunk of await remote.stream({ topic: 'second run' }, { ...config, streamMode: 'updates' })) {
      nodes.push(...Object.keys(chunk as object));
    }
    expect(nodes).toEqual(expect.arrayContaining(['research', 'write', 'review']));
    expect((await remote.getState(config)).values).toMatchObject({ topic: 'second run' });
  });

  it('refuses a forged context caller (422), no token and hostile tokens (401), eve without the scope (403)', async () => {
    const forged = { caller: { sub: 'bob', iss: stack.urls.issuer } };
    const r = await failure(clientFor(alice).runs.wait(null, 'workflow', { input: { topic: 'x' }, context: forged }));
    expect(r.status).toBe(422);
    expect(r.text).toContain('PLATFORM_CONTEXT_REFUSED');
    expect((await failure(clientFor(undefined).assistants.search())).status).toBe(401);
    // A sample of hostile tokens: unsigned, another service's audience, expired-shaped garbage.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke', exp: 4e9 })}.`;
    const research = await stack.token('alice', { audience: 'agent-research' });
    for (const hostile of [unsigned, research, `${alice.slice(0, -4)}AAAA`, 'x'.repeat(5000)]) {
      const r = await failure(clientFor(hostile).runs.wait(null, 'workflow', { input: { topic: 'x' } }));
      expect(r.status).toBe(401);
      expect(r.text).not.toContain(hostile.slice(0, 40));
    }
    const eve = clientFor(await stack.token('eve'));
    const denied = await failure(eve.runs.wait(null, 'workflow', { input: { topic: 'x' } }));
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('AUTH_INSUFFICIENT_SCOPE');
  });

  /** Writer calls the writer agent saw aborted (its own log line): the stop crossed the process boundary. */
  const writerAborts = () =>
    stack.logs().filter((l) => l.service === 'agent-writer' && l.code === 'REQUEST_ABORTED' && l.level === 'warn').length;

  it('a stream whose client leaves (useStream’s Stop: on_disconnect cancel) stops the writer agent’s call', async () => {
    const client = clientFor(alice);
    const { thread_id: id } = await client.threads.create();
    const before = writerAborts();
    const stop = new AbortController();
    let runId = '';
    try {
      for await (const e of client.runs.stream(id, 'workflow', {
        input: { topic: 'stop me while writing' },
        streamMode: ['values', 'messages-tuple'],
        onDisconnect: 'cancel',
        signal: stop.signal,
        onRunCreated: (r) => void (runId = r.run_id),
      })) {
        if (e.event === 'messages') stop.abort();
      }
    } catch {
      // the aborted fetch
    }
    await until('the writer’s aborted call', () => writerAborts() > before);
    await until('the run record', () => runId !== '');
    let run = await client.runs.get(id, runId);
    for (let i = 0; i < 50 && run.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = await client.runs.get(id, runId);
    }
    expect(run.status).toBe('interrupted');
  });

  it('a background run: joinStream from -1, reconnect with Last-Event-ID, cancel reaches the writer', async () => {
    const client = clientFor(alice);
    const { thread_id: id } = await client.threads.create();
    const run = await client.runs.create(id, 'workflow', { input: { topic: 'background runs' }, streamMode: ['updates', 'custom'] });
    const first: Array<{ event: string; id?: string }> = [];
    const stop = new AbortController();
    try {
      for await (const e of client.runs.joinStream(id, run.run_id, { lastEventId: '-1', signal: stop.signal })) {
        first.push(e);
        if (e.event === 'custom') stop.abort();
      }
    } catch {
      // the aborted fetch
    }
    const before = writerAborts();
    const rest: Array<{ event: string; id?: string; data: unknown }> = [];
    for await (const e of client.runs.joinStream(id, run.run_id, { lastEventId: first.at(-1)!.id! })) {
      rest.push(e);
      if (rest.length === 2) await client.runs.cancel(id, run.run_id);
    }
    const seqs = [...first, ...rest].map((e) => Number(e.id!.split(':')[1]));
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(rest.at(-1)).toMatchObject({ event: 'error', data: { error: 'RUNNABLE_RUN_CANCELLED' } });
    await until('the writer’s aborted call', () => writerAborts() > before);
    expect(await client.runs.get(id, run.run_id)).toMatchObject({ status: 'interrupted' });
    expect((await failure(clientFor(await stack.token('bob')).runs.get(id, run.run_id))).status).toBe(404);
  });

  it('puts no raw token in any log line', () => {
    const logs = stack.lines.join('\n');
    expect(logs).not.toContain(alice);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });
});
