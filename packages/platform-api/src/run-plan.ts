// A run's preparation, before the graph starts: the assistant, the thread (the caller's own,
// scoped to them), the input, the config with the server-set context, and the admission.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Command } from '@langchain/langgraph';
import { BatonError } from '@baton/errors';
import { PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS } from './error-codes.js';
import { isCaller, type Caller } from '@baton/identity';
import { admit, runOwnerKey, type Release } from '@baton/runnable-server';
import type { PlatformGraph, PlatformGraphRunnable, ResolvedPlatformOptions } from './options.js';
import type { RunRequest } from './run-request.js';

/** A caller's thread as the routes address it: the public id, the checkpoint key, the owner's key. */
export interface ThreadRef {
  threadId: string;
  scoped: string;
  owner: string;
  /** The owner part of `scoped` (`<owner>/`): removed from every string a response carries. */
  hide: string;
}

export interface RunPlan {
  runId: string;
  graph: PlatformGraphRunnable;
  input: unknown;
  /** The graph's config: caller in `context`, the scoped thread in `configurable`, signal, run id. */
  config: Record<string, unknown>;
  thread?: ThreadRef;
  abort: AbortController;
  /** Gives the admission back and frees the thread (once). */
  release: Release;
  /** The route's path of this run (`Content-Location`). */
  location: string;
}

export function callerOf(req: Request): Caller {
  const auth = (req as Request & { auth?: unknown }).auth;
  if (!isCaller(auth)) throw new BatonError('SERVER_INTERNAL', 'route reached without authentication', { expose: false });
  return auth;
}

export function graphOf(opts: ResolvedPlatformOptions, assistantId: string): PlatformGraph {
  const g = opts.graphs.get(assistantId);
  if (!g) throw new BatonError(PLATFORM_ERRORS.PLATFORM_ASSISTANT_NOT_FOUND, 'No such assistant');
  return g;
}

/** The caller's thread `threadId` (validated by the thread scoping; 400 when threads are off). */
export function threadRef(opts: ResolvedPlatformOptions, caller: Caller, threadId: string): ThreadRef {
  if (!opts.threads) throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREADS_DISABLED, 'threads are off (CHECKPOINTER=none)');
  const scoped = opts.threads.scopedThreadId(caller, threadId);
  const owner = opts.threads.ownerKey(caller);
  return { threadId, scoped, owner, hide: scoped.slice(0, scoped.length - threadId.length) };
}

/** Threads with a run in progress in this process (multitask `reject`). */
export class BusyThreads {
  private readonly busy = new Set<string>();

  has(scoped: string): boolean {
    return this.busy.has(scoped);
  }

  /** Marks the thread busy, or throws 409 `PLATFORM_THREAD_BUSY`; returns the function that frees it. */
  take(scoped: string): () => void {
    if (this.busy.has(scoped)) {
      throw new BatonError(PLATFORM_ERRORS.PLATFORM_THREAD_BUSY, 'The thread already has a run in progress (multitask_strategy reject)');
    }
    this.busy.add(scoped);
    return () => this.busy.delete(scoped);
  }
}

function validInput(graph: PlatformGraph, input: unknown, threaded: boolean): unknown {
  if (input === null) {
    if (!threaded) throw new BatonError('RUNNABLE_INPUT_INVALID', 'input may be null only on a thread (it continues the thread)');
    return null;
  }
  if (!graph.inputSchema) return input;
  const parsed = graph.inputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: ['input', ...i.path.map(String)], message: i.message }));
    throw new BatonError('RUNNABLE_INPUT_INVALID', 'The input does not match the graph input schema', { detail: issues });
  }
  return parsed.data;
}

/**
 * The thread a run on `/threads/{id}/runs/...` uses: the caller's own; one that does not exist is
 * 404 unless `if_not_exists: "create"` (then it is indexed, under the quota). `input: null`
 * needs a thread with state to continue.
 */
async function prepareThread(opts: ResolvedPlatformOptions, graph: PlatformGraphRunnable, ref: ThreadRef, request: RunRequest) {
  const manager = opts.threads!.manager;
  const existing = await manager.get(ref.owner, ref.threadId);
  if (!existing) {
    if (request.ifNotExists !== 'create') throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such thread');
    await manager.begin(ref.scoped);
  }
  if (request.input === null) {
    const snapshot = await graph.getState({ configurable: { thread_id: ref.scoped } });
    if (!snapshot.createdAt)
      throw new BatonError('RUNNABLE_INPUT_INVALID', 'input null continues a thread, and this thread has no state yet');
  }
}

/** Everything before the graph starts; throws a BatonError (an HTTP status) for anything refused. */
export async function planRun(
  opts: ResolvedPlatformOptions,
  busy: BusyThreads,
  /** Cancels the run in progress on a thread and resolves once it stopped (multitask `interrupt`). */
  interruptRunning: (scoped: string) => Promise<void>,
  req: Request,
  request: RunRequest,
  threadId: string | undefined,
): Promise<RunPlan> {
  const caller = callerOf(req);
  const assistant = graphOf(opts, request.assistantId);
  const ref = threadId === undefined ? undefined : threadRef(opts, caller, threadId);
  const graph = ref ? assistant.threadedGraph : assistant.graph;
  if (!graph) throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREADS_DISABLED, 'threads are off for this graph');
  if (!ref && (request.interruptBefore || request.interruptAfter)) {
    throw new BatonError(
      PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED,
      'interrupt_before / interrupt_after need a thread (a stateless run cannot be resumed)',
    );
  }
  if (request.command && !ref) {
    throw new BatonError(
      PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED,
      'command: a command continues a thread (a stateless run has nothing to resume)',
    );
  }
  // A command acts on the caller's own thread only (its checkpoint key is theirs): resume, goto, update.
  const input = request.command ? new Command(request.command) : validInput(assistant, request.input, ref !== undefined);
  if (ref) await prepareThread(opts, graph, ref, request);
  if (ref && request.multitaskStrategy === 'interrupt' && busy.has(ref.scoped)) await interruptRunning(ref.scoped);
  const free = ref ? busy.take(ref.scoped) : () => {};
  let admitted: Release;
  try {
    admitted = await admit(opts.runs, opts.limiter, runOwnerKey(caller), 1);
  } catch (err) {
    free();
    throw err;
  }
  const release = async () => {
    free();
    await admitted();
  };
  const runId = randomUUID();
  const abort = new AbortController();
  const limit = assistant.maxRecursionLimit ?? 25;
  const config: Record<string, unknown> = {
    runId,
    signal: abort.signal,
    context: { caller },
    recursionLimit: Math.min(request.recursionLimit ?? limit, limit),
    ...(request.tags ? { tags: request.tags } : {}),
    // A thread's checkpoints are written before the next step starts, whatever the client asks.
    ...(ref ? { configurable: { thread_id: ref.scoped }, durability: 'sync' } : {}),
    ...(request.interruptBefore ? { interruptBefore: request.interruptBefore } : {}),
    ...(request.interruptAfter ? { interruptAfter: request.interruptAfter } : {}),
  };
  const location = ref ? `/threads/${encodeURIComponent(ref.threadId)}/runs/${runId}` : `/runs/${runId}`;
  return { runId, graph, input, config, ...(ref ? { thread: ref } : {}), abort, release, location };
}
