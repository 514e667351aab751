// The Platform API's run records (`runs.get`, `runs.list`, `join`, `joinStream`): each run's status
// and its events, in this process, bounded per run, per owner and in time. Kept apart from the
// LangServe routes' resume buffer.
import { BatonError } from '@baton/errors';

export type RunStatus = 'pending' | 'running' | 'error' | 'success' | 'timeout' | 'interrupted';

export interface StoredEvent {
  seq: number;
  event: string;
  /** JSON text, already stripped of the owner-scoped thread key. */
  data: string;
}

export interface RunRecord {
  readonly runId: string;
  /** The caller's own thread id (absent for a stateless run). */
  readonly threadId: string | undefined;
  readonly scoped: string | undefined;
  /** `runOwnerKey` of the caller. */
  readonly owner: string;
  readonly assistantId: string;
  readonly createdAt: Date;
  updatedAt: Date;
  status: RunStatus;
  /** The last `values` chunk (with `__interrupt__` merged): what `join` and `runs.wait` answer. */
  values: unknown;
  /** The run's failure as the client is told it. */
  failure: BatonError | undefined;
  readonly done: Promise<void>;
}

interface Entry {
  record: RunRecord;
  events: StoredEvent[];
  /** Seq of `events[0]` (older events were dropped at the per-run byte cap or after the event retention). */
  firstSeq: number;
  nextSeq: number;
  bytes: number;
  finishedAt: number | undefined;
  waiters: Set<() => void>;
  settle: () => void;
}

export interface RunStoreOptions {
  /** Records kept per owner (finished ones are dropped oldest first). Default 100. */
  maxRunsPerOwner?: number;
  /** Records kept in all (finished ones are dropped oldest first). Default 10 000. */
  maxRuns?: number;
  /** Event bytes kept per run; past it the oldest events are dropped. Default 1 MiB. */
  maxBytesPerRun?: number;
  /** How long a finished run's events stay joinable. Default 60 000 ms. */
  eventRetentionMs?: number;
  /** How long a finished run's record (status, values) is kept. Default 600 000 ms. */
  retentionMs?: number;
  now?: () => number;
}

const ACTIVE: ReadonlySet<RunStatus> = new Set(['pending', 'running']);

