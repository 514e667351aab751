import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BatonError, errorBody } from '@baton/errors';
import type { RunEvent, RunEventLog, RunRegistry, RunResume, RunResumeQuery } from '@baton/runnable-server';
import { checkPrefix, ownerDigest, positiveInt, runKeys } from './keys.js';
import { APPEND, ATTACH, DETACH, FINISH, HEARTBEAT, RENEW_READER, RUN_STATE, START } from './scripts.js';

export interface RedisRunRegistryOptions {
  /** The shared client (the caller owns it: `close()` leaves it open). Blocking reads and the subscription use duplicates of it. */
  redis: Redis;
  /** Prefix of every key and channel (default `baton:`). */
  keyPrefix?: string;
  /** How long a finished run stays resumable (default 60 000 ms). */
  retentionMs?: number;
  /**
   * Most runs kept over all replicas, live and finished (default 1 000). Past it a run is taken
   * from the owner who holds the most (their oldest finished run first, then their oldest live
   * one): a new owner's run never pushes out another owner's run while the registry has room.
   */
  maxRuns?: number;
  /**
   * Most runs one owner keeps over all replicas (default a tenth of `maxRuns`, at least 1): past
   * it the owner's own oldest finished run goes first, then their oldest live one.
   */
  maxRunsPerOwner?: number;
  /** Most events buffered per run (default 10 000); past it the oldest events are dropped. */
  maxEventsPerRun?: number;
  /** Most buffered characters per run (default 1 MiB, counted as MemoryRunRegistry counts them); past it the oldest events are dropped. */
  maxBytesPerRun?: number;
  /**
   * A live run's lease (default 15 000 ms), renewed every third of it while its replica lives;
   * when it lapses a reader gets what was buffered, then a RUNNABLE_RUN_LOST error. Readers hold
   * leases of the same length, so a reader on a replica that died stops counting.
   */
  leaseMs?: number;
  /** How long a blocked reader waits before it checks that the run is still alive (default 5 000 ms). */
  readerBlockMs?: number;
  /** Told of every failed Redis operation (default: ignored). Producer writes never throw. */
  onError?: (err: unknown, operation: string) => void;
}

/** One run produced by this process. */
interface LocalRun {
  readonly runId: string;
  readonly keys: string[];
  nextSeq: number;
  /** No more writes: finished here, or found finished/evicted in Redis. */
  stopped: boolean;
  readers: number;
  /** Version of the readers count last applied (pub/sub messages can arrive after a newer reply). */
  rv: number;
  readonly listeners: Array<(readers: number) => void>;
}

/** The same count as MemoryRunRegistry's, so the byte bounds mean the same on both. */
function eventSize(e: RunEvent): number {
  return e.event.length + (e.data?.length ?? 0) + 16;
}

/** XREAD's reply (RESP2 shape) → its entries: [id, flat field list]. */
function streamEntries(reply: unknown): Array<[string, string[]]> {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const [, entries] = reply[0] as [string, Array<[string, string[]]>];
  return entries;
}

function toEvent(seq: number, fields: string[]): RunEvent {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const data = f.get('d');
  return data === undefined ? { seq, event: f.get('e') ?? 'data' } : { seq, event: f.get('e') ?? 'data', data };
}

/** The event a reader gets when the run's replica stopped before the run finished. */
function lostEvent(seq: number): RunEvent {
  const err = new BatonError('RUNNABLE_RUN_LOST', 'The replica running this run stopped before the run finished', {
    expose: true,
  });
  const { message, code } = errorBody(err).error;
  return { seq, event: 'error', data: JSON.stringify({ status_code: err.status, message, code }) };
}

