/** One SSE event of a run as it went on the wire: its id is `${runId}:${seq}`; `data` is JSON text (absent: no data line). */
export interface RunEvent {
  readonly seq: number;
  readonly event: string;
  readonly data?: string;
}

/** The producer's side of one run in a registry: what the stream handler writes to. */
export interface RunEventLog {
  /** Records the run's next event (seq one more than the last). After eviction it is a no-op. */
  append(event: RunEvent): void;
  /** The run wrote its last event (`end` or `error`): it stays resumable for the retention window, then it is dropped. */
  finish(): void;
  /** Readers currently attached by `resume` (the original connection is not counted). */
  readonly readers: number;
  /** Called whenever `readers` changes (the stream handler uses it for its grace window). */
  onReaders(listener: (readers: number) => void): void;
}

/** A resumed reader: the events after the requested id, then live ones until the run finishes. */
export interface RunResume {
  /** Ends after the run's last event; ends early (without it) when the reader falls behind the buffer or the run is evicted. */
  readonly events: AsyncIterable<RunEvent>;
  /** Detaches the reader (idempotent); a pending read ends. */
  close(): void;
}

export interface RunResumeQuery {
  runId: string;
  /** The verified caller's key (`ownerKey`): only the run's owner may resume it. */
  owner: string;
  /** The route the run was started on (`stream`, `stream_log` or `stream_events`). */
  route: string;
  /** The sequence number of the last event the client has (from `Last-Event-ID`). */
  after: number;
}

/**
 * Where SSE runs keep their events so a client can resume with `Last-Event-ID`. The in-process
 * `MemoryRunRegistry` is the default; a shared store (Redis, for replicas) implements the same.
 */
export interface RunRegistry {
  /** Registers a new run; its events are buffered from now on. */
  start(run: { runId: string; owner: string; route: string }): RunEventLog;
  /**
   * A reader for the events after `after`, or undefined (the client gets 204) when the run is
   * unknown (never seen, evicted, past retention), belongs to another owner or route, `after`
   * is not a sequence number the run has (a future one, or one already dropped from the
   * bounded buffer), or the run has finished and nothing follows `after`.
   */
  resume(query: RunResumeQuery): Promise<RunResume | undefined>;
  /** Drops every run and its timers. */
  close(): void;
}

export interface MemoryRunRegistryOptions {
  /** How long a finished run stays resumable (default 60 000 ms). */
  retentionMs?: number;
  /**
   * Most runs kept, live and finished (default 1 000). Past it a run is taken from the owner who
   * holds the most (their oldest finished run first, then their oldest live one): a new owner's
   * run never pushes out another owner's run that is within retention while the registry has room.
   */
  maxRuns?: number;
  /**
   * Most runs one owner keeps, live and finished (default a tenth of `maxRuns`, at least 1): past
   * it the owner's own oldest finished run goes first, then their oldest live one.
   */
  maxRunsPerOwner?: number;
  /** Most events buffered per run (default 10 000); past it the oldest events are dropped. */
  maxEventsPerRun?: number;
  /** Most buffered characters of `data` per run (default 1 MiB); past it the oldest events are dropped. */
  maxBytesPerRun?: number;
  /** Most buffered characters of `data` over all runs (default 32 MiB); past it whole runs are dropped, oldest finished first. */
  maxBytesTotal?: number;
}

/** The key of a verified caller: its issuer and subject. */
export function ownerKey(principal: { iss: string; sub: string }): string {
  return JSON.stringify([principal.iss, principal.sub]);
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `<run_id>:<seq>` → its parts; undefined when malformed. */
export function parseEventId(id: string): { runId: string; seq: number } | undefined {
  const colon = id.lastIndexOf(':');
  if (colon < 0) return undefined;
  const runId = id.slice(0, colon);
  const seqText = id.slice(colon + 1);
  if (!RUN_ID.test(runId) || !/^(0|[1-9][0-9]{0,14})$/.test(seqText)) return undefined;
  return { runId, seq: Number(seqText) };
}

export function eventId(runId: string, seq: number): string {
  return `${runId}:${seq}`;
}

function eventSize(e: RunEvent): number {
  return e.event.length + (e.data?.length ?? 0) + 16;
}

/** The oldest finished run of `set` (insertion order), else its oldest live one unless `finishedOnly`; never `except`. */
function oldestOf(set: Set<Entry>, except?: Entry, finishedOnly = false): Entry | undefined {
  let live: Entry | undefined;
  for (const e of set) {
    if (e === except) continue;
    if (e.finished) return e;
    live ??= e;
  }
  return finishedOnly ? undefined : live;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`MemoryRunRegistry: ${name} must be a positive integer`);
  return value;
}

