import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunAdmission, RunLease, RunLimiter } from '@baton/runnable-server';
import { checkPrefix, ownerDigest, positiveInt } from './keys.js';
import { ACQUIRE, RELEASE, RENEW_LEASE } from './scripts.js';

export interface RedisRunLimiterOptions {
  /** The shared client (the caller owns it: `close()` leaves it open). */
  redis: Redis;
  /** Prefix of every key (default `baton:`). */
  keyPrefix?: string;
  /** Most concurrent runs of one caller over all replicas (default: no per-caller limit). */
  maxRunsPerUser?: number;
  /** Most concurrent runs over all replicas (default: no total limit). */
  maxRunsTotal?: number;
  /**
   * A held slot's lease (default 30 000 ms), renewed every third of it while its replica lives:
   * the slots of a replica that died free themselves when their lease lapses.
   */
  leaseMs?: number;
  /** The `Retry-After` of a refusal, in seconds (default 1): runs end at no time anyone can predict. */
  retryAfterSeconds?: number;
  /** Told of every failed renewal or release (default: ignored). */
  onError?: (err: unknown, operation: string) => void;
}

interface Held {
  readonly keys: [string, string];
  readonly slots: number;
}

/**
 * A `RunLimiter` shared by every replica through Redis. Each held slot is a member of two sorted
 * sets (the caller's and the total), scored by its lease's expiry on the Redis clock; admission
 * is one script (prune lapsed leases, count, reserve all slots or none), so two replicas can
 * never both take the last slot.
 */
export class RedisRunLimiter implements RunLimiter {
  readonly keyPrefix: string;
  readonly maxRunsPerUser: number;
  readonly maxRunsTotal: number;
  readonly leaseMs: number;
  readonly retryAfterSeconds: number;
  private readonly redis: Redis;
  private readonly onError: (err: unknown, operation: string) => void;
  private readonly held = new Map<string, Held>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(options: RedisRunLimiterOptions) {
    const name = 'RedisRunLimiter';
    if (typeof options?.redis?.eval !== 'function') throw new TypeError(`${name}: redis must be an ioredis client`);
    this.redis = options.redis;
    this.keyPrefix = checkPrefix(name, options.keyPrefix);
    this.maxRunsPerUser = positiveInt(name, 'maxRunsPerUser', options.maxRunsPerUser, Number.MAX_SAFE_INTEGER);
    this.maxRunsTotal = positiveInt(name, 'maxRunsTotal', options.maxRunsTotal, Number.MAX_SAFE_INTEGER);
    this.leaseMs = positiveInt(name, 'leaseMs', options.leaseMs, 30_000);
    this.retryAfterSeconds = positiveInt(name, 'retryAfterSeconds', options.retryAfterSeconds, 1);
    if (this.leaseMs < 30) throw new TypeError(`${name}: leaseMs must be at least 30`);
    this.onError = options.onError ?? (() => undefined);
    this.heartbeat = setInterval(() => void this.renew(), Math.floor(this.leaseMs / 3));
    this.heartbeat.unref();
  }

  /** Slots held through this process. */
  get size(): number {
    let n = 0;
    for (const h of this.held.values()) n += h.slots;
    return n;
  }

  async acquire(owner: string, slots: number): Promise<RunAdmission> {
    if (!Number.isSafeInteger(slots) || slots <= 0) throw new TypeError('RedisRunLimiter: slots must be a positive integer');
    if (this.closed) throw new Error('RedisRunLimiter: closed');
    const keys: [string, string] = [`${this.keyPrefix}limit:user:${ownerDigest(owner)}`, `${this.keyPrefix}limit:all`];
    const leaseId = randomUUID();
    const args = [leaseId, slots, this.maxRunsPerUser, this.maxRunsTotal, this.leaseMs];
    const verdict = await this.redis.eval(ACQUIRE, 2, ...keys, ...args);
    if (verdict === 'user' || verdict === 'global') return { ok: false, scope: verdict, retryAfterSeconds: this.retryAfterSeconds };
    if (verdict !== 'ok') throw new Error('RedisRunLimiter: unexpected reply from the admission script');
    const held: Held = { keys, slots };
    this.held.set(leaseId, held);
    return { ok: true, lease: this.lease(leaseId, held) };
  }

  /** Stops renewing and gives back every slot held through this process. The shared client stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.held].map(([id, h]) => this.release(id, h)));
  }

  private lease(leaseId: string, held: Held): RunLease {
    let released: Promise<void> | undefined;
    return {
      release: () => (released ??= this.release(leaseId, held)),
    };
  }

  private async release(leaseId: string, held: Held): Promise<void> {
    if (!this.held.delete(leaseId)) return;
    try {
      await this.redis.eval(RELEASE, 2, ...held.keys, leaseId, held.slots);
    } catch (err) {
      this.onError(err, 'release'); // the lease lapses on its own
    }
  }

  private async renew(): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([id, h]) => {
        try {
          const renewed = await this.redis.eval(RENEW_LEASE, 2, ...h.keys, id, h.slots, this.leaseMs);
          if (renewed !== h.slots) this.onError(new Error('a run lease lapsed before it was renewed'), 'renew');
        } catch (err) {
          this.onError(err, 'renew');
        }
      }),
    );
  }
}
