import { RunnableLambda } from '@langchain/core/runnables';
import { MemorySaver } from '@langchain/langgraph';
import { Caller, tokenFingerprint } from '@baton/identity';
import { createWorkflowGraph, type WorkflowAgents, type WorkflowGraph } from './graph.js';
import { WorkflowRunnable, type WorkflowChunk } from './runnable.js';

const caller = new Caller({
  token: 'token-of-alice',
  principal: {
    sub: 'alice',
    iss: 'i',
    aud: ['workflow'],
    scope: ['workflow:invoke'],
    exp: 4_102_444_800,
    token_fp: tokenFingerprint('token-of-alice'),
  },
});
const source = (id: string) => ({ id, title: `T ${id}`, url: `https://docs.baton.local/${id}`, excerpt: `about ${id}`, score: 0.5 });

/** A stand-in for a compiled graph: records each call, answers with canned state or stream items. */
function fakeGraph(state: Record<string, unknown>, items: Array<[string, unknown]> = []) {
  const calls: Array<{ method: 'invoke' | 'stream'; input: unknown; config: Record<string, unknown> }> = [];
  const graph = {
    async invoke(input: unknown, config: Record<string, unknown>) {
      calls.push({ method: 'invoke', input, config });
      return state;
    },
    async stream(input: unknown, config: Record<string, unknown>) {
      calls.push({ method: 'stream', input, config });
      return (async function* () {
        yield* items;
      })();
    },
  };
  return { graph: graph as unknown as WorkflowGraph, calls };
}

async function collect(wf: WorkflowRunnable, config: Record<string, unknown> = {}): Promise<WorkflowChunk[]> {
  const chunks: WorkflowChunk[] = [];
  for await (const c of await wf.stream({ topic: 'tokens' }, config as never)) chunks.push(c as WorkflowChunk);
  return chunks;
}

describe('WorkflowRunnable.invoke', () => {
  it('returns exactly the output shape, with review taken from the verdict', async () => {
    const verdict = { approved: true, notes: [] };
    const { graph, calls } = fakeGraph({ topic: 'tokens', report: 'R', sources: [source('a')], verdict, revisions: 1, extra: 'x' });
    const out = await new WorkflowRunnable({ graph }).invoke({ topic: 'tokens', ignored: true } as never);
    expect(out).toEqual({ topic: 'tokens', report: 'R', sources: [source('a')], review: verdict, revisions: 1 });
    // only the topic goes into the graph
    expect(calls[0]!.input).toEqual({ topic: 'tokens' });
  });

  it('fills an empty state with the output defaults', async () => {
    const { graph } = fakeGraph({});
    expect(await new WorkflowRunnable({ graph }).invoke({ topic: 't' })).toEqual({
      topic: '',
      report: '',
      sources: [],
      review: null,
      revisions: 0,
    });
  });

  it("names the run 'workflow' unless the caller named it", async () => {
    const { graph, calls } = fakeGraph({});
    const wf = new WorkflowRunnable({ graph });
    await wf.invoke({ topic: 't' }, { context: { caller } } as never);
    await wf.invoke({ topic: 't' }, { runName: 'mine' });
    expect(calls[0]!.config.runName).toBe('workflow');
    expect((calls[0]!.config.context as { caller: unknown }).caller).toBe(caller);
    expect(calls[1]!.config.runName).toBe('mine');
  });

  it('runs on the threaded graph only when a thread_id is given and threads are on', async () => {
    const plain = fakeGraph({ topic: 'plain' });
    const threaded = fakeGraph({ topic: 'threaded' });
    const wf = new WorkflowRunnable({ graph: plain.graph, threadedGraph: threaded.graph });
    expect((await wf.invoke({ topic: 't' })).topic).toBe('plain');
    expect((await wf.invoke({ topic: 't' }, { configurable: { other: 1 } })).topic).toBe('plain');
    expect((await wf.invoke({ topic: 't' }, { configurable: { thread_id: 'k/t1' } })).topic).toBe('threaded');
    expect(threaded.calls[0]!.config.configurable).toEqual({ thread_id: 'k/t1' });

    const off = new WorkflowRunnable({ graph: plain.graph });
    expect((await off.invoke({ topic: 't' }, { configurable: { thread_id: 'k/t1' } })).topic).toBe('plain');
  });

  it('keeps state across runs of a thread on a real checkpointed graph, none without a thread', async () => {
    const agents: WorkflowAgents = {
      research: RunnableLambda.from(async () => ({ sources: [source('a')] })) as never,
      writer: RunnableLambda.from(async function* (input: { topic: string }) {
        yield `Report on ${input.topic} [1]`;
      }) as never,
      reviewer: RunnableLambda.from(async () => ({ approved: true, notes: [] })) as never,
    };
    const saver = new MemorySaver();
    const threadedGraph = createWorkflowGraph({ agents, checkpointer: saver });
    const wf = new WorkflowRunnable({ graph: createWorkflowGraph({ agents }), threadedGraph });
    await wf.invoke({ topic: 'unthreaded' }, { context: { caller } } as never);
    expect(saver.storage).toEqual({});
    await wf.invoke({ topic: 'threaded' }, { context: { caller }, configurable: { thread_id: 'k/t1' } } as never);
    expect((await threadedGraph.getState({ configurable: { thread_id: 'k/t1' } })).values).toMatchObject({
      topic: 'threaded',
      report: 'Report on threaded [1]',
    });
  });
});

