import { BatonError, isBatonError, scrubSecrets, type ErrorCodeSet } from '@baton/errors';
import { errorFromDeclaredCode } from '@baton/errors/express';

/**
 * What a client may learn about a runnable failure. A BatonError keeps its code and status
 * (a remote agent's `REMOTE_*` error thrown inside a graph node still says what it was); its
 * message is shown only if it is exposable, and scrubbed of anything token-shaped. Its
 * headers are dropped (a downstream `WWW-Authenticate` is not about this caller's token), except
 * the challenge of a 401 `AUTH_*` error (see `aboutTheCaller`) and `Retry-After` on a 429/503
 * (when to retry is about this caller: an exchange throttled for them).
 * LangGraph's GraphRecursionError (`GRAPH_RECURSION_LIMIT`) is 422 `RUNNABLE_RECURSION_LIMIT`: the
 * caller's `recursion_limit` (capped by the server) was too small for the run, not a server fault.
 * An error carrying one of `codes` (the service's own, from `defineErrorCodes`) as its `code` keeps
 * that code and its registered status. Anything else is 500 `RUNNABLE_FAILED` with a fixed
 * message: library errors echo inputs.
 */
export function toRunError(err: unknown, codes: readonly ErrorCodeSet[] = []): BatonError {
  if (isRecursionLimit(err)) {
    return new BatonError('RUNNABLE_RECURSION_LIMIT', 'The run hit its recursion limit before it finished', { expose: true, cause: err });
  }
  if (isBatonError(err)) {
    const retryAfter = err.headers['Retry-After'];
    const keepRetryAfter = typeof retryAfter === 'string' && /^\d{1,10}$/.test(retryAfter) && (err.status === 429 || err.status === 503);
    const headers = {
      ...(keepRetryAfter ? { 'Retry-After': retryAfter } : {}),
      ...(aboutTheCaller(err) ? { 'WWW-Authenticate': err.headers['WWW-Authenticate']! } : {}),
    };
    return new BatonError(err.code, err.expose ? scrubSecrets(err.message) : 'Internal error', {
      status: err.status,
      headers,
      expose: err.expose,
      detail: err.expose ? err.detail : undefined,
      cause: err,
    });
  }
  return errorFromDeclaredCode(err, codes) ?? new BatonError('RUNNABLE_FAILED', 'The runnable failed', { expose: true, cause: err });
}

/**
 * A 401 `AUTH_*` error with a challenge, thrown by the runnable itself, is about this route's
 * caller (the workflow: the caller's token expired during the run): its `WWW-Authenticate` is
 * kept. An agent's refusal never arrives so (`@baton/remote` makes `REMOTE_*` errors without
 * headers).
 */
function aboutTheCaller(err: { code: string; status: number; headers: Readonly<Record<string, string>> }): boolean {
  return err.code.startsWith('AUTH_') && err.status === 401 && typeof err.headers['WWW-Authenticate'] === 'string';
}

/** LangGraph's GraphRecursionError, recognised by name or `lc_error_code` (no import of @langchain/langgraph). */
function isRecursionLimit(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; lc_error_code?: unknown };
  return e.name === 'GraphRecursionError' || e.lc_error_code === 'GRAPH_RECURSION_LIMIT';
}
