import { BatonError, isBatonError, scrubSecrets } from '@baton/errors';

/**
 * What a client may learn about a runnable failure. A BatonError keeps its code and status
 * (a remote agent's `REMOTE_*` error thrown inside a graph node still says what it was); its
 * message is shown only if it is exposable, and scrubbed of anything token-shaped. Its
 * headers are dropped (a downstream `WWW-Authenticate` is not about this caller's token).
 * Anything else is 500 `RUNNABLE_FAILED` with a fixed message: library errors echo inputs.
 */
export function toRunError(err: unknown): BatonError {
  if (isBatonError(err)) {
    return new BatonError(err.code, err.expose ? scrubSecrets(err.message) : 'Internal error', {
      status: err.status,
      expose: err.expose,
      detail: err.expose ? err.detail : undefined,
      cause: err,
    });
  }
  return new BatonError('RUNNABLE_FAILED', 'The runnable failed', { expose: true, cause: err });
}
