// The official @langchain/langgraph-sdk Client and RemoteGraph against the Platform API router on a
// real listener, behind the real requireAuth.
import { Client } from '@langchain/langgraph-sdk';
import { Command } from '@langchain/langgraph';
import { RemoteGraph } from '@langchain/langgraph/remote';
import { release, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ quota: 6 });
});
afterAll(async () => {
  await h.close();
});

const clientFor = (token: string | undefined) =>
  new Client({
    apiUrl: h.url,
    apiKey: null,
    defaultHeaders: token ? { authorization: `Bearer ${token}` } : {},
    callerOptions: { maxRetries: 0 },
  });

async function collect(stream: AsyncIterable<{ event: string; data: unknown }>) {
  const out: Array<{ event: string; data: unknown }> = [];
  for await (const part of stream) out.push(part);
  return out;
}

async function status(p: Promise<unknown>): Promise<{ status: number; text: string }> {
  try {
    await p;
    return { status: 200, text: '' };
  } catch (err) {
    const e = err as { status?: number; text?: string; message?: string };
    return { status: e.status ?? -1, text: e.text ?? e.message ?? '' };
  }
}

describe('assistants', () => {
  it('serves the graph as an assistant: search, get, graph, schemas', async () => {
    const client = clientFor(h.token('alice'));
    const found = await client.assistants.search({ graphId: 'workflow' });
    expect(found.map((a) => a.assistant_id)).toEqual(['workflow']);
    const one = await client.assistants.get('workflow');
    expect(one).toMatchObject({ assistant_id: 'workflow', graph_id: 'workflow', name: 'workflow', version: 1 });
    const graph = await client.assistants.getGraph('workflow');
    expect(graph.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(['__start__', 'research', 'write', '__end__']));
    const schemas = await client.assistants.getSchemas('workflow');
    expect(schemas.input_schema).toMatchObject({ type: 'object' });
    expect((await status(client.assistants.get('nope'))).status).toBe(404);
  });
});

describe('auth', () => {
  it('answers 401 without a token, 401 for a bad one, 403 without the scope', async () => {
    expect((await status(clientFor(undefined).assistants.search())).status).toBe(401);
    expect((await status(clientFor('not.a.jwt').threads.search())).status).toBe(401);
    const eve = clientFor(h.token('eve', 'profile'));
    const r = await status(eve.runs.wait(null, 'workflow', { input: { topic: 'x' } }));
    expect(r.status).toBe(403);
    expect(r.text).toContain('AUTH_INSUFFICIENT_SCOPE');
  });
});

