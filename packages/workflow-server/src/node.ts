// A remote agent as a LangGraph node: the refusal-versus-outage mapping of its failures
// (`nodeError`, `guarded`), the graph-level retry policy (`nodeRetryPolicy`) and `agentNode`, which
// puts both around one agent call. The caller is read from the node's `config.context`, where the
// workflow server's routes put it; the agent client (`@baton/remote`) exchanges or forwards its token.
import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import type { LangGraphRunnableConfig, RetryPolicy } from '@langchain/langgraph';
import { AuthError } from '@baton/auth';
import { BatonError, isBatonError, type ErrorCode } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';
import { callerOf, isCallerRefusal, type Caller } from '@baton/identity';
import { isRetryableRemoteError } from '@baton/remote';

/**
 * Graph-level retries of an idempotent node that calls an agent (LangGraph `retryPolicy`): the one
 * layer that retries its agent call (the workflow server builds agent clients with client retries
 * off unless an agent's `clientRetry` says otherwise). A node run is retried only on
 * `isRetryableRemoteError` (`@baton/remote`): an unreachable agent, a 502/503/504, a timeout, an
 * issuer outage during the exchange; never a 4xx, an auth failure or an abort. Give a node whose
 * call is not idempotent (a stream that must never be sent twice) no policy.
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
  onRetry?: (event: { node: string; cause: string; remoteStatus?: number }) => void;
}

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
export function nodeError(node: string, cause: unknown, caller?: Caller, nowMs = Date.now()): BatonError {
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
  return new BatonError(WORKFLOW_ERRORS.WORKFLOW_NODE_FAILED, `workflow node "${node}" failed: ${code}`, {
    status,
    expose: true,
    cause,
    detail: { node, cause: code },
  });
}

/**
 * Wraps a node that calls agents: a failure becomes `nodeError(node, err, caller)` (the caller read
 * from `config.context`), except when the run was aborted (the abort passes through unchanged).
 */
export function guarded<S, T>(node: string, fn: (state: S, config: LangGraphRunnableConfig) => Promise<T>, now: () => number = Date.now) {
  return async (state: S, config: LangGraphRunnableConfig): Promise<T> => {
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
  return isBatonError(err) && err.code === WORKFLOW_ERRORS.WORKFLOW_NODE_FAILED ? err.cause : err;
}

/** The LangGraph retry policy of an idempotent node (see `NodeRetryOptions`). */
export function nodeRetryPolicy(node: string, options: NodeRetryOptions = {}): RetryPolicy {
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

export interface AgentNodeOptions<S, I, O, U> {
  /** The node's name, as the graph knows it: named in its errors (`detail.node`) and retry lines. */
  node: string;
  /** The agent's client (the workflow server's `agents[key]`: a `@baton/remote` Runnable). */
  agent: Runnable<I, O>;
  /** The agent's input, from the graph's state. */
  input: (state: S) => I;
  /** The state update, from the agent's output (throw a `BatonError` for an output that breaks the contract). */
  output: (result: O, state: S) => U;
  /** Clock for the caller's token expiry (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A node that calls one remote agent: `input(state)` goes to the agent with the node's own
 * `config` (the caller in `config.context` is what the client exchanges or forwards), the
 * answer becomes the update by `output`. A failure becomes `nodeError`'s: 401
 * `AUTH_TOKEN_EXPIRED`, 403 for a refused delegation, 429 for a throttled exchange, 504 for a
 * timeout, else 502 `WORKFLOW_NODE_FAILED`, naming the node and the remote's code, never its
 * text. Add it with `{ retryPolicy: nodeRetryPolicy(node) }` when the call is idempotent.
 */
export function agentNode<S, I, O, U>(options: AgentNodeOptions<S, I, O, U>) {
  const { agent, input, output } = options;
  return guarded<S, U>(
    options.node,
    async (state, config) => output(await agent.invoke(input(state), config as RunnableConfig), state),
    options.now,
  );
}