interface Entry {
  readonly runId: string;
  readonly owner: string;
  readonly route: string;
  events: RunEvent[];
  /** seq of the next event to be appended. */
  nextSeq: number;
  bytes: number;
  finished: boolean;
  /** A `data` event was written: only such runs are kept after they finish. */
  hasData: boolean;
  evicted: boolean;
  readers: number;
  readerListeners: Array<(readers: number) => void>;
  wakers: Set<() => void>;
  timer?: NodeJS.Timeout;
}

/**
 * The in-process run registry: a bounded buffer per run (events and characters), a bound on
 * runs (in total and per owner) and on characters in total, and a retention window after a run
 * finishes with data (a run that ended without a `data` event is dropped when it finishes).
 */
export class MemoryRunRegistry implements RunRegistry {
  readonly retentionMs: number;
  readonly maxRuns: number;
  readonly maxRunsPerOwner: number;
  readonly maxEventsPerRun: number;
  readonly maxBytesPerRun: number;
  readonly maxBytesTotal: number;
  private readonly runs = new Map<string, Entry>();
  /** Each owner's runs, oldest first. */
  private readonly owners = new Map<string, Set<Entry>>();
  private totalBytes = 0;

  constructor(options: MemoryRunRegistryOptions = {}) {
    this.retentionMs = positive('retentionMs', options.retentionMs, 60_000);
    this.maxRuns = positive('maxRuns', options.maxRuns, 1_000);
    this.maxRunsPerOwner = positive('maxRunsPerOwner', options.maxRunsPerOwner, Math.max(1, Math.floor(this.maxRuns / 10)));
    if (this.maxRunsPerOwner > this.maxRuns) throw new TypeError('MemoryRunRegistry: maxRunsPerOwner must not exceed maxRuns');
    this.maxEventsPerRun = positive('maxEventsPerRun', options.maxEventsPerRun, 10_000);
    this.maxBytesPerRun = positive('maxBytesPerRun', options.maxBytesPerRun, 1024 * 1024);
    this.maxBytesTotal = positive('maxBytesTotal', options.maxBytesTotal, 32 * 1024 * 1024);
    if (this.maxBytesPerRun > this.maxBytesTotal) throw new TypeError('MemoryRunRegistry: maxBytesPerRun must not exceed maxBytesTotal');
  }

  /** Runs held now (live and retained). */
  get size(): number {
    return this.runs.size;
  }

  /** Buffered characters over all runs. */
  get bytes(): number {
    return this.totalBytes;
  }

  start(run: { runId: string; owner: string; route: string }): RunEventLog {
    const old = this.runs.get(run.runId);
    if (old) this.evict(old);
    this.makeRoom(run.owner);
    const entry: Entry = {
      ...run,
      events: [],
      nextSeq: 0,
      bytes: 0,
      finished: false,
      hasData: false,
      evicted: false,
      readers: 0,
      readerListeners: [],
      wakers: new Set(),
    };
    this.runs.set(run.runId, entry);
    let mine = this.owners.get(run.owner);
    if (!mine) this.owners.set(run.owner, (mine = new Set()));
    mine.add(entry);
    return {
      append: (event) => this.append(entry, event),
      finish: () => this.finish(entry),
      get readers() {
        return entry.readers;
      },
      onReaders: (listener) => void entry.readerListeners.push(listener),
    };
  }

  async resume(q: RunResumeQuery): Promise<RunResume | undefined> {
    const entry = this.runs.get(q.runId);
    if (!entry || entry.evicted || entry.owner !== q.owner || entry.route !== q.route) return undefined;
    const firstSeq = entry.nextSeq - entry.events.length;
    if (q.after < firstSeq - 1 || q.after >= entry.nextSeq) return undefined;
    if (entry.finished && q.after === entry.nextSeq - 1) return undefined;
    return this.reader(entry, q.after + 1);
  }

  close(): void {
    for (const entry of [...this.runs.values()]) this.evict(entry);
  }