describe('WorkflowRunnable stream', () => {
  it('asks the graph for updates, custom and values', async () => {
    const { graph, calls } = fakeGraph({}, []);
    await collect(new WorkflowRunnable({ graph }), { context: { caller } });
    expect(calls[0]).toMatchObject({ method: 'stream', input: { topic: 'tokens' } });
    expect(calls[0]!.config.streamMode).toEqual(['updates', 'custom', 'values']);
    expect((calls[0]!.config.context as { caller: unknown }).caller).toBe(caller);
  });

  it('summarises each node update instead of repeating the state', async () => {
    const review = { approved: false, notes: [{ kind: 'other', message: 'more' }] };
    const { graph } = fakeGraph({}, [
      ['updates', { research: { sources: [source('a'), source('b')] } }],
      ['updates', { write: { report: 'x'.repeat(42), revisions: 1 } }],
      ['updates', { review: { verdict: review } }],
      ['updates', { review: {} }],
      ['updates', { write: {} }],
      ['updates', { research: null }],
      ['updates', { someOtherNode: { topic: 'secret' } }],
    ]);
    const chunks = await collect(new WorkflowRunnable({ graph }));
    expect(chunks.slice(0, -1)).toEqual([
      {
        event: 'update',
        node: 'research',
        update: {
          sources: [
            { id: 'a', title: 'T a', url: 'https://docs.baton.local/a', score: 0.5 },
            { id: 'b', title: 'T b', url: 'https://docs.baton.local/b', score: 0.5 },
          ],
        },
      },
      { event: 'update', node: 'write', update: { report_chars: 42, revision: 1 } },
      { event: 'update', node: 'review', update: { review } },
      { event: 'update', node: 'review', update: { review: null } },
      { event: 'update', node: 'write', update: { report_chars: 0, revision: 0 } },
      { event: 'update', node: 'research', update: { sources: [] } },
      { event: 'update', node: 'someOtherNode', update: {} },
    ]);
    // the research summary drops the excerpts
    expect(JSON.stringify(chunks)).not.toContain('about a');
  });

  it('passes writer deltas through, with defaults, and ignores custom events without a delta', async () => {
    const { graph } = fakeGraph({}, [
      ['custom', { node: 'write', revision: 2, delta: 'Hello' }],
      ['custom', { delta: ' world' }],
      ['custom', { progress: 0.5 }],
      ['custom', { node: 'write', delta: 42 }],
    ]);
    const chunks = await collect(new WorkflowRunnable({ graph }));
    expect(chunks.filter((c) => c.event === 'delta')).toEqual([
      { event: 'delta', node: 'write', revision: 2, delta: 'Hello' },
      { event: 'delta', node: 'write', revision: 0, delta: ' world' },
    ]);
  });

  it('ends with exactly one output, from the last values seen', async () => {
    const { graph } = fakeGraph({}, [
      ['values', { topic: 'tokens', report: 'first' }],
      ['updates', { write: { report: 'second', revisions: 1 } }],
      ['values', { topic: 'tokens', report: 'second', revisions: 1, verdict: { approved: true, notes: [] } }],
    ]);
    const chunks = await collect(new WorkflowRunnable({ graph }));
    expect(chunks.filter((c) => c.event === 'output')).toHaveLength(1);
    expect(chunks.at(-1)).toEqual({
      event: 'output',
      output: { topic: 'tokens', report: 'second', sources: [], review: { approved: true, notes: [] }, revisions: 1 },
    });
  });

  it('still ends with an output when the graph yielded no values', async () => {
    const { graph } = fakeGraph({}, []);
    expect(await collect(new WorkflowRunnable({ graph }))).toEqual([
      { event: 'output', output: { topic: '', report: '', sources: [], review: null, revisions: 0 } },
    ]);
  });

  it('streams from the threaded graph only with a thread_id', async () => {
    const plain = fakeGraph({}, [['values', { topic: 'plain' }]]);
    const threaded = fakeGraph({}, [['values', { topic: 'threaded' }]]);
    const wf = new WorkflowRunnable({ graph: plain.graph, threadedGraph: threaded.graph });
    expect((await collect(wf)).at(-1)).toMatchObject({ output: { topic: 'plain' } });
    expect((await collect(wf, { configurable: { thread_id: 'k/t' } })).at(-1)).toMatchObject({ output: { topic: 'threaded' } });
  });
});