export class PlatformRunStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxRunsPerOwner: number;
  private readonly maxRuns: number;
  private readonly maxBytesPerRun: number;
  private readonly eventRetentionMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(options: RunStoreOptions = {}) {
    this.maxRunsPerOwner = options.maxRunsPerOwner ?? 100;
    this.maxRuns = options.maxRuns ?? 10_000;
    for (const [name, v] of Object.entries({ maxRunsPerOwner: this.maxRunsPerOwner, maxRuns: this.maxRuns })) {
      if (!Number.isInteger(v) || v <= 0) throw new TypeError(`PlatformRunStore: ${name} must be a positive integer`);
    }
    this.maxBytesPerRun = options.maxBytesPerRun ?? 1024 * 1024;
    this.eventRetentionMs = options.eventRetentionMs ?? 60_000;
    this.retentionMs = options.retentionMs ?? 600_000;
    this.now = options.now ?? Date.now;
  }

  /** A new pending run; the owner's oldest finished runs are dropped past the per-owner cap. */
  create(init: Pick<RunRecord, 'runId' | 'threadId' | 'scoped' | 'owner' | 'assistantId'>): RunRecord {
    this.sweep();
    const mine = [...this.entries.values()].filter((e) => e.record.owner === init.owner);
    for (const old of mine.filter((e) => e.finishedAt !== undefined)) {
      if (mine.length < this.maxRunsPerOwner) break;
      this.entries.delete(old.record.runId);
      mine.splice(mine.indexOf(old), 1);
    }
    for (const [id, old] of this.entries) {
      if (this.entries.size < this.maxRuns) break;
      if (old.finishedAt !== undefined) this.entries.delete(id);
    }
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    const at = new Date(this.now());
    const record: RunRecord = { ...init, createdAt: at, updatedAt: at, status: 'pending', values: null, failure: undefined, done };
    this.entries.set(init.runId, {
      record,
      events: [],
      firstSeq: 0,
      nextSeq: 0,
      bytes: 0,
      finishedAt: undefined,
      waiters: new Set(),
      settle,
    });
    return record;
  }

  /** The owner's run, or undefined (unknown, expired or another owner's: the same answer). */
  get(runId: string, owner: string): RunRecord | undefined {
    this.sweep();
    const e = this.entries.get(runId);
    return e && e.record.owner === owner ? e.record : undefined;
  }

  /** The owner's runs on one thread, newest first. */
  list(owner: string, scoped: string, options: { limit: number; offset: number; status?: string }): RunRecord[] {
    this.sweep();
    return [...this.entries.values()]
      .map((e) => e.record)
      .filter((r) => r.owner === owner && r.scoped === scoped && (options.status === undefined || r.status === options.status))
      .reverse()
      .slice(options.offset, options.offset + options.limit);
  }

  /** The seq of the run's last event so far (`-1` when none): where a live-only join starts. */
  position(record: RunRecord): number {
    return (this.entries.get(record.runId)?.nextSeq ?? 0) - 1;
  }

  /** The thread's pending or running runs. */
  active(scoped: string): RunRecord[] {
    return [...this.entries.values()].map((e) => e.record).filter((r) => r.scoped === scoped && ACTIVE.has(r.status));
  }

  /** Whether the thread has a pending or running run. */
  busy(scoped: string): boolean {
    return [...this.entries.values()].some((e) => e.record.scoped === scoped && ACTIVE.has(e.record.status));
  }

  append(record: RunRecord, event: string, data: string): void {
    const e = this.entries.get(record.runId);
    if (!e || e.finishedAt !== undefined) return;
    e.events.push({ seq: e.nextSeq++, event, data });
    e.bytes += data.length + event.length;
    while (e.bytes > this.maxBytesPerRun && e.events.length > 1) {
      const dropped = e.events.shift()!;
      e.bytes -= dropped.data.length + dropped.event.length;
      e.firstSeq = dropped.seq + 1;
    }
    record.updatedAt = new Date(this.now());
    this.wake(e);
  }

  setStatus(record: RunRecord, status: RunStatus): void {
    record.status = status;
    record.updatedAt = new Date(this.now());
  }

  finish(record: RunRecord, status: RunStatus): void {
    const e = this.entries.get(record.runId);
    this.setStatus(record, status);
    if (!e) return;
    e.finishedAt = this.now();
    e.settle();
    this.wake(e);
  }

  /** Deletes a finished run of the owner's; false when there is none (a live run cannot be deleted). */
  delete(runId: string, owner: string): boolean {
    const e = this.entries.get(runId);
    if (!e || e.record.owner !== owner || e.finishedAt === undefined) return false;
    return this.entries.delete(runId);
  }

  /**
   * The run's events after `afterSeq` (`-1`: from the oldest kept), then live ones as they come,
   * until the run is finished or `signal` aborts.
   */
  async *follow(record: RunRecord, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    let next = afterSeq + 1;
    for (;;) {
      const e = this.entries.get(record.runId);
      if (!e || signal?.aborted) return;
      next = Math.max(next, e.firstSeq);
      const i = next - e.firstSeq;
      if (i < e.events.length) {
        yield e.events[i]!;
        next += 1;
        continue;
      }
      if (e.finishedAt !== undefined) return;
      await new Promise<void>((resolve) => {
        e.waiters.add(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private wake(e: Entry): void {
    const waiters = [...e.waiters];
    e.waiters.clear();
    for (const w of waiters) w();
  }

  /** Drops finished runs' events after the event retention, and their records after the retention. */
  private sweep(): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.finishedAt === undefined) continue;
      if (now - e.finishedAt > this.retentionMs) this.entries.delete(id);
      else if (now - e.finishedAt > this.eventRetentionMs && e.events.length > 0) {
        e.firstSeq = e.nextSeq;
        e.events = [];
        e.bytes = 0;
      }
    }
  }
}