/**
 * A `RunRegistry` shared by every replica through Redis: a reconnect with `Last-Event-ID` that
 * lands on another replica resumes the run there. Each run is a stream of its events (bounded
 * per run by events and characters, trimmed in the append script), a meta hash (the owner's
 * digest, route, sequence bounds, state) and a lease its replica renews; indexes of live runs (by
 * lease expiry: a dead replica's runs are pruned), finished runs and each owner's runs bound the
 * runs kept in total and per owner; readers are a sorted set of reader
 * leases, and every change of their count is published so the producing replica's grace window
 * sees a reader attached anywhere. Standalone Redis or Sentinel (the scripts touch keys of other
 * runs when they evict, which Redis Cluster does not allow).
 */
export class RedisRunRegistry implements RunRegistry {
  readonly keyPrefix: string;
  readonly retentionMs: number;
  readonly maxRuns: number;
  readonly maxRunsPerOwner: number;
  readonly maxEventsPerRun: number;
  readonly maxBytesPerRun: number;
  readonly leaseMs: number;
  readonly readerBlockMs: number;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly onError: (err: unknown, operation: string) => void;
  private readonly runs = new Map<string, LocalRun>();
  /** Readers attached through this process: reader id → run keys, renewed by the heartbeat. */
  private readonly attached = new Map<string, string[]>();
  private readonly closers = new Set<() => void>();
  private readonly subscribed: Promise<void>;
  private readonly heartbeat: NodeJS.Timeout;
  private beating = false;
  private closed = false;

  constructor(options: RedisRunRegistryOptions) {
    const name = 'RedisRunRegistry';
    if (typeof options?.redis?.duplicate !== 'function') throw new TypeError(`${name}: redis must be an ioredis client`);
    this.redis = options.redis;
    this.keyPrefix = checkPrefix(name, options.keyPrefix);
    this.retentionMs = positiveInt(name, 'retentionMs', options.retentionMs, 60_000);
    this.maxRuns = positiveInt(name, 'maxRuns', options.maxRuns, 1_000);
    this.maxRunsPerOwner = positiveInt(name, 'maxRunsPerOwner', options.maxRunsPerOwner, Math.max(1, Math.floor(this.maxRuns / 10)));
    if (this.maxRunsPerOwner > this.maxRuns) throw new TypeError(`${name}: maxRunsPerOwner must not exceed maxRuns`);
    this.maxEventsPerRun = positiveInt(name, 'maxEventsPerRun', options.maxEventsPerRun, 10_000);
    this.maxBytesPerRun = positiveInt(name, 'maxBytesPerRun', options.maxBytesPerRun, 1024 * 1024);
    this.leaseMs = positiveInt(name, 'leaseMs', options.leaseMs, 15_000);
    this.readerBlockMs = positiveInt(name, 'readerBlockMs', options.readerBlockMs, 5_000);
    if (this.leaseMs < 30) throw new TypeError(`${name}: leaseMs must be at least 30`);
    this.onError = options.onError ?? (() => undefined);
    this.channel = `${this.keyPrefix}run-readers`;
    this.sub = this.redis.duplicate();
    this.sub.on('error', (err) => this.onError(err, 'subscribe'));
    this.sub.on('message', (_channel: string, message: string) => this.onReadersMessage(message));
    const subscribe = () =>
      this.sub.subscribe(this.channel).then(
        () => undefined,
        (err) => this.onError(err, 'subscribe'),
      );
    this.subscribed = subscribe();
    // ioredis re-subscribes after a reconnect only to channels it had; a first subscribe that
    // failed (Redis down at start) is made again once Redis answers (SUBSCRIBE is idempotent).
    this.sub.on('ready', () => void subscribe());
    this.heartbeat = setInterval(() => void this.beat(), Math.floor(this.leaseMs / 3));
    this.heartbeat.unref();
  }

  /** Resolves once this replica hears about readers attached elsewhere (the subscription is on). */
  ready(): Promise<void> {
    return this.subscribed;
  }

