import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * What the token-exchange client remembers of an issuer's 429: per caller (issuer + subject,
 * hashed: never a token, never the raw subject), until the issuer's `Retry-After` has passed. A
 * remembered caller is answered at once without asking the issuer again, whatever token they
 * present (a fresh token per run is the same user); other callers are not affected.
 */
export class ExchangeBackoff {
  private readonly until: LRUCache<string, number>;

  /**
   * @param maxEntries most callers remembered at once (the least recently throttled go first)
   * @param now clock, ms since the epoch
   */
  constructor(
    maxEntries: number,
    private readonly now: () => number,
  ) {
    this.until = new LRUCache<string, number>({ max: maxEntries });
  }

  /** The key of a caller: sha256 (hex) of its issuer and subject. */
  static keyOf(caller: { iss: string; sub: string }): string {
    return createHash('sha256')
      .update(JSON.stringify([caller.iss, caller.sub]))
      .digest('hex');
  }

  /** Whole seconds this caller must still wait (at least 1), or 0 when the issuer may be asked. */
  remainingSec(key: string): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.until.delete(key);
      return 0;
    }
    return Math.max(1, Math.ceil(left / 1000));
  }

  /** The issuer answered this caller 429 with `Retry-After: retryAfterSec`. A later, longer wait wins. */
  remember(key: string, retryAfterSec: number): void {
    const until = this.now() + retryAfterSec * 1000;
    if (until > (this.until.get(key) ?? 0)) this.until.set(key, until);
  }

  /** Callers remembered now (expired ones included until they are next looked at or pushed out). */
  get size(): number {
    return this.until.size;
  }
}
