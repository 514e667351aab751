import { BatonError } from '@baton/errors';

/** What a route registers for one live run. */
export interface ActiveRun {
  /** The verified caller's key (`ownerKey`); undefined when the route has no verified caller (nobody may cancel it). */
  readonly owner: string | undefined;
  /** Aborts the run (its signal reaches every agent call). */
  abort(reason: BatonError): void;
  /** At the shutdown drain deadline: a stream tells its client (`error` event) and ends. */
  shutdown?(): void;
}

/**
 * This process's live runs, by run id: what the cancel route aborts and what a graceful shutdown
 * drains. Shared by every `addRoutes` call it is given to (one per service).
 */
export class ActiveRuns {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly idleWaiters = new Set<() => void>();
  private drainingSince: number | undefined;

  /** Live runs now. */
  get size(): number {
    return this.runs.size;
  }

  /** Set once `beginDrain` ran: new runs are refused with 503 `SERVER_SHUTTING_DOWN`. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Registers a run until the returned function is called (idempotent). */
  register(runId: string, run: ActiveRun): () => void {
    this.runs.set(runId, run);
    return () => {
      if (this.runs.get(runId) !== run) return;
      this.runs.delete(runId);
      if (this.runs.size === 0) for (const w of [...this.idleWaiters]) w();
    };
  }

  /** Aborts `runId` if `owner` owns it; false for an unknown, finished or foreign run (the caller cannot tell which). */
  cancel(runId: string, owner: string): boolean {
    const run = this.runs.get(runId);
    if (!run || run.owner === undefined || run.owner !== owner) return false;
    run.abort(new BatonError('RUNNABLE_RUN_CANCELLED', 'The run was cancelled by its owner', { expose: true }));
    return true;
  }

  /** Shutdown begins: refuse new runs; live ones go on. */
  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  /** Resolves once no run is live. */
  whenIdle(): Promise<void> {
    if (this.runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.idleWaiters.delete(done);
        resolve();
      };
      this.idleWaiters.add(done);
    });
  }

  /** The drain deadline: every live stream tells its client and ends; every other run is aborted. */
  deadline(): void {
    const reason = new BatonError('SERVER_SHUTTING_DOWN', 'The service is shutting down', { expose: true });
    for (const run of [...this.runs.values()]) {
      if (run.shutdown) run.shutdown();
      else run.abort(reason);
    }
  }
}
