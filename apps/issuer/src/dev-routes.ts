import { BatonError } from '@baton/errors';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { IssuerConfig } from './config.js';
import { ISSUER_ERRORS } from './error-codes.js';
import { RotationRefused, type KeyStore } from './keys.js';
import { findAgent, type Policy } from './policy.js';
import { mintAccessToken } from './tokens.js';

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** The longest a token this issuer signs can live: how long a retired key stays published. */
function maxTokenLifetimeSec(config: IssuerConfig): number {
  return Math.max(config.accessTokenTtlSec, config.exchangedTokenTtlSec, config.devTokenMaxTtlSec);
}

/** `client_id` of tokens from the development endpoint. */
const DEV_CLIENT_ID = 'baton-dev';

const devTokenBody = z.strictObject({
  user: z.string().min(1).max(128),
  audience: z.string().min(1).max(256).optional(),
  scope: z.string().min(1).max(1024).optional(),
  ttl: z.number().int().positive().optional(),
});

export interface DevRoutesDeps {
  config: IssuerConfig;
  keys: KeyStore;
  policy: Policy;
  now: () => number;
}

/**
 * Development-only endpoints (never mounted in production):
 * `POST /dev/token` mints a user's token; `POST /dev/rotate-keys` adds a signing key.
 */
export function devRoutes(deps: DevRoutesDeps): Router {
  const { config, keys, policy, now } = deps;
  const router = express.Router();
  const noStore: express.RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  router.post('/dev/token', noStore, express.json({ limit: '4kb' }), (req, res) => {
    const parsed = devTokenBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new BatonError(ISSUER_ERRORS.ISSUER_DEV_INVALID_REQUEST, 'body must be {user, audience?, scope?, ttl?}', {
        detail: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const { user: userName, audience = config.workflowAudience, scope, ttl } = parsed.data;
    const user = policy.users.find((u) => u.sub === userName);
    if (!user) throw new BatonError(ISSUER_ERRORS.ISSUER_UNKNOWN_USER, 'unknown development user');

    let allowed: string[];
    if (audience === config.workflowAudience) {
      allowed = user.scope;
    } else {
      const agent = findAgent(policy, audience);
      if (!agent) throw new BatonError(ISSUER_ERRORS.ISSUER_UNKNOWN_AUDIENCE, 'unknown audience');
      // An agent's scope is only ever granted on behalf of a user who may use the workflow.
      if (!user.scope.includes(policy.workflowScope)) {
        throw new BatonError(
          ISSUER_ERRORS.ISSUER_SCOPE_NOT_ALLOWED,
          `user does not hold ${policy.workflowScope}, so no agent token can be issued`,
        );
      }
      allowed = agent.scope;
    }
    const requested = scope === undefined ? allowed : [...new Set(scope.split(' ').filter(Boolean))];
    if (requested.length === 0 || requested.some((s) => !allowed.includes(s))) {
      throw new BatonError(ISSUER_ERRORS.ISSUER_SCOPE_NOT_ALLOWED, 'requested scope is not granted to this user for this audience');
    }
    const nowSec = Math.floor(now() / 1000);
    const expiresIn = Math.min(ttl ?? config.accessTokenTtlSec, config.devTokenMaxTtlSec);
    keys.refresh(now());
    const { token, kid, jti } = mintAccessToken(keys, {
      iss: config.issuer,
      sub: user.sub,
      aud: audience,
      scope: requested.join(' '),
      client_id: DEV_CLIENT_ID,
      iat: nowSec,
      exp: nowSec + expiresIn,
    });
    req.log?.info(
      { event: 'dev_token_issued', sub: user.sub, aud: audience, scope: requested.join(' '), jti, kid },
      'development token issued',
    );
    res.status(200).json({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: requested.join(' ') });
  });

  // Loopback only: from anywhere else, rotating would void every outstanding token.
  router.post('/dev/rotate-keys', noStore, async (req, res) => {
    if (!isLoopback(req.socket.remoteAddress))
      throw new BatonError(ISSUER_ERRORS.ISSUER_DEV_LOOPBACK_ONLY, 'key rotation is accepted from this machine (loopback) only');
    let kid: string;
    try {
      kid = await keys.rotate(maxTokenLifetimeSec(config) * 1000, new Date(now()));
    } catch (err) {
      if (err instanceof RotationRefused) throw new BatonError(ISSUER_ERRORS.ISSUER_ROTATION_REFUSED, err.message);
      throw err;
    }
    req.log?.info({ event: 'keys_rotated', kid }, 'signing key rotated');
    res.status(200).json({ kid, keys: keys.jwks().keys.map((k) => k.kid) });
  });

  return router;
}
