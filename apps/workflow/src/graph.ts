import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import { END, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { BatonError } from '@baton/errors';
import { agentNode, guarded, nodeRetryPolicy, type NodeRetryOptions, type WorkflowAgent } from '@baton/workflow-server';
import { TOPOLOGY } from '@baton/contract/topology';
import type { ResearchInput, ResearchOutput, ReviewInput, ReviewOutput, WriterInput, WriterOutput } from '@baton/contract/wire';
import { currentVerdict, WorkflowContext, WorkflowState, type WorkflowStateType } from './state.js';

export { nodeError, nodeRetryPolicy, EXPIRY_SKEW_SEC, type NodeRetryOptions } from '@baton/workflow-server';

/**
 * The agents the workflow calls: every agent of the topology (its `<PREFIX>_*` variables and its
 * client follow from its row). The writer's client keeps its own connection retry (2 attempts,
 * never once a request was sent): its node streams and has no retry policy. The others' clients
 * never retry: their nodes' `nodeRetryPolicy` is the one layer that does.
 */
export const WORKFLOW_AGENTS: readonly WorkflowAgent[] = TOPOLOGY.agents.map((a) =>
  a.key === 'writer' ? { ...a, clientRetry: {}, coalesceStrings: true } : a,
);

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
  /** Retries of the idempotent nodes (research, review); see `NodeRetryOptions`. Default 3 attempts. */
  retry?: NodeRetryOptions;
  /** Clock for the caller's token expiry (tests). Default `Date.now`. */
  now?: () => number;
}

export type NodeName = 'research' | 'write' | 'review';

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

  const now = options.now ?? Date.now;
  const research = agentNode({
    node: 'research',
    agent: agents.research,
    now,
    input: (state: WorkflowStateType) => ({ topic: state.topic, limit: sourceLimit }),
    output: (out) => {
      if (!out || !Array.isArray(out.sources)) throw new BatonError('REMOTE_PROTOCOL', 'research agent returned no sources list');
      return { sources: out.sources, report: '', verdict: null, revisions: 0 };
    },
  });

  const write = guarded<WorkflowStateType, Partial<WorkflowStateType>>(
    'write',
    async (state, config) => {
      const revision = state.verdict ? state.revisions + 1 : 0;
      const request = {
        topic: state.topic,
        sources: state.sources,
        ...(state.verdict ? { notes: currentVerdict(state.verdict)!.notes, revision } : {}),
      };
      let report = '';
      for await (const chunk of await agents.writer.stream(request, config as RunnableConfig)) {
        const delta = typeof chunk === 'string' ? chunk : String(chunk ?? '');
        if (!delta) continue;
        report += delta;
        config.writer?.({ node: 'write', revision, delta });
      }
      return { report, revisions: revision };
    },
    now,
  );

  const review = agentNode({
    node: 'review',
    agent: agents.reviewer,
    now,
    input: (state: WorkflowStateType) => ({ topic: state.topic, report: state.report, sources: state.sources }),
    output: (verdict) => {
      if (!verdict || typeof verdict.approved !== 'boolean') throw new BatonError('REMOTE_PROTOCOL', 'reviewer agent returned no verdict');
      return {
        verdict: {
          approved: verdict.approved,
          notes: Array.isArray(verdict.notes) ? verdict.notes : [],
          ...(verdict.checks ? { checks: verdict.checks } : {}),
        },
      };
    },
  });

  const afterReview = (state: WorkflowStateType): 'write' | typeof END =>
    state.verdict?.approved || state.revisions >= maxRevisions ? END : 'write';

  return (
    new StateGraph(WorkflowState, WorkflowContext)
      .addNode('research', research, { retryPolicy: nodeRetryPolicy('research', options.retry) })
      // No retry policy: the writer's stream is never sent twice (its client retries only a
      // connection that never reached the agent).
      .addNode('write', write)
      .addNode('review', review, { retryPolicy: nodeRetryPolicy('review', options.retry) })
      .addEdge(START, 'research')
      .addEdge('research', 'write')
      .addEdge('write', 'review')
      .addConditionalEdges('review', afterReview, ['write', END])
      .compile(options.checkpointer ? { checkpointer: options.checkpointer } : {})
  );
}

export type WorkflowGraph = ReturnType<typeof createWorkflowGraph>;