describe('auth per request', () => {
  it('takes the token from the Client’s onRequest hook (the React page’s pattern: a refreshed token each call)', async () => {
    let calls = 0;
    const client = new Client({
      apiUrl: h.url,
      apiKey: null,
      callerOptions: { maxRetries: 0 },
      onRequest: async (_url, init) => {
        calls += 1;
        return { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${h.token('alice')}` } };
      },
    });
    expect(await client.runs.wait(null, 'workflow', { input: { topic: 'hook' } })).toMatchObject({ by: 'alice' });
    const events = await collect(client.runs.stream(null, 'workflow', { input: { topic: 'hook' }, streamMode: 'messages-tuple' }));
    expect(events.some((e) => e.event === 'messages')).toBe(true);
    expect(calls).toBe(2);
  });
});

describe('runs', () => {
  it('runs.wait returns the final values, with the caller from the token in the run context', async () => {
    const values = (await clientFor(h.token('alice')).runs.wait(null, 'workflow', { input: { topic: 'relay' } })) as Record<
      string,
      unknown
    >;
    expect(values).toEqual({ topic: 'relay', report: 'Report on relay.', by: 'alice' });
  });

  it('refuses a forged context.caller (422) and never runs the graph', async () => {
    const before = h.seen.subs.length;
    const client = clientFor(h.token('alice'));
    const forged = { caller: { sub: 'bob', iss: h.issuer.issuer, scope: ['workflow:invoke'] } };
    const r = await status(client.runs.wait(null, 'workflow', { input: { topic: 'x' }, context: forged }));
    expect(r.status).toBe(422);
    expect(r.text).toContain('PLATFORM_CONTEXT_REFUSED');
    const s = await status(collect(client.runs.stream(null, 'workflow', { input: { topic: 'x' }, context: forged })));
    expect(s.status).toBe(422);
    expect(h.seen.subs.length).toBe(before);
  });

  it('refuses a webhook, an unsupported stream mode and a bad input with 422', async () => {
    const client = clientFor(h.token('alice'));
    expect((await status(client.runs.wait(null, 'workflow', { input: { topic: 'x' }, webhook: 'http://127.0.0.1:1/x' }))).text).toContain(
      'PLATFORM_FIELD_UNSUPPORTED',
    );
    const tasks = await status(collect(client.runs.stream(null, 'workflow', { input: { topic: 'x' }, streamMode: ['tasks'] })));
    expect(tasks).toMatchObject({ status: 422 });
    expect(tasks.text).toContain('PLATFORM_STREAM_MODE_UNSUPPORTED');
    expect((await status(client.runs.wait(null, 'workflow', { input: { nope: 1 } }))).status).toBe(422);
  });

  it('streams values, updates, custom, debug and messages-tuple with the SDK event names', async () => {
    const client = clientFor(h.token('alice'));
    const events = await collect(
      client.runs.stream(null, 'workflow', {
        input: { topic: 'modes' },
        streamMode: ['values', 'updates', 'custom', 'debug', 'messages-tuple'],
      }),
    );
    const names = new Set(events.map((e) => e.event));
    expect([...names].sort()).toEqual(['custom', 'debug', 'messages', 'metadata', 'updates', 'values']);
    expect(events[0]).toMatchObject({ event: 'metadata', data: { run_id: expect.any(String) } });
    expect(events.filter((e) => e.event === 'values').at(-1)?.data).toEqual({ topic: 'modes', report: 'Report on modes.', by: 'alice' });
    expect(events.find((e) => e.event === 'updates')?.data).toEqual({ research: { by: 'alice' } });
    const text = events
      .filter((e) => e.event === 'messages')
      .map((e) => (e.data as [{ content: string; type: string; id: string }])[0])
      .map((m) => (expect(m.type).toBe('AIMessageChunk'), m.content))
      .join('');
    expect(text).toBe('Report on modes.');
  });

  it('names subgraph events mode|namespace with stream_subgraphs', async () => {
    const client = clientFor(h.token('alice'));
    const events = await collect(
      client.runs.stream(null, 'nested', { input: { topic: 'ns' }, streamMode: ['updates', 'custom'], streamSubgraphs: true }),
    );
    const names = events.map((e) => e.event);
    expect(names).toContain('updates');
    expect(names.some((n) => /^updates\|inner:/.test(n))).toBe(true);
    expect(names.some((n) => /^custom\|inner:/.test(n))).toBe(true);
    const flat = await collect(client.runs.stream(null, 'nested', { input: { topic: 'ns' }, streamMode: ['updates', 'custom'] }));
    expect(flat.every((e) => !e.event.includes('|'))).toBe(true);
    expect((await client.assistants.search()).map((a) => a.assistant_id)).toEqual(['workflow', 'nested']);
  });

  it('streams LangChain events in mode events', async () => {
    const events = await collect(
      clientFor(h.token('alice')).runs.stream(null, 'workflow', { input: { topic: 'ev' }, streamMode: 'events' }),
    );
    const kinds = events.filter((e) => e.event === 'events').map((e) => (e.data as { event: string }).event);
    expect(kinds).toEqual(expect.arrayContaining(['on_chain_start', 'on_chain_end']));
  });

  it('reports a failed run as an error event and as runs.wait __error__', async () => {
    const client = clientFor(h.token('alice'));
    const events = await collect(client.runs.stream(null, 'workflow', { input: { topic: 'fail' } }));
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: 'WORKFLOW_NODE_FAILED', status_code: 502 } });
    await expect(client.runs.wait(null, 'workflow', { input: { topic: 'fail' } })).rejects.toThrow(/WORKFLOW_NODE_FAILED/);
  });
});

describe('threads', () => {
  it('creates, gets, searches, patches, reads state and history, and deletes the caller’s own thread', async () => {
    const client = clientFor(h.token('alice'));
    const thread = await client.threads.create({ metadata: { purpose: 'test' } });
    expect(thread).toMatchObject({ status: 'idle', metadata: { purpose: 'test' }, values: null, interrupts: {} });
    const id = thread.thread_id;
    const values = await client.runs.wait(id, 'workflow', { input: { topic: 'threads' } });
    expect(values).toMatchObject({ report: 'Report on threads.', by: 'alice' });
    const got = await client.threads.get(id);
    expect(got).toMatchObject({ thread_id: id, status: 'idle', values: { report: 'Report on threads.' } });
    const state = await client.threads.getState(id);
    expect(state.checkpoint.thread_id).toBe(id);
    expect(state.next).toEqual([]);
    const history = await client.threads.getHistory(id, { limit: 1000 });
    expect(history.length).toBeGreaterThan(2);
    const older = await client.threads.getHistory(id, {
      limit: 2,
      before: { configurable: { checkpoint_id: history[0]!.checkpoint.checkpoint_id } } as never,
    });
    expect(older[0]!.checkpoint.checkpoint_id).toBe(history[1]!.checkpoint.checkpoint_id);
    expect(history.every((s) => s.checkpoint.thread_id === id)).toBe(true);
    expect(JSON.stringify([got, state, history])).not.toContain(h.ownerKey({ iss: h.issuer.issuer, sub: 'alice' }));
    const patched = await client.threads.update(id, { metadata: { more: 1 } });
    expect(patched.metadata).toEqual({ purpose: 'test', more: 1 });
    const mine = await client.threads.search({ metadata: { purpose: 'test' } });
    expect(mine.map((t) => t.thread_id)).toContain(id);
    await client.threads.delete(id);
    expect((await status(client.threads.get(id))).status).toBe(404);
  });

  it('never shows the owner-scoped thread key in a thread run’s debug, events or values events', async () => {
    const client = clientFor(h.token('alice'));
    const { thread_id: id } = await client.threads.create();
    const debug = await collect(
      client.runs.stream(id, 'workflow', { input: { topic: 'keys' }, streamMode: ['debug', 'values', 'updates'] }),
    );
    const events = await collect(
      client.runs.stream(id, 'workflow', { input: { topic: 'keys' }, streamMode: ['events', 'messages-tuple'] }),
    );
    const key = h.ownerKey({ iss: h.issuer.issuer, sub: 'alice' });
    const text = JSON.stringify([debug, events]);
    expect(text).toContain(id);
    expect(text).not.toContain(key);
    expect(debug.some((e) => e.event === 'debug')).toBe(true);
    expect(events.some((e) => e.event === 'events')).toBe(true);
  });

  it('keeps threads to their owner: another user gets 404 everywhere', async () => {
    const alice = clientFor(h.token('alice'));
    const bob = clientFor(h.token('bob'));
    const { thread_id: id } = await alice.threads.create();
    await alice.runs.wait(id, 'workflow', { input: { topic: 'private' } });
    expect((await status(bob.threads.get(id))).status).toBe(404);
    expect((await status(bob.threads.getState(id))).status).toBe(404);
    expect((await status(bob.threads.getHistory(id))).status).toBe(404);
    expect((await status(bob.threads.delete(id))).status).toBe(404);
    expect((await status(bob.runs.wait(id, 'workflow', { input: { topic: 'x' } }))).status).toBe(404);
    expect((await bob.threads.search()).map((t) => t.thread_id)).not.toContain(id);
    // if_not_exists create makes bob his own thread of that name, not alice's.
    const bobs = await bob.runs.wait(id, 'workflow', { input: { topic: 'mine' }, ifNotExists: 'create' });
    expect(bobs).toMatchObject({ by: 'bob', topic: 'mine' });
    expect(await alice.threads.getState(id)).toMatchObject({ values: { topic: 'private', by: 'alice' } });
  });

  it('create if_exists raise is 409, do_nothing returns the thread; the quota applies', async () => {
    const client = clientFor(h.token('carol'));
    await client.threads.create({ threadId: 't-1' });
    expect((await status(client.threads.create({ threadId: 't-1' }))).status).toBe(409);
    expect((await client.threads.create({ threadId: 't-1', ifExists: 'do_nothing' })).thread_id).toBe('t-1');
    for (let i = 2; i <= 6; i++) await client.threads.create({ threadId: `t-${i}` });
    const over = await status(client.threads.create({ threadId: 't-7' }));
    expect(over.status).toBe(409);
    expect(over.text).toContain('WORKFLOW_THREAD_QUOTA_EXCEEDED');
  });

  it('continues a thread with input null, and refuses it on a thread with no state', async () => {
    const client = clientFor(h.token('dave'));
    const { thread_id: id } = await client.threads.create();
    expect((await status(client.runs.wait(id, 'workflow', { input: null }))).status).toBe(422);
    await client.runs.wait(id, 'workflow', { input: { topic: 'again' } });
    expect(await client.runs.wait(id, 'workflow', { input: null })).toMatchObject({ topic: 'again', by: 'dave' });
  });

  it('stops a thread run at interrupt_before and continues it with input null', async () => {
    const client = clientFor(h.token('dave'));
    const { thread_id: id } = await client.threads.create();
    const first = await client.runs.wait(id, 'workflow', { input: { topic: 'gate' }, interruptBefore: ['write'] });
    expect(first).toEqual({ topic: 'gate', report: '', by: 'dave', __interrupt__: [] });
    expect(await client.threads.get(id)).toMatchObject({ status: 'interrupted' });
    expect((await client.threads.getState(id)).next).toEqual(['write']);
    expect(await client.runs.wait(id, 'workflow', { input: null })).toMatchObject({ report: 'Report on gate.' });
    expect(await client.threads.get(id)).toMatchObject({ status: 'idle' });
    expect((await status(client.runs.wait(null, 'workflow', { input: { topic: 'x' }, interruptBefore: ['write'] }))).status).toBe(422);
  });

  it('stops at interrupt() and resumes with command.resume; a command needs a thread with state', async () => {
    const client = clientFor(h.token('dave'));
    const { thread_id: id } = await client.threads.create();
    expect((await status(client.runs.wait(id, 'workflow', { command: { resume: 'yes' } }))).status).toBe(422);
    const first = (await client.runs.wait(id, 'workflow', { input: { topic: 'ask:a' } })) as Record<string, unknown>;
    expect(first).toMatchObject({ topic: 'ask:a', report: '', __interrupt__: [{ value: { question: 'approve ask:a?' } }] });
    const thread = await client.threads.get(id);
    expect(thread.status).toBe('interrupted');
    expect(Object.values(thread.interrupts).flat()).toEqual([expect.objectContaining({ value: { question: 'approve ask:a?' } })]);
    const state = await client.threads.getState(id);
    expect(state.tasks[0]).toMatchObject({
      name: 'write',
      interrupts: [expect.objectContaining({ value: { question: 'approve ask:a?' } })],
    });
    const events = await collect(client.runs.stream(id, 'workflow', { command: { resume: 'yes' }, streamMode: ['values'] }));
    expect(events.at(-1)).toMatchObject({ event: 'values', data: { report: 'Report on ask:a. (yes)' } });
    expect((await client.threads.get(id)).status).toBe('idle');
    expect((await status(client.runs.wait(null, 'workflow', { command: { resume: 'x' } }))).status).toBe(422);
    expect((await status(client.runs.wait(id, 'workflow', { input: { topic: 'x' }, command: { resume: 'x' } }))).status).toBe(422);
  });

  it('a command update and goto act on the caller’s own thread only', async () => {
    const alice = clientFor(h.token('alice'));
    const bob = clientFor(h.token('bob'));
    const { thread_id: id } = await alice.threads.create();
    await alice.runs.wait(id, 'workflow', { input: { topic: 'mine' } });
    expect((await status(bob.runs.wait(id, 'workflow', { command: { update: { topic: 'hijack' }, goto: 'write' } }))).status).toBe(404);
    const redone = await alice.runs.wait(id, 'workflow', { command: { update: { topic: 'edited' }, goto: 'write' } });
    expect(redone).toMatchObject({ topic: 'edited', report: 'Report on edited.', by: 'alice' });
  });

  it('updateState writes the caller’s own thread only', async () => {
    const alice = clientFor(h.token('alice'));
    const { thread_id: id } = await alice.threads.create();
    await alice.runs.wait(id, 'workflow', { input: { topic: 'state' } });
    expect((await status(clientFor(h.token('bob')).threads.updateState(id, { values: { report: 'hijacked' } }))).status).toBe(404);
    const updated = await alice.threads.updateState(id, { values: { report: 'edited by hand' }, asNode: 'write' });
    const { checkpoint } = updated as unknown as { checkpoint: { thread_id: string } };
    expect(updated.configurable).toMatchObject({ thread_id: id });
    expect(checkpoint).toMatchObject({ thread_id: id, checkpoint_id: expect.any(String) });
    expect((await alice.threads.getState(id)).values).toMatchObject({ report: 'edited by hand', by: 'alice' });
    expect(JSON.stringify(checkpoint)).not.toContain(h.ownerKey({ iss: h.issuer.issuer, sub: 'alice' }));
  });

  it('cancels the caller’s own run on a thread; another user’s cancel is 404', async () => {
    const client = clientFor(h.token('frank'));
    const { thread_id: id } = await client.threads.create();
    let runId: string | undefined;
    const aborted = h.seen.aborted;
    const stream = client.runs.stream(id, 'workflow', { input: { topic: 'slow' }, onRunCreated: (r) => void (runId = r.run_id) });
    const events: Array<{ event: string; data: unknown }> = [];
    for await (const e of stream) {
      events.push(e);
      if (e.event === 'metadata') {
        expect((await status(clientFor(h.token('bob')).runs.cancel(id, runId!))).status).toBe(404);
        await client.runs.cancel(id, runId!);
      }
    }
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: 'RUNNABLE_RUN_CANCELLED' } });
    expect(h.seen.aborted).toBe(aborted + 1);
  });
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('background runs and run records', () => {
  it('creates a run, lists and gets it, joins it, and replays its events from -1', async () => {
    const client = clientFor(h.token('erin'));
    const { thread_id: id } = await client.threads.create();
    const run = await client.runs.create(id, 'workflow', { input: { topic: 'background' }, streamMode: ['values', 'custom'] });
    expect(run).toMatchObject({ thread_id: id, assistant_id: 'workflow', status: 'running' });
    expect(await client.runs.join(id, run.run_id)).toEqual({ topic: 'background', report: 'Report on background.', by: 'erin' });
    expect(await client.runs.get(id, run.run_id)).toMatchObject({ run_id: run.run_id, status: 'success' });
    expect((await client.runs.list(id)).map((r) => r.run_id)).toContain(run.run_id);
    const replay = await collect(client.runs.joinStream(id, run.run_id, { lastEventId: '-1' }));
    expect(replay[0]).toMatchObject({ event: 'metadata', data: { run_id: run.run_id } });
    expect(
      replay
        .filter((e) => e.event === 'custom')
        .map((e) => (e.data as { delta: string }).delta)
        .join(''),
    ).toBe('Report on background.');
    const bob = clientFor(h.token('bob'));
    expect((await status(bob.runs.get(id, run.run_id))).status).toBe(404);
    expect((await status(collect(bob.runs.joinStream(id, run.run_id)))).status).toBe(404);
    expect((await status(client.runs.get(id, '00000000-0000-4000-8000-000000000000'))).status).toBe(404);
  });

  it('joinStream reconnects with Last-Event-ID: every event once, none lost', async () => {
    const client = clientFor(h.token('erin'));
    const { thread_id: id } = await client.threads.create();
    const run = await client.runs.create(id, 'workflow', { input: { topic: 'hold:rejoin' }, streamMode: ['values', 'updates', 'custom'] });
    await until('the held run', () => h.seen.holds.has('rejoin'));
    const first: Array<{ event: string; id?: string }> = [];
    const stop = new AbortController();
    for await (const e of client.runs.joinStream(id, run.run_id, { lastEventId: '-1', signal: stop.signal })) {
      first.push(e);
      if (first.length === 2) stop.abort();
    }
    release(h.seen, 'rejoin');
    const rest = await collect(client.runs.joinStream(id, run.run_id, { lastEventId: first.at(-1)!.id! }));
    const all = [...first, ...rest] as Array<{ event: string; id?: string; data: unknown }>;
    const seqs = all.map((e) => Number(e.id!.split(':')[1]));
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(all.at(-1)).toMatchObject({ event: 'values', data: { report: 'Report on hold:rejoin.' } });
    h.seen.holds.delete('rejoin');
  });

  it('on_disconnect continue keeps a streamed run going after its client leaves; the default cancels it', async () => {
    const client = clientFor(h.token('erin'));
    const { thread_id: id } = await client.threads.create();
    let runId = '';
    const stop = new AbortController();
    const started = collect(
      client.runs.stream(id, 'workflow', {
        input: { topic: 'hold:continue' },
        onDisconnect: 'continue',
        signal: stop.signal,
        onRunCreated: (r) => void (runId = r.run_id),
      }),
    ).catch(() => []);
    await until('the held run', () => h.seen.holds.has('continue') && runId !== '');
    stop.abort();
    await started;
    release(h.seen, 'continue');
    expect(await client.runs.join(id, runId)).toMatchObject({ report: 'Report on hold:continue.' });
    const aborted = h.seen.aborted;
    const stop2 = new AbortController();
    let runId2 = '';
    const second = collect(
      client.runs.stream(id, 'workflow', {
        input: { topic: 'hold:cancel' },
        signal: stop2.signal,
        onRunCreated: (r) => void (runId2 = r.run_id),
      }),
    ).catch(() => []);
    await until('the second held run', () => h.seen.holds.has('cancel') && runId2 !== '');
    stop2.abort();
    await second;
    await until('the abort', () => h.seen.aborted === aborted + 1);
    expect(await client.runs.join(id, runId2)).toMatchObject({ __error__: { error: 'REQUEST_ABORTED' } });
    expect(await client.runs.get(id, runId2)).toMatchObject({ status: 'interrupted' });
  });
});

describe('multitask strategies', () => {
  it('reject (default) is 409 while a run is in progress; interrupt cancels it first; enqueue and rollback are 422', async () => {
    const client = clientFor(h.token('erin'));
    const { thread_id: id } = await client.threads.create();
    const first = await client.runs.create(id, 'workflow', { input: { topic: 'hold:mt' } });
    await until('the held run', () => h.seen.holds.has('mt'));
    const busy = await status(client.runs.wait(id, 'workflow', { input: { topic: 'second' } }));
    expect(busy.status).toBe(409);
    expect(busy.text).toContain('PLATFORM_THREAD_BUSY');
    for (const strategy of ['enqueue', 'rollback'] as const) {
      expect((await status(client.runs.wait(id, 'workflow', { input: { topic: 'x' }, multitaskStrategy: strategy }))).status).toBe(422);
    }
    const aborted = h.seen.aborted;
    const second = await client.runs.wait(id, 'workflow', { input: { topic: 'second' }, multitaskStrategy: 'interrupt' });
    expect(second).toMatchObject({ topic: 'second', report: 'Report on second.' });
    expect(h.seen.aborted).toBe(aborted + 1);
    expect(await client.runs.get(id, first.run_id)).toMatchObject({ status: 'interrupted' });
    h.seen.holds.delete('mt');
  });
});

describe('RemoteGraph', () => {
  it('invokes and streams on a thread (if_not_exists create), as the caller', async () => {
    const client = clientFor(h.token('rg'));
    const remote = new RemoteGraph({ graphId: 'workflow', client: client as never });
    const config = { configurable: { thread_id: 'remote-1' } };
    const out = (await remote.invoke({ topic: 'remote' }, config)) as Record<string, unknown>;
    expect(out).toEqual({ topic: 'remote', report: 'Report on remote.', by: 'rg' });
    const chunks: unknown[] = [];
    for await (const c of await remote.stream({ topic: 'again' }, { ...config, streamMode: 'updates' })) chunks.push(c);
    expect(chunks).toEqual([{ research: { by: 'rg' } }, { write: { report: 'Report on again.' } }]);
    const state = await remote.getState(config);
    expect(state.values).toMatchObject({ topic: 'again' });
    expect(state.config.configurable?.thread_id).toBe('remote-1');
  });

  it('raises GraphInterrupt at interrupt() and resumes with a Command', async () => {
    const remote = new RemoteGraph({ graphId: 'workflow', client: clientFor(h.token('rg')) as never });
    const config = { configurable: { thread_id: 'remote-ask' } };
    await expect(remote.invoke({ topic: 'ask:remote' }, config)).rejects.toMatchObject({ name: 'GraphInterrupt' });
    const out = (await remote.invoke(new Command({ resume: 'approved' }), config)) as Record<string, unknown>;
    expect(out).toMatchObject({ report: 'Report on ask:remote. (approved)' });
  });
});
