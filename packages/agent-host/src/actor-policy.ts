import type { Request } from 'express';
import type { Caller } from '@baton/identity';
import { BatonError, type ErrorCode } from '@baton/errors';
import type { AuthMode } from './config.js';

export const ACTOR_NOT_ALLOWED = 'AUTH_ACTOR_NOT_ALLOWED' satisfies ErrorCode;

/**
 * `requireAuth`'s `onCaller` check for `ALLOWED_ACTORS`. With a non-empty list:
 * in exchange mode the token must name an actor (`act.sub`) on the list; in passthrough mode
 * a token without `act` is the user's own and passes, one with `act` must name a listed actor.
 * A refusal is 403 `AUTH_ACTOR_NOT_ALLOWED` (the token is valid; this caller may not use it here).
 * Returns undefined when there is nothing to check.
 */
export function actorPolicy(options: {
  allowedActors: readonly string[];
  mode: AuthMode;
}): ((req: Request, caller: Caller) => void) | undefined {
  const allowed = new Set(options.allowedActors);
  if (allowed.size === 0) return undefined;
  return (_req, caller) => {
    const actor = caller.act?.sub;
    if (actor === undefined && options.mode === 'passthrough') return;
    if (typeof actor !== 'string' || !allowed.has(actor)) {
      throw new BatonError(
        ACTOR_NOT_ALLOWED,
        actor === undefined ? 'The token names no acting service' : 'The acting service may not call this agent',
      );
    }
  };
}