  start(run: { runId: string; owner: string; route: string }): RunEventLog {
    const keys = runKeys(this.keyPrefix, run.runId);
    const old = this.runs.get(run.runId);
    if (old) old.stopped = true;
    const local: LocalRun = { runId: run.runId, keys, nextSeq: 0, stopped: false, readers: 0, rv: 0, listeners: [] };
    this.runs.set(run.runId, local);
    const indexes = [...this.indexes(), `${this.keyPrefix}runs:order`];
    const args = [run.runId, ownerDigest(run.owner), run.route, this.leaseMs, this.retentionMs, this.maxRuns, this.maxRunsPerOwner];
    void this.eval(START, [...keys, ...indexes], [...args, this.keyPrefix], 'start');
    return {
      append: (event) => this.append(local, event),
      finish: () => this.finish(local),
      get readers() {
        return local.readers;
      },
      onReaders: (listener) => void local.listeners.push(listener),
    };
  }

  async resume(q: RunResumeQuery): Promise<RunResume | undefined> {
    if (this.closed) return undefined;
    const keys = runKeys(this.keyPrefix, q.runId);
    const readerId = randomUUID();
    const args = [readerId, this.channel, q.runId, this.leaseMs, ownerDigest(q.owner), q.route, q.after];
    const [readers, rv] = (await this.redis.eval(ATTACH, keys.length, ...keys, ...args)) as [number, number];
    if (readers < 0) return undefined;
    this.attached.set(readerId, keys);
    this.applyReaders(q.runId, readers, rv);
    return this.reader(keys, q.runId, readerId, q.after + 1);
  }

  /**
   * Stops the heartbeat, ends this process's readers, drops the leases of runs still live here
   * (readers elsewhere then get RUNNABLE_RUN_LOST instead of waiting for the lease to lapse) and
   * closes the duplicate connections. The shared client stays open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const close of [...this.closers]) close();
    const live = [...this.runs.values()].filter((r) => !r.stopped);
    this.runs.clear();
    await Promise.all(live.map((r) => this.redis.del(r.keys[2]!).catch((err) => this.onError(err, 'close'))));
    this.sub.disconnect();
  }

  private append(local: LocalRun, event: RunEvent): void {
    if (local.stopped) return;
    if (event.seq !== local.nextSeq) throw new RangeError(`run ${local.runId}: expected event ${local.nextSeq}, got ${event.seq}`);
    local.nextSeq++;
    const hasData = event.data !== undefined;
    const args = [
      event.seq,
      event.event,
      hasData ? '1' : '0',
      event.data ?? '',
      eventSize(event),
      this.maxEventsPerRun,
      this.maxBytesPerRun,
    ];
    void this.eval(APPEND, local.keys, args, 'append').then((r) => {
      if (r === 0) local.stopped = true; // finished or evicted in Redis: later writes would be no-ops
    });
  }

  private finish(local: LocalRun): void {
    if (local.stopped) return;
    local.stopped = true;
    // Still told of readers coming and going while retained (the grace window of a finished run is over, but the count stays true).
    setTimeout(() => {
      if (this.runs.get(local.runId) === local) this.runs.delete(local.runId);
    }, this.retentionMs).unref();
    void this.eval(FINISH, [...local.keys, ...this.indexes()], [local.runId, this.retentionMs, this.keyPrefix], 'finish');
  }

  /** The run indexes START and FINISH keep (the scripts' KEYS 5 to 8; see `INDEXES` in scripts.ts). */
  private indexes(): string[] {
    const p = this.keyPrefix;
    return [`${p}runs:live`, `${p}runs:done`, `${p}runs:owner-of`, `${p}runs:owners`];
  }

  /**
   * Every command of the producer path goes as EVAL on the one shared connection, so Redis runs
   * them in the order they were called (EVALSHA's NOSCRIPT retry could reorder them).
   */
  private eval(script: string, keys: string[], args: Array<string | number>, operation: string): Promise<unknown> {
    return this.redis.eval(script, keys.length, ...keys, ...args).catch((err: unknown) => {
      this.onError(err, operation);
      return undefined;
    });
  }

  private onReadersMessage(message: string): void {
    const [rv, readers, runId] = message.split(' ');
    if (runId !== undefined) this.applyReaders(runId, Number(readers), Number(rv));
  }

