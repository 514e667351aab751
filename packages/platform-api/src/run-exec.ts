// A planned run executed: its events from the graph, its registration (cancel, shutdown), and what
// happens after it (the thread's history cap, the admission given back).
import { BatonError, errorBody, describeCause } from '@baton/errors';
import { toRunError, type ActiveRuns } from '@baton/runnable-server';
import type { ResolvedPlatformOptions } from './options.js';
import type { RunPlan } from './run-plan.js';
import type { RunRequest } from './run-request.js';
import { fromLangChainEvent, fromStreamItem, libraryModes, type PlatformEvent } from './stream-events.js';

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

/** The `error` event's data (and `runs.wait`'s `__error__`): `error` is the Baton code, as the SDK's `StreamError` names it. */
export function errorData(err: BatonError): { error: string; message: string; status_code: number } {
  return { error: err.code, message: errorBody(err).error.message, status_code: err.status };
}

/** A live Platform API run: its thread (for cancel's path check) and when it is over. */
export interface LiveRun {
  readonly scoped: string | undefined;
  readonly done: Promise<void>;
}

/** This process's live Platform API runs by id (beside `ActiveRuns`, which owns cancel and shutdown). */
export class LiveRuns {
  private readonly live = new Map<string, LiveRun>();

  constructor(private readonly runs: ActiveRuns) {}

  get(runId: string): LiveRun | undefined {
    return this.live.get(runId);
  }

  /**
   * Registers the run for cancel (by its owner only) and the shutdown drain; `onShutdown` runs at
   * the drain deadline (a stream tells its client). Returns the function that unregisters it.
   */
  register(plan: RunPlan, owner: string, onShutdown?: () => void): () => void {
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.live.set(plan.runId, { scoped: plan.thread?.scoped, done });
    const unregister = this.runs.register(plan.runId, {
      owner,
      abort: (reason) => plan.abort.abort(reason),
      ...(onShutdown ? { shutdown: onShutdown } : {}),
    });
    return () => {
      unregister();
      this.live.delete(plan.runId);
      settle();
    };
  }
}

/** After a run on a thread (finished or failed): the thread manager's history cap and index; a failure there is logged. */
export async function finishThread(opts: ResolvedPlatformOptions, plan: RunPlan): Promise<void> {
  if (!plan.thread || !opts.threads) return;
  try {
    await opts.threads.manager.finish(plan.thread.scoped);
  } catch (err) {
    opts.logger?.warn({ code: 'SERVER_INTERNAL', err: describeCause(err) }, 'platform api: after-run thread bookkeeping failed');
  }
}

/** A run failure as the client is told it (the cancel or shutdown reason, or the scrubbed failure). */
export function runFailure(err: unknown, told: BatonError | undefined): BatonError {
  return told ?? toRunError(err);
}
