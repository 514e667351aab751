import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import { END, START, StateGraph, type BaseCheckpointSaver, type LangGraphRunnableConfig, type RetryPolicy } from '@langchain/langgraph';
import { AuthError } from '@baton/auth';
import { BatonError, isBatonError, type ErrorCode } from '@baton/errors';
import { callerOf, isCallerRefusal, type Caller } from '@baton/identity';
import { isRetryableRemoteError } from '@baton/remote';
import type { ResearchInput, ResearchOutput, ReviewInput, ReviewOutput, WriterInput, WriterOutput } from '@baton/contract/wire';
import { currentVerdict, WorkflowContext, WorkflowState, type WorkflowStateType } from './state.js';

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

/**
 * Graph-level retries of the idempotent nodes, research and review (LangGraph `retryPolicy`). The
 * one layer that retries their agent calls: their clients are built with client retries off. A
 * node run is retried only on `isRetryableRemoteError` (`@baton/remote`): an unreachable agent, a
 * 502/503/504, a timeout, an issuer outage during the exchange; never a 4xx, an auth failure or
 * an abort. The writer's node has no policy: its stream is never sent twice.
 */
export interface NodeRetryOptions {
  /** Total attempts per node run, the first included (1 = no retries). Default 3. */
  maxAttempts?: number;
  /** Wait before the first retry, doubled each time. Default 500. */
  initialIntervalMs?: number;
  /** Cap of one wait, before jitter. Default 5000. */
  maxIntervalMs?: number;
  /** LangGraph's jitter: up to 1 s added to each wait at random. Default true. */
  jitter?: boolean;
  /** Told of each retry about to happen (the node, the cause's code): for a log line. */
  onRetry?: (event: { node: NodeName; cause: string; remoteStatus?: number }) => void;
}

export type NodeName = 'research' | 'write' | 'review';

/**
 * How close to its expiry a caller's token counts as expired when the issuer refused to exchange
 * it: the verifier's clock tolerance (`@baton/auth`'s default `clockToleranceSec`). The workflow
 * accepted the token inside that leeway; the issuer need not.
 */
export const EXPIRY_SKEW_SEC = 5;

/**
 * The caller's own token ran out during the run: the issuer refused the exchange, and the
 * caller's verified `exp` (not the issuer's error text) says the token is expired or within the
 * clock leeway of it. That is the caller's to fix with a fresh token: 401 invalid_token.
 */
function expiredCaller(cause: unknown, caller: Caller | undefined, nowMs: number): AuthError | undefined {
  if (!caller || !isCallerRefusal(cause) || caller.exp - EXPIRY_SKEW_SEC > nowMs / 1000) return undefined;
  return new AuthError('AUTH_TOKEN_EXPIRED', 'The access token expired during the run; retry with a fresh token', { cause });
}

/**
 * An agent failure as the workflow reports it: names the node and the remote's error code,
 * never the remote's raw text (it could carry anything). A refused exchange of a caller whose
 * token has expired (see `expiredCaller`) is 401 `AUTH_TOKEN_EXPIRED` with its challenge instead.
 */
export function nodeError(node: NodeName, cause: unknown, caller?: Caller, nowMs = Date.now()): BatonError {
  const expired = expiredCaller(cause, caller, nowMs);
  if (expired) return expired;
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

function guarded<T>(node: NodeName, now: () => number, fn: (state: WorkflowStateType, config: LangGraphRunnableConfig) => Promise<T>) {
  return async (state: WorkflowStateType, config: LangGraphRunnableConfig): Promise<T> => {
    try {
      return await fn(state, config);
    } catch (err) {
      if (config.signal?.aborted) throw err;
      throw nodeError(node, err, callerOf(config), now());
    }
  };
}

/** The agent's error behind a node failure (`nodeError` keeps it as `cause`). */
function remoteCause(err: unknown): unknown {
  return isBatonError(err) && err.code === 'WORKFLOW_NODE_FAILED' ? err.cause : err;
}

/** The LangGraph retry policy of an idempotent node (see `NodeRetryOptions`). */
export function nodeRetryPolicy(node: NodeName, options: NodeRetryOptions = {}): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError('retry.maxAttempts must be a positive integer');
  return {
    maxAttempts,
    initialInterval: options.initialIntervalMs ?? 500,
    maxInterval: options.maxIntervalMs ?? 5_000,
    backoffFactor: 2,
    jitter: options.jitter ?? true,
    // LangGraph's own warning is a console line with the error's text: our log line instead.
    logWarning: false,
    retryOn: (err) => {
      const cause = remoteCause(err);
      if (!isRetryableRemoteError(cause)) return false;
      const c = cause as BatonError & { remoteStatus?: number };
      options.onRetry?.({ node, cause: c.code, ...(c.remoteStatus !== undefined ? { remoteStatus: c.remoteStatus } : {}) });
      return true;
    },
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

  const now = options.now ?? Date.now;
  const research = guarded('research', now, async (state, config) => {
    const out = await agents.research.invoke({ topic: state.topic, limit: sourceLimit }, config as RunnableConfig);
    if (!out || !Array.isArray(out.sources)) throw new BatonError('REMOTE_PROTOCOL', 'research agent returned no sources list');
    return { sources: out.sources, report: '', verdict: null, revisions: 0 };
  });

  const write = guarded('write', now, async (state, config) => {
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
  });

  const review = guarded('review', now, async (state, config) => {
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
