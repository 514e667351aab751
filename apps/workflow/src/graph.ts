import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import { END, START, StateGraph, type BaseCheckpointSaver, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { BatonError, isBatonError, type ErrorCode } from '@baton/errors';
import { isCallerRefusal } from '@baton/identity';
import type { ResearchInput, ResearchOutput, ReviewInput, ReviewOutput, WriterInput, WriterOutput } from '@baton/contract/wire';
import { WorkflowContext, WorkflowState, type WorkflowStateType } from './state.js';

/**
 * The three remote agents, as Runnables typed by `@baton/contract`'s agent input and output (in
 * production `@baton/remote` clients).
 */
export interface WorkflowAgents {
  research: Runnable<ResearchInput, ResearchOutput>;
  writer: Runnable<WriterInput, WriterOutput>;
  reviewer: Runnable<ReviewInput, ReviewOutput>;
}

export interface WorkflowGraphOptions {
  agents: WorkflowAgents;
  /** Rewrites allowed after the first draft when the reviewer asks for changes (default 2). */
  maxRevisions?: number;
  /** Sources requested from the research agent (default 5). */
  sourceLimit?: number;
  checkpointer?: BaseCheckpointSaver;
}

export type NodeName = 'research' | 'write' | 'review';

/**
 * An agent failure as the workflow reports it: names the node and the remote's error code,
 * never the remote's raw text (it could carry anything).
 */
export function nodeError(node: NodeName, cause: unknown): BatonError {
  const code: ErrorCode = isBatonError(cause) ? cause.code : 'SERVER_INTERNAL';
  // The issuer throttled this user's (or the client's) exchanges: the user is told when to retry.
  if (code === 'AUTH_EXCHANGE_RATE_LIMITED' && isBatonError(cause)) {
    return new BatonError(code, `workflow node "${node}": token exchange throttled; retry later`, {
      status: 429,
      expose: true,
      cause,
      headers: cause.headers,
      detail: { node, cause: code },
    });
  }
  // The issuer refusing to delegate the caller's token is about the caller (403), not an outage:
  // `isCallerRefusal` (@baton/identity) is the one place that decides.
  const status = code === 'REMOTE_TIMEOUT' ? 504 : isCallerRefusal(cause) ? 403 : 502;
  return new BatonError('WORKFLOW_NODE_FAILED', `workflow node "${node}" failed: ${code}`, {
    status,
    expose: true,
    cause,
    detail: { node, cause: code },
  });
}

function guarded<T>(node: NodeName, fn: (state: WorkflowStateType, config: LangGraphRunnableConfig) => Promise<T>) {
  return async (state: WorkflowStateType, config: LangGraphRunnableConfig): Promise<T> => {
    try {
      return await fn(state, config);
    } catch (err) {
      if (config.signal?.aborted) throw err;
      throw nodeError(node, err);
    }
  };
}

/**
 * The recursion limit a full run of the graph needs, the most `/workflow` lets a caller ask for:
 * research, then write + review at most `maxRevisions + 1` times; LangGraph stops a run that
 * reaches its limit, so one more than the supersteps.
 */
export function workflowRecursionLimit(maxRevisions = 2): number {
  return 1 + 2 * (maxRevisions + 1) + 1;
}

/**
 * research → write → review → (write again with the reviewer's notes, at most
 * `maxRevisions` times) → end. Every node passes its own `config` to the agent client, which
 * is how the caller's identity (in `config.context`) reaches each remote call.
 */
export function createWorkflowGraph(options: WorkflowGraphOptions) {
  const { agents } = options;
  const maxRevisions = options.maxRevisions ?? 2;
  const sourceLimit = options.sourceLimit ?? 5;
  if (!Number.isInteger(maxRevisions) || maxRevisions < 0) throw new TypeError('maxRevisions must be a non-negative integer');

  const research = guarded('research', async (state, config) => {
    const out = await agents.research.invoke({ topic: state.topic, limit: sourceLimit }, config as RunnableConfig);
    if (!out || !Array.isArray(out.sources)) throw new BatonError('REMOTE_PROTOCOL', 'research agent returned no sources list');
    return { sources: out.sources, report: '', verdict: null, revisions: 0 };
  });

  const write = guarded('write', async (state, config) => {
    const revision = state.verdict ? state.revisions + 1 : 0;
    const request = { topic: state.topic, sources: state.sources, ...(state.verdict ? { notes: state.verdict.notes, revision } : {}) };
    let report = '';
    for await (const chunk of await agents.writer.stream(request, config as RunnableConfig)) {
      const delta = typeof chunk === 'string' ? chunk : String(chunk ?? '');
      if (!delta) continue;
      report += delta;
      config.writer?.({ node: 'write', revision, delta });
    }
    return { report, revisions: revision };
  });

  const review = guarded('review', async (state, config) => {
    const verdict = await agents.reviewer.invoke(
      { topic: state.topic, report: state.report, sources: state.sources },
      config as RunnableConfig,
    );
    if (!verdict || typeof verdict.approved !== 'boolean') throw new BatonError('REMOTE_PROTOCOL', 'reviewer agent returned no verdict');
    return {
      verdict: {
        approved: verdict.approved,
        notes: Array.isArray(verdict.notes) ? verdict.notes : [],
        ...(verdict.checks ? { checks: verdict.checks } : {}),
      },
    };
  });

  const afterReview = (state: WorkflowStateType): 'write' | typeof END =>
    state.verdict?.approved || state.revisions >= maxRevisions ? END : 'write';

  return new StateGraph(WorkflowState, WorkflowContext)
    .addNode('research', research)
    .addNode('write', write)
    .addNode('review', review)
    .addEdge(START, 'research')
    .addEdge('research', 'write')
    .addEdge('write', 'review')
    .addConditionalEdges('review', afterReview, ['write', END])
    .compile(options.checkpointer ? { checkpointer: options.checkpointer } : {});
}

export type WorkflowGraph = ReturnType<typeof createWorkflowGraph>;