  private reader(entry: Entry, from: number): RunResume {
    let closed = false;
    let wake: (() => void) | undefined;
    const setReaders = (n: number) => {
      entry.readers = n;
      for (const l of entry.readerListeners) l(n);
    };
    setReaders(entry.readers + 1);
    const close = () => {
      if (closed) return;
      closed = true;
      setReaders(entry.readers - 1);
      wake?.();
    };
    async function* events(): AsyncGenerator<RunEvent> {
      let next = from;
      try {
        while (!closed) {
          const firstSeq = entry.nextSeq - entry.events.length;
          if (next < firstSeq) return; // fell behind the bounded buffer: end without the rest
          if (next < entry.nextSeq) {
            yield entry.events[next - firstSeq]!;
            next++;
            continue;
          }
          if (entry.finished || entry.evicted) return;
          await new Promise<void>((resolve) => {
            wake = () => {
              entry.wakers.delete(wake!);
              wake = undefined;
              resolve();
            };
            entry.wakers.add(wake);
          });
        }
      } finally {
        close();
      }
    }
    return { events: events(), close };
  }

  private wakeAll(entry: Entry): void {
    for (const w of [...entry.wakers]) w();
  }

  private append(entry: Entry, event: RunEvent): void {
    if (entry.evicted || entry.finished) return;
    if (event.seq !== entry.nextSeq) throw new RangeError(`run ${entry.runId}: expected event ${entry.nextSeq}, got ${event.seq}`);
    const size = eventSize(event);
    if (event.event === 'data') entry.hasData = true;
    entry.events.push(event);
    entry.nextSeq++;
    entry.bytes += size;
    this.totalBytes += size;
    while (entry.events.length > 0 && (entry.events.length > this.maxEventsPerRun || entry.bytes > this.maxBytesPerRun)) {
      const dropped = entry.events.shift()!;
      entry.bytes -= eventSize(dropped);
      this.totalBytes -= eventSize(dropped);
    }
    while (this.totalBytes > this.maxBytesTotal) {
      const mine = this.owners.get(entry.owner);
      const own = mine ? oldestOf(mine, entry, true) : undefined;
      const victim = own ?? this.fromLargestOwner(entry.owner, entry);
      if (!victim) break;
      this.evict(victim);
    }
    this.wakeAll(entry);
  }

  private finish(entry: Entry): void {
    if (entry.evicted || entry.finished) return;
    entry.finished = true;
    // Nothing a reconnect could want (no data) and nobody reading: not kept.
    if (!entry.hasData && entry.readers === 0) return this.evict(entry);
    entry.timer = setTimeout(() => this.evict(entry), this.retentionMs);
    entry.timer.unref();
    this.wakeAll(entry);
  }

  /**
   * Before `owner` starts a run: their own oldest runs go while they hold their share; then, while
   * the registry is full, the oldest run of whoever holds the most (`owner` on a tie).
   */
  private makeRoom(owner: string): void {
    const mine = this.owners.get(owner);
    while (mine && mine.size >= this.maxRunsPerOwner) this.evict(oldestOf(mine)!);
    while (this.runs.size >= this.maxRuns) {
      const victim = this.fromLargestOwner(owner);
      if (!victim) break;
      this.evict(victim);
    }
  }

  /** The oldest run (finished first) of the owner holding the most runs, `prefer` on a tie; never `except`. */
  private fromLargestOwner(prefer: string, except?: Entry): Entry | undefined {
    let largest = this.owners.get(prefer);
    for (const set of this.owners.values()) if (!largest || set.size > largest.size) largest = set;
    const victim = largest ? oldestOf(largest, except) : undefined;
    if (victim || !except) return victim;
    for (const set of this.owners.values()) {
      const other = oldestOf(set, except);
      if (other) return other;
    }
    return undefined;
  }

  private evict(entry: Entry): void {
    if (entry.evicted) return;
    entry.evicted = true;
    if (entry.timer) clearTimeout(entry.timer);
    this.totalBytes -= entry.bytes;
    entry.bytes = 0;
    entry.events = [];
    if (this.runs.get(entry.runId) === entry) this.runs.delete(entry.runId);
    const mine = this.owners.get(entry.owner);
    if (mine?.delete(entry) && mine.size === 0) this.owners.delete(entry.owner);
    this.wakeAll(entry);
  }
}
