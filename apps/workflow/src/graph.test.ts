import { RunnableLambda } from '@langchain/core/runnables';
import { MemorySaver } from '@langchain/langgraph';
import { isBatonError, BatonError } from '@baton/errors';
import { Caller, tokenFingerprint } from '@baton/identity';
import { createWorkflowGraph, type WorkflowAgents } from './graph.js';
import { WorkflowRunnable, type WorkflowChunk } from './runnable.js';
import { scopedThreadId } from '@baton/workflow-server/threads';

/** The Caller requireAuth would make for `sub`. */
const caller = (sub: string) =>
  new Caller({
    token: `token-of-${sub}`,
    principal: {
      sub,
      iss: 'i',
      aud: ['workflow'],
      scope: ['workflow:invoke'],
      exp: 4_102_444_800,
      token_fp: tokenFingerprint(`token-of-${sub}`),
    },
  });
const ctx = { context: { caller: caller('alice') } } as never;
const source = (id: string) => ({ id, title: `T ${id}`, url: `https://docs.baton.local/${id}`, excerpt: `about ${id}`, score: 1 });

function agents(overrides: Partial<WorkflowAgents> = {}, seen: unknown[] = []): WorkflowAgents {
  return {
    research: RunnableLambda.from(async (input: { topic: string }, config) => {
      seen.push((config as { context?: { caller?: Caller } }).context?.caller?.sub);
      return { sources: [source('a'), source('b')], topic: input.topic };
    }) as never,
    writer: RunnableLambda.from(async function* (input: { topic: string; notes?: string[] }) {
      for (const w of ['Report ', 'on ', input.topic, input.notes ? ' (revised)' : '', ' [1][2]']) yield w;
    }) as never,
    reviewer: RunnableLambda.from(async (input: { report: string }) => ({
      approved: input.report.includes('(revised)'),
      notes: input.report.includes('(revised)') ? [] : ['mention the revision'],
    })) as never,
    ...overrides,
  };
}

