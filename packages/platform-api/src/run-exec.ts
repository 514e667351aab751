// A planned run executed apart from any one request: its events go to its record in the run store
// (which `runs.stream`, `joinStream` and `join` read), it is registered for cancel and the
// shutdown drain, and after it the thread's history cap runs and the admission is given back.
import { BatonError, errorBody, describeCause } from '@baton/errors';
import { toldAbort, toRunError } from '@baton/runnable-server';
import type { ResolvedPlatformOptions } from './options.js';
import type { RunPlan } from './run-plan.js';
import type { RunRequest } from './run-request.js';
import type { PlatformRunStore, RunRecord, RunStatus } from './run-store.js';
import { fromLangChainEvent, fromStreamItem, libraryModes, toJson, type PlatformEvent } from './stream-events.js';

/** The graph's events for the requested stream modes. */
export async function* runEvents(plan: RunPlan, request: Pick<RunRequest, 'streamModes' | 'subgraphs'>): AsyncGenerator<PlatformEvent> {
  const eventPlan = { runId: plan.runId, modes: request.streamModes, subgraphs: request.subgraphs };
  const options = { ...plan.config, streamMode: libraryModes(request.streamModes), ...(request.subgraphs ? { subgraphs: true } : {}) };
  if (request.streamModes.includes('events')) {
    for await (const event of plan.graph.streamEvents(plan.input, { ...options, version: 'v2' }))
      yield* fromLangChainEvent(event, eventPlan);
    return;
  }
  for await (const item of await plan.graph.stream(plan.input, options)) yield* fromStreamItem(item, eventPlan);
}

/** The `error` event's data (and `__error__`'s): `error` is the Baton code, as the SDK's `StreamError` names it. */
export function errorData(err: BatonError): { error: string; message: string; status_code: number } {
  return { error: err.code, message: errorBody(err).error.message, status_code: err.status };
}

/**
 * LangGraph streams a run stopped at an interrupt as a last `values` chunk holding only
 * `__interrupt__`: the run's values are the state's with it merged (LangGraph Platform's shape).
 */
export function mergeValues(last: unknown, next: unknown): unknown {
  const onlyInterrupt = typeof next === 'object' && next !== null && Object.keys(next).length === 1 && '__interrupt__' in next;
  return onlyInterrupt && typeof last === 'object' && last !== null ? { ...last, ...next } : next;
}

export interface ExecContext {
  opts: ResolvedPlatformOptions;
  store: PlatformRunStore;
}

/** After a run on a thread (finished or failed): the thread manager's history cap and index; a failure there is logged. */
async function finishThread(opts: ResolvedPlatformOptions, plan: RunPlan): Promise<void> {
  if (!plan.thread || !opts.threads) return;
  try {
    await opts.threads.manager.finish(plan.thread.scoped);
  } catch (err) {
    opts.logger?.warn({ code: 'SERVER_INTERNAL', err: describeCause(err) }, 'platform api: after-run thread bookkeeping failed');
  }
}

/** The graph's events into the record; returns the run's final status. */
async function pump(ctx: ExecContext, plan: RunPlan, request: RunRequest, record: RunRecord): Promise<RunStatus> {
  const requested = request.streamModes;
  const modes = requested.includes('values') ? requested : [...requested, 'values' as const];
  const put = (event: string, data: unknown) => ctx.store.append(record, event, toJson(data, plan.thread?.hide));
  const { signal } = plan.abort;
  try {
    put('metadata', { run_id: plan.runId, attempt: 1 });
    for await (const e of runEvents(plan, { streamModes: modes, subgraphs: request.subgraphs })) {
      if (signal.aborted) break;
      if (e.event === 'values') {
        record.values = mergeValues(record.values, e.data);
        if (!requested.includes('values')) continue;
      }
      put(e.event, e.data);
    }
    if (!signal.aborted) return 'success';
  } catch (err) {
    if (!signal.aborted) {
      const be = toRunError(err, ctx.opts.errorCodes);
      if (be.status >= 500)
        ctx.opts.logger?.error({ route: 'platform/runs', code: be.code, err: describeCause(be.cause ?? err) }, 'run failed');
      record.failure = be;
      put('error', errorData(be));
      return 'error';
    }
  }
  // Stopped: cancelled or shut down (the client is told), or its client left (nobody to tell).
  const told = toldAbort(signal.reason);
  record.failure = told ?? new BatonError('REQUEST_ABORTED', 'The client closed the connection');
  if (told) put('error', errorData(told));
  else ctx.opts.logger?.warn({ route: 'platform/runs', code: 'REQUEST_ABORTED' }, 'client disconnected; run aborted');
  return 'interrupted';
}

/**
 * Starts the planned run now, apart from the request that asked for it, and returns its record.
 * It is registered with the live runs (cancel by its owner; at the shutdown deadline it is
 * aborted with `SERVER_SHUTTING_DOWN`, which its readers receive as an `error` event).
 */
export function startRun(ctx: ExecContext, plan: RunPlan, request: RunRequest, owner: string): RunRecord {
  const record = ctx.store.create({
    runId: plan.runId,
    threadId: plan.thread?.threadId,
    scoped: plan.thread?.scoped,
    owner,
    assistantId: request.assistantId,
  });
  const unregister = ctx.opts.runs.register(plan.runId, { owner, abort: (reason) => plan.abort.abort(reason) });
  ctx.store.setStatus(record, 'running');
  void (async () => {
    let status: RunStatus = 'error';
    try {
      status = await pump(ctx, plan, request, record);
    } finally {
      unregister();
      await finishThread(ctx.opts, plan);
      await plan.release();
      ctx.store.finish(record, status);
    }
  })().catch((err: unknown) =>
    ctx.opts.logger?.error({ route: 'platform/runs', code: 'SERVER_INTERNAL', err: describeCause(err) }, 'run failed'),
  );
  return record;
}
