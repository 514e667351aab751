// POST /runs/wait, /runs/stream, /threads/{id}/runs/wait, /threads/{id}/runs/stream, and cancel.
import type { Request, Response, Router, RequestHandler } from 'express';
import { BatonError } from '@baton/errors';
import { runOwnerKey, toldAbort } from '@baton/runnable-server';
import type { ResolvedPlatformOptions } from './options.js';
import { callerOf, planRun, threadRef, type BusyThreads, type RunPlan } from './run-plan.js';
import { parseRunRequest, type RunRequest } from './run-request.js';
import { errorData, finishThread, runEvents, runFailure, type LiveRuns } from './run-exec.js';
import { PlatformSse } from './sse.js';
import { toJson } from './stream-events.js';

const clientClosed = () => new BatonError('REQUEST_ABORTED', 'The client closed the connection');

interface RunsContext {
  opts: ResolvedPlatformOptions;
  busy: BusyThreads;
  live: LiveRuns;
}

/** The run stops as soon as its client leaves (`on_disconnect: "cancel"`, the only behaviour here). */
function abortOnClose(res: Response, plan: RunPlan): void {
  res.on('close', () => {
    if (!res.writableFinished && !plan.abort.signal.aborted) plan.abort.abort(clientClosed());
  });
}

async function streamRun(ctx: RunsContext, req: Request, res: Response, threadId: string | undefined): Promise<void> {
  const request = parseRunRequest(req.body);
  const plan = await planRun(ctx.opts, ctx.busy, req, request, threadId);
  const { opts } = ctx;
  const sse = new PlatformSse(res, {
    pingIntervalMs: opts.pingIntervalMs,
    writeDeadlineMs: opts.writeDeadlineMs,
    headers: { 'content-location': plan.location },
  });
  abortOnClose(res, plan);
  let seq = 0;
  let ended = false;
  const hide = plan.thread?.hide;
  const emit = async (event: string, data: unknown) => {
    if (ended) return;
    if (event === 'error') ended = true;
    await sse.send(event, toJson(data, hide), `${plan.runId}:${seq++}`);
  };
  const unregister = ctx.live.register(plan, runOwnerKey(callerOf(req)), () => {
    const reason = new BatonError('SERVER_SHUTTING_DOWN', 'The service is shutting down', { expose: true });
    void emit('error', errorData(reason)).finally(() => sse.end());
    plan.abort.abort(reason);
  });
  try {
    await pumpRun(ctx, plan, request, sse, emit);
  } finally {
    unregister();
    await finishThread(opts, plan);
    await plan.release();
    sse.end();
  }
}

async function pumpRun(
  ctx: RunsContext,
  plan: RunPlan,
  request: RunRequest,
  sse: PlatformSse,
  emit: (event: string, data: unknown) => Promise<void>,
): Promise<void> {
  try {
    await emit('metadata', { run_id: plan.runId, attempt: 1 });
    for await (const e of runEvents(plan, request)) {
      if (sse.isClosed || plan.abort.signal.aborted) break;
      await emit(e.event, e.data);
    }
    const told = toldAbort(plan.abort.signal.reason);
    if (told) await emit('error', errorData(told));
  } catch (err) {
    const told = toldAbort(plan.abort.signal.reason);
    const be = runFailure(err, told);
    if (!told && (sse.isClosed || plan.abort.signal.aborted)) {
      ctx.opts.logger?.warn({ route: 'platform/runs/stream', code: 'REQUEST_ABORTED' }, 'client disconnected; run aborted');
      return;
    }
    if (be.status >= 500) ctx.opts.logger?.error({ route: 'platform/runs/stream', code: be.code }, 'run failed');
    await emit('error', errorData(be));
  }
}

/**
 * LangGraph streams a run stopped at an interrupt as a last `values` chunk holding only
 * `__interrupt__`: `runs.wait` answers the state's values with it (LangGraph Platform's shape).
 */
