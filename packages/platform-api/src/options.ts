import type { RequestHandler } from 'express';
import type { ZodType } from 'zod';
import type { Caller } from '@baton/identity';
import type { ErrorCodeSet, Logger } from '@baton/errors';
import { ActiveRuns, type RunLimiter } from '@baton/runnable-server';
import { MemoryThreadMetadata, type ThreadMetadataStore } from './thread-metadata.js';
import type { RunStoreOptions } from './run-store.js';
import { PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS } from './error-codes.js';

/**
 * The part of a compiled LangGraph graph (`StateGraph(...).compile()`) the routes use. Typed
 * loosely on purpose: any graph of any state shape is one.
 */
export interface PlatformGraphRunnable {
  stream(input: unknown, options?: unknown): Promise<AsyncIterable<unknown>>;
  streamEvents(input: unknown, options: unknown, streamOptions?: unknown): AsyncIterable<unknown>;
  getState(config: unknown): Promise<PlatformStateSnapshot>;
  getStateHistory(config: unknown, options?: unknown): AsyncIterable<PlatformStateSnapshot>;
  getGraphAsync(config?: unknown): Promise<{ toJSON(): unknown }>;
  /** `threads.updateState`: writes `values` as if `asNode` had returned them; the new checkpoint's config. */
  updateState(config: unknown, values: unknown, asNode?: string): Promise<{ configurable?: Record<string, unknown> }>;
}

/** LangGraph's `StateSnapshot`, the fields the routes read. */
export interface PlatformStateSnapshot {
  values: unknown;
  next: readonly string[];
  config: { configurable?: Record<string, unknown> };
  metadata?: unknown;
  createdAt?: string;
  parentConfig?: { configurable?: Record<string, unknown> };
  tasks: ReadonlyArray<{ id: string; name: string; error?: unknown; interrupts?: readonly unknown[] }>;
}

/** One served graph: an assistant whose `assistant_id` is its `graphId`. */
export interface PlatformGraph {
  /** The graph id, also its assistant id (`useStream({ assistantId: 'workflow' })`). */
  graphId: string;
  /** The assistant's name (default the graph id). */
  name?: string;
  description?: string;
  /** The graph without a checkpointer: stateless runs (`POST /runs/wait`, `/runs/stream`). */
  graph: PlatformGraphRunnable;
  /** The same graph with the checkpointer: runs on a thread, state and history. Absent: threads are off. */
  threadedGraph?: PlatformGraphRunnable;
  /** Validates a run's `input` (422 `RUNNABLE_INPUT_INVALID`); `null` input resumes a thread and is not validated. */
  inputSchema?: ZodType;
  /** JSON Schemas served at `GET /assistants/{id}/schemas`. */
  schemas?: { input?: unknown; output?: unknown; state?: unknown; config?: unknown; context?: unknown };
  /** The largest `recursion_limit` a run of this graph gets (a larger one is lowered); default 25. */
  maxRecursionLimit?: number;
}