describe('WorkflowRunnable threads', () => {
  const state = { topic: 't', report: 'R', sources: [], verdict: null, revisions: 0 };

  it('runs a threaded run with synchronous checkpoint writes, whatever durability the caller asked for', async () => {
    const plain = fakeGraph(state);
    const threaded = fakeGraph(state, [['values', state]]);
    const wf = new WorkflowRunnable({ graph: plain.graph, threadedGraph: threaded.graph });
    await wf.invoke({ topic: 't' }, { configurable: { thread_id: 'o/t' }, durability: 'exit' } as never);
    await collect(wf, { configurable: { thread_id: 'o/t' }, durability: 'async' });
    await wf.invoke({ topic: 't' }, { durability: 'exit' } as never);
    expect(threaded.calls.map((c) => [c.method, c.config.durability])).toEqual([
      ['invoke', 'sync'],
      ['stream', 'sync'],
    ]);
    expect(plain.calls.map((c) => c.config.durability)).toEqual(['exit']);
  });

  it('calls afterThreadedRun once per threaded run, finished or failed, and never for an unthreaded one', async () => {
    const seen: string[] = [];
    const failing = {
      async invoke() {
        throw new Error('node failed');
      },
    } as unknown as WorkflowGraph;
    const ok = new WorkflowRunnable({
      graph: fakeGraph(state).graph,
      threadedGraph: fakeGraph(state, [['values', state]]).graph,
      afterThreadedRun: async (id) => void seen.push(id),
    });
    await ok.invoke({ topic: 't' }, { configurable: { thread_id: 'o/a' } });
    await collect(ok, { configurable: { thread_id: 'o/b' } });
    await ok.invoke({ topic: 't' });
    const bad = new WorkflowRunnable({
      graph: failing,
      threadedGraph: failing,
      afterThreadedRun: async (id) => {
        seen.push(id);
        throw new Error('prune failed');
      },
    });
    // The run's own error wins over the hook's.
    await expect(bad.invoke({ topic: 't' }, { configurable: { thread_id: 'o/c' } })).rejects.toThrow('node failed');
    expect(seen).toEqual(['o/a', 'o/b', 'o/c']);
  });

  it('reports a failing afterThreadedRun when the run itself succeeded', async () => {
    const wf = new WorkflowRunnable({
      graph: fakeGraph(state).graph,
      threadedGraph: fakeGraph(state).graph,
      afterThreadedRun: async () => {
        throw new Error('index down');
      },
    });
    await expect(wf.invoke({ topic: 't' }, { configurable: { thread_id: 'o/a' } })).rejects.toThrow('index down');
  });
});

