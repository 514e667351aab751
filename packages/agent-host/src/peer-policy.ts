import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { tokenFingerprint, type Auditor } from '@baton/auth';
import { extractBearerToken } from '@baton/auth/express';
import { BatonError, type ErrorCode, type Logger } from '@baton/errors';
import { parseTraceparent, type Caller } from '@baton/identity';
import { spiffeId } from '@baton/contract';
import { peerSpiffeId } from '@baton/mtls';
import { actorOf } from './actor-policy.js';
import type { ActorClaim } from './config.js';

export const PEER_NOT_ALLOWED = 'AUTH_PEER_NOT_ALLOWED' satisfies ErrorCode;
export const ACTOR_PEER_MISMATCH = 'AUTH_ACTOR_PEER_MISMATCH' satisfies ErrorCode;

/**
 * Mutual TLS allow-list, run before token verification on the agent's routes: the TLS peer's
 * SPIFFE id (its certificate's one URI SAN, verified against the CA in the handshake) must be on
 * `allowedPeers`. Otherwise 403 `AUTH_PEER_NOT_ALLOWED`, audited as a deny (the token, if any, is
 * not even verified).
 */
export function peerGate(options: { allowedPeers: readonly string[]; auditor: Auditor; logger?: Pick<Logger, 'warn'> }): RequestHandler {
  const allowed = new Set(options.allowedPeers);
  if (allowed.size === 0) throw new TypeError('peerGate: allowedPeers must not be empty');
  return function peerGateMiddleware(req: Request, _res: Response, next: NextFunction) {
    const peer = peerSpiffeId(req.socket);
    if (peer !== undefined && allowed.has(peer)) {
      next();
      return;
    }
    let token_fp: string | null = null;
    try {
      token_fp = tokenFingerprint(extractBearerToken(req));
    } catch {
      // no usable token: nothing to fingerprint
    }
    const trace = parseTraceparent((req as { traceparent?: unknown }).traceparent);
    const requestId = (req as { requestId?: unknown }).requestId;
    let failure = new BatonError(PEER_NOT_ALLOWED, 'This peer may not call this agent');
    try {
      options.auditor.record({
        decision: 'deny',
        reason: PEER_NOT_ALLOWED,
        token_fp,
        request_id: typeof requestId === 'string' ? requestId : null,
        trace_id: trace?.traceId ?? null,
      });
    } catch (err) {
      failure = new BatonError(PEER_NOT_ALLOWED, 'This peer may not call this agent', { cause: err });
    }
    options.logger?.warn({ peer: peer ?? null, reason: PEER_NOT_ALLOWED }, 'peer refused');
    next(failure);
  };
}

/**
 * `requireAuth`'s `onCaller` check in exchange mode with mutual TLS: the exchanged token's
 * actor (`act.sub`, or the ACTOR_CLAIM in use: the client that exchanged it) must be the TLS peer presenting it —
 * `spiffe://baton.local/<act.sub>` equal to the peer's SPIFFE id. A token replayed by another
 * peer, or one without `act`, is refused with 403 `AUTH_ACTOR_PEER_MISMATCH`.
 */
export function actorPeerBinding(actorClaim: ActorClaim = 'act.sub'): (req: Request, caller: Caller) => void {
  return (req, caller) => {
    const peer = peerSpiffeId(req.socket);
    const actor = actorOf(caller, actorClaim);
    let expected: string | undefined;
    try {
      expected = typeof actor === 'string' ? spiffeId(actor) : undefined;
    } catch {
      expected = undefined;
    }
    if (peer === undefined || expected !== peer) {
      throw new BatonError(ACTOR_PEER_MISMATCH, 'The token was not issued to the peer presenting it');
    }
  };
}
