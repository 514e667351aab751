import { BatonError, isBatonError } from '@baton/errors';
import type { ActiveRuns } from './active-runs.js';
import type { RunLimiter } from './run-limiter.js';

/** The limiter's owner for a route without a verified caller: every anonymous run shares one budget. */
const ANONYMOUS_OWNER = '["",""]';

/** A taken admission: gives its slots back once (never throws). */
export type Release = () => Promise<void>;

const noop: Release = async () => {};

/**
 * Admits `slots` new runs for `owner`, or throws: 503 `SERVER_SHUTTING_DOWN` once the service
 * drains, 429 `RUNNABLE_RUN_LIMIT_USER` / `RUNNABLE_RUN_LIMIT_GLOBAL` with `Retry-After` when a
 * limit is full.
 */
export async function admit(runs: ActiveRuns, limiter: RunLimiter | undefined, owner: string | undefined, slots: number): Promise<Release> {
  if (runs.draining) throw shuttingDown();
  if (!limiter) return noop;
  const admission = await limiter.acquire(owner ?? ANONYMOUS_OWNER, slots);
  if (!admission.ok) {
    const retryAfter = String(Math.max(1, Math.ceil(admission.retryAfterSeconds)));
    const [code, message] =
      admission.scope === 'user'
        ? (['RUNNABLE_RUN_LIMIT_USER', 'Too many concurrent runs for this user'] as const)
        : (['RUNNABLE_RUN_LIMIT_GLOBAL', 'Too many concurrent runs on this service'] as const);
    throw new BatonError(code, message, { expose: true, headers: { 'retry-after': retryAfter } });
  }
  // Shutdown may have begun while the limiter answered (a shared store is asynchronous).
  if (runs.draining) {
    await admission.lease.release().catch(() => {});
    throw shuttingDown();
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await admission.lease.release().catch(() => {});
  };
}

function shuttingDown(): BatonError {
  return new BatonError('SERVER_SHUTTING_DOWN', 'The service is shutting down; retry on another instance', {
    expose: true,
    headers: { 'retry-after': '1' },
  });
}

/** Whether an abort reason is one the client must be told about (cancel, shutdown), not a client that left. */
export function toldAbort(reason: unknown): BatonError | undefined {
  if (!isBatonError(reason)) return undefined;
  return reason.code === 'RUNNABLE_RUN_CANCELLED' || reason.code === 'SERVER_SHUTTING_DOWN' ? reason : undefined;
}