describe('workflow graph', () => {
  it('runs research, write, review and revises until the reviewer approves', async () => {
    const graph = createWorkflowGraph({ agents: agents() });
    const out = await new WorkflowRunnable({ graph }).invoke({ topic: 'tokens' }, ctx);
    expect(out.report).toBe('Report on tokens (revised) [1][2]');
    expect(out.review).toEqual({ approved: true, notes: [] });
    expect(out.revisions).toBe(1);
    expect(out.sources.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('stops after maxRevisions even when the reviewer never approves', async () => {
    const reviewer = RunnableLambda.from(async () => ({ approved: false, notes: ['no'] }));
    const graph = createWorkflowGraph({ agents: agents({ reviewer: reviewer as never }), maxRevisions: 2 });
    const out = await new WorkflowRunnable({ graph }).invoke({ topic: 'x' }, ctx);
    expect(out.review?.approved).toBe(false);
    expect(out.revisions).toBe(2);
  });

  it('streams node updates, each writer delta as it comes, and the output last', async () => {
    const graph = createWorkflowGraph({ agents: agents() });
    const chunks: WorkflowChunk[] = [];
    for await (const c of await new WorkflowRunnable({ graph }).stream({ topic: 'tokens' }, ctx)) chunks.push(c as WorkflowChunk);
    const deltas = chunks.filter((c) => c.event === 'delta');
    expect(deltas.length).toBeGreaterThanOrEqual(8);
    expect(chunks[0]).toMatchObject({ event: 'update', node: 'research' });
    expect(chunks.at(-1)).toMatchObject({ event: 'output', output: { revisions: 1 } });
    // a delta of the first draft comes before the first review update
    const firstDelta = chunks.findIndex((c) => c.event === 'delta');
    const firstReview = chunks.findIndex((c) => c.event === 'update' && c.node === 'review');
    expect(firstDelta).toBeLessThan(firstReview);
  });

  it("carries the reviewer's structured notes to the writer and into the output unchanged", async () => {
    const notes = [
      { kind: 'cite', source: 2, problem: 'missing', message: 'Cite source [2] ("T b") at least once.' },
      { kind: 'length', minChars: 400, actualChars: 30, message: 'Expand the report to at least 400 characters (it has 30).' },
      { kind: 'other', message: 'Suggestion: fewer adjectives.' },
    ];
    const received: unknown[] = [];
    const writer = RunnableLambda.from(async function* (input: { notes?: unknown[] }) {
      received.push(input.notes);
      yield 'Report [1][2]';
    });
    const reviewer = RunnableLambda.from(async () => ({
      approved: false,
      notes,
      checks: { citations: false, length: false, coverage: true },
    }));
    const graph = createWorkflowGraph({ agents: agents({ writer: writer as never, reviewer: reviewer as never }), maxRevisions: 1 });
    const out = await new WorkflowRunnable({ graph }).invoke({ topic: 'tokens' }, ctx);
    expect(received).toEqual([undefined, notes]);
    expect(out.review).toEqual({ approved: false, notes, checks: { citations: false, length: false, coverage: true } });
  });

  it('reads a checkpoint saved when notes had `text`: the writer and the output get `message`', async () => {
    const saver = new MemorySaver();
    const received: unknown[] = [];
    const writer = RunnableLambda.from(async function* (input: { notes?: unknown[] }) {
      received.push(input.notes);
      yield 'Report [1]';
    });
    const reviewer = RunnableLambda.from(async () => ({
      approved: true,
      notes: [],
      checks: { citations: true, length: true, coverage: true },
    }));
    const threadedGraph = createWorkflowGraph({
      agents: agents({ writer: writer as never, reviewer: reviewer as never }),
      checkpointer: saver,
    });
    const wf = new WorkflowRunnable({ graph: createWorkflowGraph({ agents: agents() }), threadedGraph });
    const saved = (approved: boolean) => ({
      topic: 'tokens',
      sources: [source('a')],
      report: 'Old report',
      // the shape an older release checkpointed: `text`, not `message`
      verdict: {
        approved,
        notes: [
          { kind: 'cover', term: 'mtls', text: 'Cover the topic term "mtls".' },
          { kind: 'other', text: 'Shorter.' },
        ],
      },
      revisions: 0,
    });
    const current = [
      { kind: 'cover', term: 'mtls', message: 'Cover the topic term "mtls".' },
      { kind: 'other', message: 'Shorter.' },
    ];
    const run = async (thread: string, approved: boolean) => {
      const config = { configurable: { thread_id: thread } };
      await threadedGraph.updateState(config, saved(approved), 'review');
      return wf.invoke(null as never, { ...(ctx as object), ...config } as never);
    };
    // sent back for changes: the writer gets the saved notes in the current shape
    await run('k/sent-back', false);
    expect(received).toEqual([current]);
    // a finished thread answers its saved state again: the output's notes are current too
    const done = await run('k/finished', true);
    expect(done.review?.notes).toEqual(current);
    expect(JSON.stringify(done)).not.toContain('"text"');
  });

  it('passes the per-run context to every agent call without mixing concurrent runs', async () => {
    const seen: unknown[] = [];
    const graph = createWorkflowGraph({ agents: agents({}, seen) });
    const wf = new WorkflowRunnable({ graph });
    const subs = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'alice' : 'bob'));
    const outs = await Promise.all(subs.map((sub) => wf.invoke({ topic: sub }, { context: { caller: caller(sub) } } as never)));
    expect(outs.map((o) => o.topic)).toEqual(subs);
    expect(seen.sort()).toEqual([...subs].sort());
  });

  it('turns an agent failure into WORKFLOW_NODE_FAILED naming the node', async () => {
    const research = RunnableLambda.from(async () => {
      throw new BatonError('REMOTE_UNAVAILABLE', 'research: connection refused', { status: 502 });
    });
    const graph = createWorkflowGraph({ agents: agents({ research: research as never }) });
    const err = await new WorkflowRunnable({ graph }).invoke({ topic: 'x' }, ctx).catch((e) => e);
    expect(isBatonError(err)).toBe(true);
    expect(err.code).toBe('WORKFLOW_NODE_FAILED');
    expect(err.status).toBe(502);
    expect(err.detail).toEqual({ node: 'research', cause: 'REMOTE_UNAVAILABLE' });
  });

  it('reports a refused token exchange as 403, not as an outage', async () => {
    const research = RunnableLambda.from(async () => {
      throw new BatonError('REMOTE_EXCHANGE_DENIED', 'research: exchange refused (invalid_grant)', { status: 403 });
    });
    const graph = createWorkflowGraph({ agents: agents({ research: research as never }) });
    const err = await new WorkflowRunnable({ graph }).invoke({ topic: 'x' }, ctx).catch((e) => e);
    expect(err.code).toBe('WORKFLOW_NODE_FAILED');
    expect(err.status).toBe(403);
  });

  it('keeps a thread per owner: the same thread_id of another user is a different thread', async () => {
    const saver = new MemorySaver();
    const threadedGraph = createWorkflowGraph({ agents: agents(), checkpointer: saver });
    const wf = new WorkflowRunnable({ graph: createWorkflowGraph({ agents: agents() }), threadedGraph });
    const alice = scopedThreadId({ iss: 'i', sub: 'alice' }, 't1');
    const bob = scopedThreadId({ iss: 'i', sub: 'bob' }, 't1');
    expect(alice).not.toBe(bob);
    await wf.invoke({ topic: 'secret plans' }, { context: { caller: caller('alice') }, configurable: { thread_id: alice } } as never);
    expect((await threadedGraph.getState({ configurable: { thread_id: alice } })).values.topic).toBe('secret plans');
    expect((await threadedGraph.getState({ configurable: { thread_id: bob } })).values).toEqual({});
  });

  it('refuses to run without a caller in the context', async () => {
    const graph = createWorkflowGraph({ agents: agents() });
    const wf = new WorkflowRunnable({ graph });
    await expect(wf.invoke({ topic: 'x' })).rejects.toThrow(/no authenticated caller/);
    // a copy of a caller (JSON, spread) is not one: it carries no token
    await expect(wf.invoke({ topic: 'x' }, { context: { caller: { ...caller('alice') } } } as never)).rejects.toThrow(
      /no authenticated caller/,
    );
  });

  it('rejects thread ids with characters outside the allowed set', () => {
    expect(() => scopedThreadId({ iss: 'i', sub: 'a' }, '../x')).toThrow(expect.objectContaining({ code: 'WORKFLOW_THREAD_ID_INVALID' }));
    expect(() => scopedThreadId({ iss: 'i', sub: 'a' }, 'x'.repeat(129))).toThrow();
  });
});
