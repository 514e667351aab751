import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { AuthError, isAuthError } from './errors.js';
import type { KeyStore } from './jwks.js';
import { SUPPORTED_ALGORITHMS } from './jwks.js';
import { fingerprintOfDigest, tokenDigest, type Principal } from '@baton/identity';
import { clientIdOf, refuseIdToken, scopesOf } from './claim-shapes.js';
import { resolveTokenProfile, TYP_NONE, type TokenProfile } from './profiles.js';

export interface VerifierOptions {
  /** Expected `iss`, compared as an exact string. */
  issuer: string;
  /** Accepted audience(s); the token's `aud` must contain one of them (exact strings). */
  audience: string | readonly string[];
  /** Where the public keys come from (usually `createJwksKeyStore`). */
  keys: KeyStore;
  /** Allowed `alg` values (default RS256, PS256, ES256). Never HS* or none. */
  algorithms?: readonly string[];
  /** Clock skew allowed on exp / nbf / iat, seconds (default 5). */
  clockToleranceSec?: number;
  /** Longest token accepted, characters (default 8192). */
  maxTokenLength?: number;
  /**
   * The token shapes accepted (`resolveTokenProfile`): `typ` values, scope claims, client claims.
   * Default the strict profile (RFC 9068).
   */
  profile?: TokenProfile;
  /**
   * Accepted `typ` header values, case-insensitive (default: the profile's; `none` = no typ header);
   * false = not checked.
   */
  typ?: readonly string[] | false;
  /** Verified-token cache (default `{ max: 10_000 }`); false = off. */
  cache?: { max: number } | false;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
}

export interface Verifier {
  /**
   * Verify a bearer token; resolves to its Principal (the verified claims and `token_fp`, no token)
   * or rejects with an AuthError. `requireAuth` turns it into the request's `Caller`.
   */
  verify(token: string): Promise<Principal>;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;
const MAX_KID_LENGTH = 256;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(code: ConstructorParameters<typeof AuthError>[0], message: string, cause?: unknown): never {
  throw new AuthError(code, message, cause === undefined ? {} : { cause });
}

function decodeSegment(segment: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return fail('AUTH_TOKEN_MALFORMED', 'Token is not a well-formed JWT');
  }
  if (!isObject(value)) fail('AUTH_TOKEN_MALFORMED', 'Token is not a well-formed JWT');
  return value;
}

function validateOptions(options: VerifierOptions) {
  if (!options || typeof options !== 'object') throw new TypeError('createVerifier: options are required');
  if (typeof options.issuer !== 'string' || options.issuer.trim() === '') {
    throw new TypeError('createVerifier: issuer must be a non-empty string');
  }
  const audience = typeof options.audience === 'string' ? [options.audience] : options.audience;
  if (!Array.isArray(audience) || audience.length === 0 || !audience.every((a) => typeof a === 'string' && a !== '')) {
    throw new TypeError('createVerifier: audience must be a non-empty string or a non-empty array of non-empty strings');
  }
  if (!options.keys || typeof options.keys.getKey !== 'function') {
    throw new TypeError('createVerifier: keys must be a KeyStore (createJwksKeyStore)');
  }
  const algorithms = options.algorithms ?? ['RS256', 'PS256', 'ES256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('createVerifier: algorithms must be a non-empty array');
  }
  for (const alg of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new TypeError(`createVerifier: algorithm ${String(alg)} is not allowed (asymmetric only: ${SUPPORTED_ALGORITHMS.join(', ')})`);
    }
  }
  const clockToleranceSec = options.clockToleranceSec ?? 5;
  if (typeof clockToleranceSec !== 'number' || !Number.isFinite(clockToleranceSec) || clockToleranceSec < 0 || clockToleranceSec > 300) {
    throw new TypeError('createVerifier: clockToleranceSec must be between 0 and 300');
  }
  const maxTokenLength = options.maxTokenLength ?? 8192;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 64) {
    throw new TypeError('createVerifier: maxTokenLength must be an integer >= 64');
  }
  const profile = options.profile ?? resolveTokenProfile('strict');
  const typOption = options.typ === undefined ? profile.typ : options.typ;
  if (
    typOption !== false &&
    (!Array.isArray(typOption) || typOption.length === 0 || !typOption.every((t) => typeof t === 'string' && t !== ''))
  ) {
    throw new TypeError('createVerifier: typ must be a non-empty array of strings or false');
  }
  const cache = options.cache === undefined ? { max: 10_000 } : options.cache;
  if (cache !== false && (!isObject(cache) || !Number.isInteger(cache.max) || cache.max < 1)) {
    throw new TypeError('createVerifier: cache must be { max: positive integer } or false');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('createVerifier: now must be a function');
  return {
    issuer: options.issuer,
    audience: new Set(audience),
    algorithms: new Set<string>(algorithms),
    clockToleranceSec,
    maxTokenLength,
    typ: (typOption === false ? false : new Set(typOption.map((t) => t.toLowerCase()))) as Set<string> | false,
    scopeClaims: profile.scopeClaims,
    clientClaims: profile.clientClaims,
    cacheMax: cache === false ? 0 : cache.max,
    now: options.now ?? Date.now,
  };
}

