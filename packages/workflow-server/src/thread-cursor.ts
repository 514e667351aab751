// The thread list's page cursor: base64url of `[updatedAtMs, threadId]`, validated on decode so a
// tampered cursor is a 422 WORKFLOW_THREAD_CURSOR_INVALID on every store, never a database error.
import { BatonError } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';
import type { ThreadCursor } from './thread-index.js';
import { THREAD_ID } from './threads.js';

/** Longest cursor text accepted (an issued one is well under: 13 digits and a 128-character id). */
const MAX_CURSOR_CHARS = 400;
/** Latest `updatedAt` a cursor may name: 9999-12-31T23:59:59.999Z (inside every store's timestamp range). */
export const MAX_CURSOR_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function encodeCursor(c: ThreadCursor): string {
  return Buffer.from(JSON.stringify([c.updatedAt.getTime(), c.threadId])).toString('base64url');
}

/**
 * A cursor this service could have issued: a time from the epoch to year 9999 in whole
 * milliseconds, and a thread id of the shape threads are created with (`THREAD_ID`: no NUL, no
 * control characters). Anything else is WORKFLOW_THREAD_CURSOR_INVALID (422).
 */
export function decodeCursor(text: string): ThreadCursor {
  let v: unknown;
  try {
    if (text.length <= MAX_CURSOR_CHARS) v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (Array.isArray(v) && v.length === 2) {
    const [time, threadId] = v as [unknown, unknown];
    const timeOk = Number.isSafeInteger(time) && (time as number) >= 0 && (time as number) <= MAX_CURSOR_TIME_MS;
    if (timeOk && typeof threadId === 'string' && THREAD_ID.test(threadId)) return { updatedAt: new Date(time as number), threadId };
  }
  throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREAD_CURSOR_INVALID, 'cursor is not one this service issued');
}
