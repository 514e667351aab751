/**
 * Concurrent-run admission. The in-process limiter is the default; a shared store (Redis, for
 * replicas) implements the same interface so a per-user limit holds across processes.
 *
 * `addRoutes` consults it (option `limiter`) for invoke, batch, stream, stream_log and stream_events; the
 * in-process one is `MemoryRunLimiter`. The interface is unchanged from the seam.
 */

/** A held reservation of run slots. */
export interface RunLease {
  /** Gives the slots back (idempotent; never throws). */
  release(): Promise<void>;
}

/** Why a run was not admitted, and when to try again. */
export interface RunRefusal {
  /** Which limit was full: the caller's own or the service's total. */
  readonly scope: 'user' | 'global';
  /** Seconds until a retry is worth it (the `Retry-After` header), at least 1. */
  readonly retryAfterSeconds: number;
}

export type RunAdmission = { readonly ok: true; readonly lease: RunLease } | ({ readonly ok: false } & RunRefusal);

export interface RunLimiter {
  /**
   * Reserves `slots` concurrent runs for `owner` (the verified caller's `ownerKey`), all or
   * nothing: a batch asks for its items at once. Never waits for a slot to free up.
   */
  acquire(owner: string, slots: number): Promise<RunAdmission>;
  /** Releases resources (timers, connections). Leases still held are dropped. */
  close(): Promise<void>;
}
