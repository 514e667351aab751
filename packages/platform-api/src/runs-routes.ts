// Starting runs: POST /runs/wait, /runs/stream, /runs and the same on /threads/{id}/runs. Each
// run is executed apart from its request (run-exec.ts); these routes read its record.
import type { Request, RequestHandler, Response, Router } from 'express';
import { BatonError } from '@baton/errors';
import { PLATFORM_ERRORS } from './error-codes.js';
import { runOwnerKey } from '@baton/runnable-server';
import type { ResolvedPlatformOptions } from './options.js';
import { callerOf, planRun, type BusyThreads, type RunPlan } from './run-plan.js';
import { parseRunRequest, type RunRequest } from './run-request.js';
import { errorData, startRun } from './run-exec.js';
import type { PlatformRunStore, RunRecord } from './run-store.js';
import { PlatformSse } from './sse.js';
import { toJson } from './stream-events.js';

export interface RunsContext {
  opts: ResolvedPlatformOptions;
  busy: BusyThreads;
  store: PlatformRunStore;
}

const clientClosed = () => new BatonError('REQUEST_ABORTED', 'The client closed the connection');

/** The SDK's `Run`. */
export function runShape(r: RunRecord) {
  return {
    run_id: r.runId,
    thread_id: r.threadId ?? null,
    assistant_id: r.assistantId,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    status: r.status,
    metadata: {},
    multitask_strategy: 'reject',
  };
}

/** A signal that fires when the response's client leaves before it is finished. */
function closed(res: Response): AbortSignal {
  const c = new AbortController();
  // The client may have left while the run was being planned: its `close` has fired already.
  if (!res.socket || res.socket.destroyed) c.abort();
  res.on('close', () => {
    if (!res.writableFinished) c.abort();
  });
  return c.signal;
}

/** With `on_disconnect: "cancel"` (the default here) the run stops when the client that started it leaves. */
function cancelOnClose(res: Response, plan: RunPlan, request: Pick<RunRequest, 'onDisconnect'>): void {
  if (request.onDisconnect === 'continue') return;
  closed(res).addEventListener('abort', () => {
    if (!plan.abort.signal.aborted) plan.abort.abort(clientClosed());
  });
}

/** Multitask `interrupt`: the runs in progress on the thread are cancelled (as by their owner, who this caller is) and awaited. */
async function interruptRunning(ctx: RunsContext, scoped: string): Promise<void> {
  const running = ctx.store.active(scoped);
  for (const r of running) ctx.opts.runs.cancel(r.runId, r.owner);
  await Promise.all(running.map((r) => r.done));
}

async function begin(ctx: RunsContext, req: Request, threadId: string | undefined, request: RunRequest) {
  const plan = await planRun(ctx.opts, ctx.busy, (scoped) => interruptRunning(ctx, scoped), req, request, threadId);
  return { plan, record: startRun(ctx, plan, request, runOwnerKey(callerOf(req))) };
}

/** The record's events onto an SSE response, from after `afterSeq`, until the run ends or the client leaves. */
export async function streamRecord(ctx: RunsContext, res: Response, record: RunRecord, afterSeq: number, headers: Record<string, string>) {
  const sse = new PlatformSse(res, { pingIntervalMs: ctx.opts.pingIntervalMs, writeDeadlineMs: ctx.opts.writeDeadlineMs, headers });
  const signal = closed(res);
  try {
    for await (const e of ctx.store.follow(record, afterSeq, signal)) {
      if (sse.isClosed) break;
      await sse.send(e.event, e.data, `${record.runId}:${e.seq}`);
    }
  } finally {
    sse.end();
  }
}

async function streamRun(ctx: RunsContext, req: Request, res: Response, threadId: string | undefined): Promise<void> {
  const request = parseRunRequest(req.body);
  const { plan, record } = await begin(ctx, req, threadId, request);
  cancelOnClose(res, plan, request);
  // A resumable stream tells the SDK where to reconnect (`Last-Event-ID`) if the connection drops.
  const location: Record<string, string> = request.streamResumable ? { location: `${plan.location}/stream` } : {};
  await streamRecord(ctx, res, record, -1, { 'content-location': plan.location, ...location });
}

/** The run's final values, or `{__error__}` for a run that failed (a 200: the shape the SDK raises from). */
export function outcome(record: RunRecord): unknown {
  return record.failure ? { __error__: errorData(record.failure) } : record.values;
}

/**
 * `runs.wait`: the run's final values. Everything refused before the graph starts is an HTTP
 * status; a failure of the run itself is a 200 `{__error__: {error, message}}` (LangGraph
 * Platform's shape, which the SDK raises from).
 */
async function waitRun(ctx: RunsContext, req: Request, res: Response, threadId: string | undefined): Promise<void> {
  const request: RunRequest = { ...parseRunRequest(req.body), streamModes: ['values'], subgraphs: false };
  const { plan, record } = await begin(ctx, req, threadId, request);
  cancelOnClose(res, plan, request);
  await record.done;
  if (res.destroyed || res.writableEnded) return;
  res.status(200).setHeader('content-location', plan.location);
  res.type('application/json').send(toJson(outcome(record), plan.thread?.hide));
}

/** `runs.create`: a background run; its record answers at once (join it, stream it, cancel it). */
async function createRun(ctx: RunsContext, req: Request, res: Response, threadId: string | undefined): Promise<void> {
  const request: RunRequest = { ...parseRunRequest(req.body), onDisconnect: 'continue' };
  const { plan, record } = await begin(ctx, req, threadId, request);
  res.status(200).setHeader('content-location', plan.location);
  res.json(runShape(record));
}

/** Mounts the routes that start runs on `router`, each behind `pre` (auth, then the JSON body parser). */
export function runsRoutes(router: Router, ctx: RunsContext, pre: RequestHandler[]): void {
  const thread = (req: Request) => String(req.params.thread_id);
  router.post('/runs/wait', ...pre, (req, res) => waitRun(ctx, req, res, undefined));
  router.post('/runs/stream', ...pre, (req, res) => streamRun(ctx, req, res, undefined));
  router.post('/runs', ...pre, (req, res) => createRun(ctx, req, res, undefined));
  router.post('/threads/:thread_id/runs/wait', ...pre, (req, res) => waitRun(ctx, req, res, thread(req)));
  router.post('/threads/:thread_id/runs/stream', ...pre, (req, res) => streamRun(ctx, req, res, thread(req)));
  router.post('/threads/:thread_id/runs', ...pre, (req, res) => createRun(ctx, req, res, thread(req)));
  router.post('/runs/batch', ...pre, () => {
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED, 'batches of runs are not supported yet');
  });
}