type CheckedOptions = ReturnType<typeof validateOptions>;

/** The header's `typ` against the accepted set (lower-case; `none` = absent is accepted). */
function typAccepted(accepted: Set<string>, typ: unknown): boolean {
  if (typ === undefined) return accepted.has(TYP_NONE);
  return typeof typ === 'string' && typ.toLowerCase() !== TYP_NONE && accepted.has(typ.toLowerCase());
}

/** The claims checks, against `o.now()`; the frozen Principal of a valid token. */
function principalFrom(o: CheckedOptions, digest: string, claims: Json): Principal {
  const nowSec = o.now() / 1000;
  const tol = o.clockToleranceSec;
  const { exp, nbf, iat, iss, aud, sub, act, azp } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) fail('AUTH_CLAIM_INVALID', 'Token has no valid exp claim');
  if (nowSec >= exp + tol) fail('AUTH_TOKEN_EXPIRED', 'Token has expired');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) fail('AUTH_CLAIM_INVALID', 'Token nbf claim is invalid');
    if (nbf > nowSec + tol) fail('AUTH_TOKEN_NOT_YET_VALID', 'Token is not yet valid');
  }
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) fail('AUTH_CLAIM_INVALID', 'Token iat claim is invalid');
    if (iat > nowSec + tol) fail('AUTH_TOKEN_NOT_YET_VALID', 'Token was issued in the future');
  }
  if (typeof iss !== 'string' || iss !== o.issuer) fail('AUTH_ISSUER_MISMATCH', 'Token issuer is not accepted');
  const audList = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(audList) || audList.length === 0 || !audList.every((a) => typeof a === 'string')) {
    fail('AUTH_AUDIENCE_MISMATCH', 'Token audience is not accepted');
  }
  if (!audList.some((a) => o.audience.has(a as string))) fail('AUTH_AUDIENCE_MISMATCH', 'Token audience is not accepted');
  refuseIdToken(claims, o.audience);
  if (typeof sub !== 'string' || sub === '') fail('AUTH_CLAIM_INVALID', 'Token has no valid sub claim');
  const scope = scopesOf(claims, o.scopeClaims);
  if (act !== undefined && (!isObject(act) || typeof act.sub !== 'string' || act.sub === '')) {
    fail('AUTH_CLAIM_INVALID', 'Token act claim is invalid');
  }
  if (azp !== undefined && (typeof azp !== 'string' || azp === '')) fail('AUTH_CLAIM_INVALID', 'Token azp claim is invalid');
  const client_id = clientIdOf(claims, o.clientClaims);

  const principal: Principal = {
    sub,
    iss,
    aud: Object.freeze([...(audList as string[])]),
    scope: Object.freeze(scope),
    ...(act !== undefined ? { act: Object.freeze({ ...(act as Json) }) as Principal['act'] } : {}),
    ...(client_id !== undefined ? { client_id } : {}),
    ...(azp !== undefined ? { azp: azp as string } : {}),
    exp,
    token_fp: fingerprintOfDigest(digest),
  };
  return Object.freeze(principal);
}