function mergeValues(last: unknown, next: unknown): unknown {
  const onlyInterrupt = typeof next === 'object' && next !== null && Object.keys(next).length === 1 && '__interrupt__' in next;
  return onlyInterrupt && typeof last === 'object' && last !== null ? { ...last, ...next } : next;
}

/**
 * `runs.wait`: the run's final values. Everything refused before the graph starts is an HTTP
 * status; a failure of the run itself is a 200 `{__error__: {error, message}}`, the shape the
 * SDK raises from (as LangGraph Platform answers it).
 */
async function waitRun(ctx: RunsContext, req: Request, res: Response, threadId: string | undefined): Promise<void> {
  const request: RunRequest = { ...parseRunRequest(req.body), streamModes: ['values'], subgraphs: false };
  const plan = await planRun(ctx.opts, ctx.busy, req, request, threadId);
  abortOnClose(res, plan);
  const unregister = ctx.live.register(plan, runOwnerKey(callerOf(req)));
  let last: unknown = null;
  let failure: BatonError | undefined;
  try {
    for await (const e of runEvents(plan, request)) if (e.event === 'values') last = mergeValues(last, e.data);
  } catch (err) {
    failure = runFailure(err, toldAbort(plan.abort.signal.reason));
  } finally {
    unregister();
    await finishThread(ctx.opts, plan);
    await plan.release();
  }
  if (res.destroyed || (plan.abort.signal.aborted && !toldAbort(plan.abort.signal.reason))) return;
  res.status(200).setHeader('content-location', plan.location);
  res.type('application/json').send(toJson(failure ? { __error__: errorData(failure) } : last, plan.thread?.hide));
}

/**
 * `POST /threads/{id}/runs/{run_id}/cancel`: the caller's own live run on that thread (in this
 * process), aborted with every agent call it has open: 202, or 204 once it stopped (`wait=1`).
 * An unknown, finished, foreign or other-thread run is the same 404.
 */
async function cancelRun(ctx: RunsContext, req: Request, res: Response): Promise<void> {
  const caller = callerOf(req);
  const ref = threadRef(ctx.opts, caller, String(req.params.thread_id));
  const runId = String(req.params.run_id);
  if (req.query.action !== undefined && req.query.action !== 'interrupt') {
    throw new BatonError('PLATFORM_FIELD_UNSUPPORTED', 'action: only interrupt is supported (rollback is not yet)');
  }
  const live = ctx.live.get(runId);
  if (!live || live.scoped !== ref.scoped || !ctx.opts.runs.cancel(runId, runOwnerKey(caller))) {
    throw new BatonError('RUNNABLE_RUN_NOT_FOUND', 'No such run');
  }
  if (req.query.wait === '1' || req.query.wait === 'true') {
    await live.done;
    res.status(204).end();
    return;
  }
  res.status(202).json({ run_id: runId, status: 'cancelling' });
}

/** Mounts the run routes on `router`, each behind `pre` (auth, then the JSON body parser). */
export function runsRoutes(router: Router, ctx: RunsContext, pre: RequestHandler[]): void {
  const thread = (req: Request) => String(req.params.thread_id);
  router.post('/runs/wait', ...pre, (req, res) => waitRun(ctx, req, res, undefined));
  router.post('/runs/stream', ...pre, (req, res) => streamRun(ctx, req, res, undefined));
  router.post('/threads/:thread_id/runs/wait', ...pre, (req, res) => waitRun(ctx, req, res, thread(req)));
  router.post('/threads/:thread_id/runs/stream', ...pre, (req, res) => streamRun(ctx, req, res, thread(req)));
  router.post('/threads/:thread_id/runs/:run_id/cancel', ...pre, (req, res) => cancelRun(ctx, req, res));
  const notYet: RequestHandler = () => {
    throw new BatonError('PLATFORM_FIELD_UNSUPPORTED', 'background runs are not supported yet: use runs.wait or runs.stream');
  };
  router.post(['/runs', '/threads/:thread_id/runs', '/runs/batch'], ...pre, notYet);
}

export type { RunsContext };
