/** Fixed one-minute window per key. `limit` 0 disables it. */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Count one request; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, nowMs: number): number {
    if (this.limit <= 0) return 0;
    let w = this.windows.get(key);
    if (!w || nowMs - w.start >= this.windowMs) {
      w = { start: nowMs, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 10_000) this.prune(nowMs);
    }
    w.count += 1;
    if (w.count <= this.limit) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - nowMs) / 1000));
  }

  private prune(nowMs: number): void {
    for (const [k, w] of this.windows) if (nowMs - w.start >= this.windowMs) this.windows.delete(k);
  }
}