/**
 * A JWT access-token verifier. Checks, in order: size, shape, header (alg allow-list, no
 * jku/x5u/jwk/x5c/crit, typ), signature (jsonwebtoken with a KeyObject from the KeyStore), then
 * the claims: exp (required), nbf, iat, iss (exact), aud (exact strings), sub, scope, act.
 * The token is hashed once (sha256): the digest is the cache key and its first 16 hex characters
 * the Principal's `token_fp`. Verified tokens are cached until their exp.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const o = validateOptions(options);
  const keys = options.keys;
  const cache =
    o.cacheMax > 0 ? new LRUCache<string, Principal>({ max: o.cacheMax, ttlAutopurge: false, perf: { now: o.now } }) : undefined;

  async function verifyUncached(token: string, digest: string): Promise<Principal> {
    const segments = token.split('.');
    if (segments.length !== 3) fail('AUTH_TOKEN_MALFORMED', 'Token is not a well-formed JWT');
    const [h, p, s] = segments as [string, string, string];
    if (!h || !p || !B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) {
      fail('AUTH_TOKEN_MALFORMED', 'Token is not a well-formed JWT');
    }
    const header = decodeSegment(h);
    if (typeof header.alg !== 'string' || !o.algorithms.has(header.alg)) {
      fail('AUTH_ALG_NOT_ALLOWED', 'Token algorithm is not allowed');
    }
    const alg = header.alg;
    for (const name of FORBIDDEN_HEADERS) {
      if (Object.prototype.hasOwnProperty.call(header, name))
        fail('AUTH_HEADER_NOT_ALLOWED', 'Token header contains a parameter that is not allowed');
    }
    if (o.typ !== false && !typAccepted(o.typ, header.typ)) fail('AUTH_TYP_INVALID', 'Token type is not an access token');
    const kid = header.kid;
    if (kid !== undefined && (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH)) {
      fail('AUTH_TOKEN_MALFORMED', 'Token key id is invalid');
    }
    if (!s) fail('AUTH_TOKEN_MALFORMED', 'Token is not signed');
    decodeSegment(p); // a payload that is not a JSON object is refused before any key lookup

    const key = await keys.getKey(kid, alg);
    let payload: Json;
    try {
      // Signature and alg only: every claim is checked below against our own clock.
      const decoded = jwt.verify(token, key, {
        algorithms: [alg as jwt.Algorithm],
        complete: true,
        ignoreExpiration: true,
        ignoreNotBefore: true,
      });
      if (!isObject(decoded.payload)) fail('AUTH_TOKEN_MALFORMED', 'Token payload is not a JSON object');
      payload = decoded.payload;
    } catch (err) {
      if (isAuthError(err)) throw err;
      return fail('AUTH_SIGNATURE_INVALID', 'Token signature is invalid', err);
    }
    return principalFrom(o, digest, payload);
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token === '') fail('AUTH_TOKEN_MALFORMED', 'Token is not a well-formed JWT');
      if (token.length > o.maxTokenLength) fail('AUTH_TOKEN_TOO_LARGE', 'Token is too large');
      const cacheKey = tokenDigest(token);
      if (!cache) return verifyUncached(token, cacheKey);
      const hit = cache.get(cacheKey);
      if (hit) {
        // exp is re-checked on every hit; an entry never outlives its token.
        if (o.now() < hit.exp * 1000) return hit;
        cache.delete(cacheKey);
      }
      const principal = await verifyUncached(token, cacheKey);
      const ttl = Math.floor(principal.exp * 1000 - o.now());
      if (ttl > 0) cache.set(cacheKey, principal, { ttl });
      return principal;
    },
  };
}
