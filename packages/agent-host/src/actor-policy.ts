import type { Request } from 'express';
import type { Caller } from '@baton/identity';
import { BatonError, type ErrorCode } from '@baton/errors';
import type { ActorClaim, AuthMode } from './config.js';

export const ACTOR_NOT_ALLOWED = 'AUTH_ACTOR_NOT_ALLOWED' satisfies ErrorCode;

/** The acting service a verified token names under `claim` (`act.sub`, `azp` or `client_id`). */
export function actorOf(caller: Caller, claim: ActorClaim): string | undefined {
  if (claim === 'azp') return caller.azp;
  if (claim === 'client_id') return caller.client_id;
  return caller.act?.sub;
}

const refuse = (message: string) => new BatonError(ACTOR_NOT_ALLOWED, message);

/**
 * `requireAuth`'s `onCaller` check for `ALLOWED_ACTORS`, on the claim `ACTOR_CLAIM` names. With a
 * non-empty list, in exchange mode:
 * - the token must name an actor under that claim (`act.sub` by default; `azp` for providers such
 *   as Keycloak whose exchanged tokens carry no `act`; `client_id`), and it must be on the list;
 * - an `act` claim, when present, is honoured whatever the actor claim: its `sub` (the current
 *   actor, RFC 8693 §4.1) must be on the list too, and a nested `act` (a delegation chain: the
 *   token was exchanged more than once) is refused — Baton delegates one hop.
 * In passthrough mode a token without `act` is the user's own and passes; one with `act` must name
 * a listed actor. A refusal is 403 `AUTH_ACTOR_NOT_ALLOWED` (the token is valid; this caller may
 * not use it here). Returns undefined when there is nothing to check.
 */
export function actorPolicy(options: {
  allowedActors: readonly string[];
  mode: AuthMode;
  actorClaim?: ActorClaim;
}): ((req: Request, caller: Caller) => void) | undefined {
  const allowed = new Set(options.allowedActors);
  if (allowed.size === 0) return undefined;
  const claim = options.mode === 'passthrough' ? 'act.sub' : (options.actorClaim ?? 'act.sub');
  return (_req, caller) => {
    const act = caller.act;
    if (act !== undefined) {
      if (!allowed.has(act.sub)) throw refuse('The acting service may not call this agent');
      if (act.act !== undefined) throw refuse('The token was delegated more than once (nested act)');
    }
    if (act === undefined && options.mode === 'passthrough') return;
    const actor = actorOf(caller, claim);
    if (actor === undefined) throw refuse(`The token names no acting service (${claim})`);
    if (!allowed.has(actor)) throw refuse('The acting service may not call this agent');
  };
}
