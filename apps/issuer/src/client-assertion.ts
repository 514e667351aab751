import { createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import jwt from 'jsonwebtoken';
import { keyThumbprint } from '@baton/auth';
import { OAuthError, invalidClient } from './oauth-error.js';
import type { Params } from './token-request.js';

/** RFC 7523 §2.2. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Algorithms a client assertion may use (asymmetric only). */
export const ASSERTION_ALGS = ['RS256', 'PS256', 'ES256'] as const;
/** Longest accepted assertion lifetime (exp - now), seconds: bounds the replay cache. */
export const MAX_ASSERTION_LIFETIME_SEC = 300;
const CLOCK_TOLERANCE_SEC = 5;
const MAX_ASSERTION_LENGTH = 8192;
/** jtis remembered at most; a full cache refuses new assertions (fail closed) rather than forget one. */
const MAX_REMEMBERED_JTIS = 100_000;

/** A client's registered public key for `private_key_jwt`. */
export interface ClientKey {
  kid: string;
  key: KeyObject;
}

/**
 * A client's registered public keys from a file: a JWKS (`{"keys": [...]}`, RSA or EC P-256, each
 * `kid` kept or, when absent, its RFC 7638 thumbprint) or one PEM public key (kid = thumbprint).
 * Throws (start-up) on anything else, or on a private key.
 */
export function readClientKeys(file: string): ClientKey[] {
  const text = fs.readFileSync(file, 'utf8');
  const keyOf = (key: KeyObject, kid: unknown): ClientKey => {
    if (key.type !== 'public') throw new Error(`${file}: only public keys may be registered`);
    return { kid: typeof kid === 'string' && kid !== '' ? kid : keyThumbprint(key), key };
  };
  if (text.trimStart().startsWith('{')) {
    const jwks = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${file}: a JWKS with at least one key is required`);
    return jwks.keys.map((jwk: Record<string, unknown>) => {
      if ('d' in jwk) throw new Error(`${file}: only public keys may be registered`);
      return keyOf(createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }), jwk.kid);
    });
  }
  if (/PRIVATE KEY/.test(text)) throw new Error(`${file}: only public keys may be registered`);
  return [keyOf(createPublicKey(text), undefined)];
}

/** The remembered `jti`s of accepted assertions, each until its assertion expires. */
export class JtiReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = MAX_REMEMBERED_JTIS) {}

  /** Remember `key` until `expSec`; false when it was already seen (a replay) or the cache is full. */
  remember(key: string, expSec: number, nowSec: number): 'ok' | 'replay' | 'full' {
    const until = this.seen.get(key);
    if (until !== undefined && until >= nowSec) return 'replay';
    if (this.seen.size >= this.max) this.sweep(nowSec);
    if (this.seen.size >= this.max) return 'full';
    this.seen.set(key, expSec + CLOCK_TOLERANCE_SEC);
    return 'ok';
  }

  private sweep(nowSec: number): void {
    for (const [k, until] of this.seen) if (until < nowSec) this.seen.delete(k);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** What the issuer needs to verify one client's assertion. */
export interface AssertionContext {
  clientId: string;
  keys: readonly ClientKey[];
  /** Accepted `aud` values: the token endpoint URL and the issuer identifier. */
  audiences: readonly string[];
  replay: JtiReplayCache;
  nowSec: number;
}

/** Header parameters an assertion may not carry: keys it names itself (jku, x5u, jwk, x5c), extensions marked critical (crit, RFC 7515 §4.1.11). */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;
const MAX_KID_LENGTH = 256;

/** The assertion's header, unverified: alg on the allow-list, none of FORBIDDEN_HEADERS, a kid (if any) a non-empty string. */
function assertionHeader(assertion: string): { alg: string; kid?: string } {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw invalidClient('client_assertion is too large');
  const decoded = jwt.decode(assertion, { complete: true });
  const header = decoded?.header as Record<string, unknown> | undefined;
  if (!header || typeof header.alg !== 'string' || !(ASSERTION_ALGS as readonly string[]).includes(header.alg))
    throw invalidClient('client_assertion is not a JWT signed with an allowed algorithm');
  if (FORBIDDEN_HEADERS.some((name) => Object.hasOwn(header, name)))
    throw invalidClient(`client_assertion header may not contain ${FORBIDDEN_HEADERS.join(', ')}`);
  const { kid } = header;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH))
    throw invalidClient(`client_assertion kid must be a string of 1 to ${MAX_KID_LENGTH} characters`);
  return { alg: header.alg, ...(kid !== undefined ? { kid } : {}) };
}

/** Signature with one of the client's keys (by kid when the header has one); the verified claims. */
function verifiedClaims(assertion: string, ctx: AssertionContext): jwt.JwtPayload {
  const { alg, kid } = assertionHeader(assertion);
  const candidates = kid === undefined ? ctx.keys : ctx.keys.filter((k) => k.kid === kid);
  for (const { key } of candidates) {
    try {
      const payload = jwt.verify(assertion, key, {
        algorithms: [alg as jwt.Algorithm],
        ignoreExpiration: true,
        ignoreNotBefore: true,
      });
      if (typeof payload === 'object' && payload !== null) return payload;
    } catch {
      // try the next key
    }
  }
  throw invalidClient('client_assertion signature is invalid');
}

/** RFC 7523 §3 claims: iss = sub = the client, aud = this server, exp soon, nbf/iat not in the future, a fresh jti. */
function checkClaims(claims: jwt.JwtPayload, ctx: AssertionContext): void {
  const { iss, sub, aud, exp, nbf, iat, jti } = claims;
  if (iss !== ctx.clientId || sub !== ctx.clientId) throw invalidClient('client_assertion iss and sub must be the client id');
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!auds.some((a) => ctx.audiences.includes(a))) throw invalidClient('client_assertion audience is not this token endpoint');
  const now = ctx.nowSec;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalidClient('client_assertion has no exp');
  if (exp + CLOCK_TOLERANCE_SEC <= now) throw invalidClient('client_assertion has expired');
  if (exp - now > MAX_ASSERTION_LIFETIME_SEC) throw invalidClient(`client_assertion lives longer than ${MAX_ASSERTION_LIFETIME_SEC} s`);
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE_SEC))
    throw invalidClient('client_assertion is not yet valid');
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + CLOCK_TOLERANCE_SEC))
    throw invalidClient('client_assertion was issued in the future');
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) throw invalidClient('client_assertion has no valid jti');
  const seen = ctx.replay.remember(`${ctx.clientId}\n${jti}`, exp, now);
  if (seen === 'replay') throw invalidClient('client_assertion was already used (jti replayed)');
  if (seen === 'full') throw invalidClient('too many client assertions in flight; retry later');
}

/**
 * `private_key_jwt` (RFC 7523 §2.2, §3): the `client_assertion` of `params`, verified with the
 * client's registered keys. Every failure is 401 invalid_client; the description never echoes
 * the assertion.
 */
export function verifyClientAssertion(params: Params, ctx: AssertionContext): void {
  if (params.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE)
    throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  const assertion = params.get('client_assertion')!;
  checkClaims(verifiedClaims(assertion, ctx), ctx);
}