/** One row of the thread index (the workflow server's `ThreadRecord` is one). */
export interface PlatformThreadRecord {
  threadId: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The thread manager the LangServe routes use (the workflow server's `ThreadManager` is one):
 * the quota at a thread's start, the history cap after a run, the owner's index.
 */
export interface PlatformThreadManager {
  /** Indexes a new thread, or throws 409 `WORKFLOW_THREAD_QUOTA_EXCEEDED` at the owner's quota. */
  begin(scopedThreadId: string): Promise<void>;
  /** After a run on the thread (finished or failed): history cap, size, `updatedAt`. */
  finish(scopedThreadId: string): Promise<void>;
  get(owner: string, threadId: string): Promise<PlatformThreadRecord | undefined>;
  list(owner: string, limit: number, cursor?: string): Promise<{ threads: PlatformThreadRecord[]; nextCursor?: string }>;
  /** Deletes the thread's checkpoints and index row; false when the owner had none. */
  remove(owner: string, threadId: string): Promise<boolean>;
}

/** Threads: the manager and the two functions that scope a caller's thread id to its owner. */
export interface PlatformThreads {
  manager: PlatformThreadManager;
  /** The owner key the index stores for a caller (never shown to anyone). */
  ownerKey(owner: { iss: string; sub: string }): string;
  /** The checkpoint key of a caller's thread (`<ownerKey>/<thread_id>`); throws 422 on an invalid id. */
  scopedThreadId(owner: { iss: string; sub: string }, threadId: unknown): string;
}

export interface PlatformApiOptions {
  /** The served graphs (at least one). */
  graphs: readonly PlatformGraph[];
  /** Middleware run before every route: `requireAuth` from `@baton/auth/express` with the service's scope (it audits). */
  auth: RequestHandler | RequestHandler[];
  /** Threads (absent: every thread route answers 400 `WORKFLOW_THREADS_DISABLED`). */
  threads?: PlatformThreads;
  /** Thread metadata (`POST /threads`, `PATCH /threads/{id}`). Default: in this process (`MemoryThreadMetadata`). */
  metadata?: ThreadMetadataStore;
  /** The run limiter the LangServe routes use, so one per-user limit holds across both surfaces. */
  limiter?: RunLimiter;
  /** The live runs the LangServe routes use (cancel, graceful shutdown). Default: its own. */
  runs?: ActiveRuns;
  /** Bounds of the run records (`runs.get`, `join`, `joinStream`), kept in this process. */
  runRecords?: RunStoreOptions;
  /** 5xx and disconnects are logged here. */
  logger?: Pick<Logger, 'warn' | 'error'>;
  /**
   * The service's own error codes (sets from `defineErrorCodes`), beside the core ones and this
   * package's (`PLATFORM_ERRORS`, `WORKFLOW_THREAD_ERRORS`, always included): a graph's error that
   * is not a BatonError but carries one of them as its `code` answers with it (the error handler,
   * a run's `error` event).
   */
  errorCodes?: readonly ErrorCodeSet[];
  /** JSON body limit (default `'1mb'`). */
  bodyLimit?: string | number;
  /** SSE `: ping` interval (default 15 000 ms). */
  pingIntervalMs?: number;
  /** How long one SSE write may wait for a reader that stopped reading (default 30 000 ms). */
  writeDeadlineMs?: number;
  /** Clock (tests). */
  now?: () => Date;
}

export interface ResolvedPlatformOptions {
  graphs: ReadonlyMap<string, PlatformGraph>;
  auth: RequestHandler[];
  threads?: PlatformThreads;
  metadata: ThreadMetadataStore;
  limiter?: RunLimiter;
  runs: ActiveRuns;
  runRecords: RunStoreOptions;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** This package's sets, then the service's own. */
  errorCodes: readonly ErrorCodeSet[];
  bodyLimit: string | number;
  pingIntervalMs: number;
  writeDeadlineMs: number;
  now: () => Date;
}

const GRAPH_ID = /^[A-Za-z0-9._-]{1,64}$/;

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`platformApi: ${name} must be a positive integer`);
  }
  return value;
}

function resolveGraphs(graphs: unknown): Map<string, PlatformGraph> {
  if (!Array.isArray(graphs) || graphs.length === 0) throw new TypeError('platformApi: graphs must name at least one graph');
  const out = new Map<string, PlatformGraph>();
  for (const g of graphs as PlatformGraph[]) {
    if (typeof g?.graphId !== 'string' || !GRAPH_ID.test(g.graphId)) {
      throw new TypeError('platformApi: a graphId must be 1-64 characters of A-Z a-z 0-9 . _ -');
    }
    if (out.has(g.graphId)) throw new TypeError(`platformApi: graph "${g.graphId}" is listed twice`);
    if (typeof g.graph?.stream !== 'function') throw new TypeError(`platformApi: graph "${g.graphId}" is not a compiled graph`);
    positiveInt(`graphs[${g.graphId}].maxRecursionLimit`, g.maxRecursionLimit, 25);
    out.set(g.graphId, g);
  }
  return out;
}

/** Validates the options at start-up: a bad one is a TypeError, never a request-time surprise. */
export function resolvePlatformOptions(options: PlatformApiOptions): ResolvedPlatformOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('platformApi: options are required');
  const auth = Array.isArray(options.auth) ? options.auth : [options.auth];
  if (auth.length === 0 || auth.some((h) => typeof h !== 'function')) {
    throw new TypeError('platformApi: auth must be middleware (requireAuth): the Platform API has no anonymous routes');
  }
  const { threads } = options;
  if (threads !== undefined && (typeof threads.scopedThreadId !== 'function' || typeof threads.manager?.begin !== 'function')) {
    throw new TypeError('platformApi: threads must be { manager, ownerKey, scopedThreadId }');
  }
  if (options.runs !== undefined && !(options.runs instanceof ActiveRuns)) throw new TypeError('platformApi: runs must be an ActiveRuns');
  return {
    graphs: resolveGraphs(options.graphs),
    auth,
    ...(threads ? { threads } : {}),
    metadata: options.metadata ?? new MemoryThreadMetadata(),
    ...(options.limiter ? { limiter: options.limiter } : {}),
    runs: options.runs ?? new ActiveRuns(),
    runRecords: { ...options.runRecords, ...(options.now ? { now: () => options.now!().getTime() } : {}) },
    ...(options.logger ? { logger: options.logger } : {}),
    errorCodes: [PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS, ...(options.errorCodes ?? [])],
    bodyLimit: options.bodyLimit ?? '1mb',
    pingIntervalMs: positiveInt('pingIntervalMs', options.pingIntervalMs, 15_000),
    writeDeadlineMs: positiveInt('writeDeadlineMs', options.writeDeadlineMs, 30_000),
    now: options.now ?? (() => new Date()),
  };
}

/** Who a request is for (`requireAuth` put it on `req.auth`). */
export type { Caller };