  private applyReaders(runId: string, readers: number, rv: number): void {
    const local = this.runs.get(runId);
    if (!local || !Number.isInteger(readers) || !Number.isInteger(rv) || rv < local.rv) return;
    local.rv = rv;
    if (readers === local.readers) return;
    local.readers = readers;
    for (const l of local.listeners) l(readers);
  }

  /** Renews the leases of this process's live runs and readers; recounts readers (pub/sub may have missed some). */
  private async beat(): Promise<void> {
    if (this.beating || this.closed) return;
    this.beating = true;
    try {
      const runs = [...this.runs.values()].filter((r) => !r.stopped);
      const renewRuns = runs.map(async (r) => {
        const keys = [...r.keys, `${this.keyPrefix}runs:live`];
        const reply = (await this.eval(HEARTBEAT, keys, [this.leaseMs, this.retentionMs, r.runId], 'heartbeat')) as
          [number, number] | undefined;
        if (!reply) return;
        if (reply[0] < 0) r.stopped = true;
        else this.applyReaders(r.runId, reply[0], reply[1]);
      });
      const renewReaders = [...this.attached].map(([id, keys]) => this.eval(RENEW_READER, keys, [id, this.leaseMs], 'heartbeat'));
      await Promise.all([...renewRuns, ...renewReaders]);
    } finally {
      this.beating = false;
    }
  }

  private reader(keys: string[], runId: string, readerId: string, from: number): RunResume {
    const conn = this.redis.duplicate();
    conn.on('error', (err) => this.onError(err, 'read'));
    let closed = false;
    let detached: Promise<unknown> | undefined;
    const detach = () => {
      if (!detached) {
        this.attached.delete(readerId);
        detached = this.eval(DETACH, keys, [readerId, this.channel, runId], 'detach').then((reply) => {
          const [readers, rv] = (reply as [number, number] | undefined) ?? [-1, 0];
          if (readers >= 0) this.applyReaders(runId, readers, rv);
        });
      }
      return detached;
    };
    const close = () => {
      if (closed) return;
      closed = true;
      this.closers.delete(close);
      void detach();
      conn.disconnect();
    };
    this.closers.add(close);
    const follow = (): AsyncGenerator<RunEvent> => this.follow(conn, keys, from, () => closed);
    const onError = this.onError;
    async function* events(): AsyncGenerator<RunEvent> {
      try {
        yield* follow();
      } catch (err) {
        if (!closed) onError(err, 'read');
      } finally {
        close();
        await detach();
      }
    }
    return { events: events(), close };
  }

  /**
   * Reads the run's stream from `from` on the reader's own connection: each event once, in order;
   * ends at the finish mark, when an event is missing (the reader fell behind the bounded buffer),
   * when the run is gone, or after a RUNNABLE_RUN_LOST event when the run's lease lapsed.
   */
  private async *follow(conn: Redis, keys: string[], from: number, isClosed: () => boolean): AsyncGenerator<RunEvent> {
    let expected = from;
    let last = from === 0 ? '0-0' : `${from - 1}-1`;
    while (!isClosed()) {
      const reply = await conn.call('XREAD', ['COUNT', 256, 'BLOCK', this.readerBlockMs, 'STREAMS', keys[1]!, last]);
      const entries = streamEntries(reply);
      if (entries.length === 0) {
        if (isClosed()) return;
        const state = await this.redis.eval(RUN_STATE, keys.length, ...keys);
        if (state === 'lost') yield lostEvent(expected);
        if (state !== 'live') return;
        continue;
      }
      for (const [id, fields] of entries) {
        if (id.endsWith('-2')) return; // the finish mark
        const seq = Number(id.slice(0, id.indexOf('-')));
        if (seq !== expected) return; // trimmed away: end without the rest, as MemoryRunRegistry does
        yield toEvent(seq, fields);
        expected++;
        last = id;
      }
    }
  }
}