describe('WorkflowRunnable resume (null input)', () => {
  /** Real graph and saver; the writer fails its first call (a replica dying mid-write), then works. */
  function resumable() {
    const researched: string[] = [];
    let writes = 0;
    const agents: WorkflowAgents = {
      research: RunnableLambda.from(async (input: { topic: string }) => {
        researched.push(input.topic);
        return { sources: [source('a')] };
      }) as never,
      writer: RunnableLambda.from(async function* (input: { topic: string }) {
        writes += 1;
        if (writes === 1) throw new Error('replica died mid-write');
        yield `Report on ${input.topic} [1]`;
      }) as never,
      reviewer: RunnableLambda.from(async () => ({ approved: true, notes: [] })) as never,
    };
    const threadedGraph = createWorkflowGraph({ agents, checkpointer: new MemorySaver() });
    const wf = new WorkflowRunnable({ graph: createWorkflowGraph({ agents }), threadedGraph });
    return { wf, threadedGraph, researched };
  }
  const on = (thread: string) => ({ context: { caller }, configurable: { thread_id: thread } }) as never;

  it('continues a thread from its last checkpoint without re-running the nodes before it', async () => {
    const { wf, threadedGraph, researched } = resumable();
    await expect(wf.invoke({ topic: 'crash' }, on('k/r1'))).rejects.toThrow();
    expect((await threadedGraph.getState({ configurable: { thread_id: 'k/r1' } })).next).toEqual(['write']);
    const out = await wf.invoke(null, on('k/r1'));
    expect(out).toMatchObject({ topic: 'crash', report: 'Report on crash [1]', review: { approved: true } });
    expect(researched).toEqual(['crash']);
  });

  it('streams a resumed run: the remaining nodes, then the output', async () => {
    const { wf, researched } = resumable();
    await expect(wf.invoke({ topic: 'crash' }, on('k/r2'))).rejects.toThrow();
    const chunks: WorkflowChunk[] = [];
    for await (const c of await wf.stream(null, on('k/r2'))) chunks.push(c as WorkflowChunk);
    expect(chunks.filter((c) => c.event === 'update').map((c) => (c as { node: string }).node)).toEqual(['write', 'review']);
    expect(chunks.at(-1)).toMatchObject({ event: 'output', output: { report: 'Report on crash [1]' } });
    expect(researched).toEqual(['crash']);
  });

  it('answers a finished thread with its final state again, on invoke and stream', async () => {
    const { wf, researched } = resumable();
    await expect(wf.invoke({ topic: 'done' }, on('k/r3'))).rejects.toThrow();
    const first = await wf.invoke(null, on('k/r3'));
    expect(await wf.invoke(null, on('k/r3'))).toEqual(first);
    const chunks: WorkflowChunk[] = [];
    for await (const c of await wf.stream(null, on('k/r3'))) chunks.push(c as WorkflowChunk);
    expect(chunks).toEqual([{ event: 'output', output: first }]);
    expect(researched).toEqual(['done']);
  });

  it('refuses a null input without a thread (422 RUNNABLE_INPUT_INVALID)', async () => {
    const { wf } = resumable();
    await expect(wf.invoke(null, { context: { caller } } as never)).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID', status: 422 });
    await expect(wf.stream(null, { context: { caller } } as never).then((s) => s.next())).rejects.toMatchObject({
      code: 'RUNNABLE_INPUT_INVALID',
    });
  });
});
