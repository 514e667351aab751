import type { RunAdmission, RunLease, RunLimiter } from './run-limiter.js';

export interface MemoryRunLimiterOptions {
  /** Most concurrent runs one caller (`ownerKey`) may hold (default 4). */
  maxPerUser?: number;
  /** Most concurrent runs in this process over all callers (default 64). */
  maxTotal?: number;
  /** `Retry-After` of a refusal, seconds (default 1): a slot frees when any run ends, which nobody can predict. */
  retryAfterSeconds?: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`MemoryRunLimiter: ${name} must be a positive integer`);
  return value;
}

/**
 * The in-process limiter: counters per owner and in total, checked and taken in one synchronous
 * step (no await between the check and the take, so two requests cannot both take the last slot).
 */
export class MemoryRunLimiter implements RunLimiter {
  readonly maxPerUser: number;
  readonly maxTotal: number;
  readonly retryAfterSeconds: number;
  private readonly perUser = new Map<string, number>();
  private total = 0;
  private generation = 0;

  constructor(options: MemoryRunLimiterOptions = {}) {
    this.maxPerUser = positive('maxPerUser', options.maxPerUser, 4);
    this.maxTotal = positive('maxTotal', options.maxTotal, 64);
    this.retryAfterSeconds = positive('retryAfterSeconds', options.retryAfterSeconds, 1);
  }

  /** Slots held now, in total or by one owner. */
  held(owner?: string): number {
    return owner === undefined ? this.total : (this.perUser.get(owner) ?? 0);
  }

  async acquire(owner: string, slots: number): Promise<RunAdmission> {
    if (!Number.isInteger(slots) || slots <= 0) throw new TypeError('MemoryRunLimiter: slots must be a positive integer');
    const mine = this.perUser.get(owner) ?? 0;
    if (mine + slots > this.maxPerUser) return { ok: false, scope: 'user', retryAfterSeconds: this.retryAfterSeconds };
    if (this.total + slots > this.maxTotal) return { ok: false, scope: 'global', retryAfterSeconds: this.retryAfterSeconds };
    this.perUser.set(owner, mine + slots);
    this.total += slots;
    return { ok: true, lease: this.lease(owner, slots) };
  }

  async close(): Promise<void> {
    this.perUser.clear();
    this.total = 0;
    this.generation++;
  }

  private lease(owner: string, slots: number): RunLease {
    const generation = this.generation;
    let released = false;
    return {
      release: async () => {
        if (released || generation !== this.generation) return;
        released = true;
        const left = (this.perUser.get(owner) ?? 0) - slots;
        if (left > 0) this.perUser.set(owner, left);
        else this.perUser.delete(owner);
        this.total -= slots;
      },
    };
  }
}
