import * as crypto from 'node:crypto';
import { isValidRequestId, parseTraceparent, type Correlation } from './correlation.js';

/**
 * What a verified access token says: the verifier's result, shared by every request that presents
 * the same token. JSON-safe: it holds no token, only its fingerprint.
 */
export interface Principal {
  /** The user the work is for. */
  readonly sub: string;
  readonly iss: string;
  /** Audiences of the verified token. */
  readonly aud: readonly string[];
  /** Granted scopes (space-delimited `scope` claim, split). */
  readonly scope: readonly string[];
  /** RFC 8693 actor: the service acting on the user's behalf, when the token was exchanged. */
  readonly act?: { readonly sub: string; readonly [claim: string]: unknown };
  readonly client_id?: string;
  /** Authorized party (OIDC `azp`): the client the token was issued to; Keycloak's exchanged tokens name the requesting client here. */
  readonly azp?: string;
  /** Token expiry (verified), seconds since the epoch. */
  readonly exp: number;
  /** `tokenFingerprint` of the token: the only way a token is ever identified in logs. */
  readonly token_fp: string;
}

const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** sha256 of a token, hex. Computed once per token: the verifier's cache key, and the source of its fingerprint. */
export function tokenDigest(token: string): string {
  return oneShot ? oneShot('sha256', token, 'hex') : crypto.createHash('sha256').update(token).digest('hex');
}

/** The fingerprint of a `tokenDigest`: its first 16 hex characters. */
export function fingerprintOfDigest(digest: string): string {
  return digest.slice(0, 16);
}

/** First 16 hex characters of sha256(token). Prefer a Caller's `token_fp`: it is already computed. */
export function tokenFingerprint(token: string): string {
  return fingerprintOfDigest(tokenDigest(token));
}

export interface CallerInit extends Correlation {
  /** The raw bearer token `principal` was verified from. Held privately by the Caller. */
  token: string;
  /** The verified claims (`Verifier.verify(token)`); its `token_fp` must be this token's. */
  principal: Principal;
}

/**
 * Who a request is for, made once where its token is verified (`requireAuth`) and carried with
 * the run (`RunContext.caller`) to every client that acts for it. It holds the verified claims,
 * the token's fingerprint, the request's correlation (request id, traceparent) and, privately,
 * the raw token: a `#private` field, so `JSON.stringify`, spreads, `structuredClone`,
 * `util.inspect` and LangChain's tracers never see it. A copy made any of those ways is a plain
 * object, not a Caller: it carries no token and clients refuse it (fail closed).
 */
export class Caller implements Principal {
  readonly sub: string;
  readonly iss: string;
  readonly aud: readonly string[];
  readonly scope: readonly string[];
  declare readonly act?: Principal['act'];
  declare readonly client_id?: string;
  declare readonly azp?: string;
  readonly exp: number;
  readonly token_fp: string;
  /** The request id of the request the caller made (`x-request-id`), when valid. */
  declare readonly requestId?: string;
  /** The W3C traceparent of that request, when valid; outgoing hops send a child of it. */
  declare readonly traceparent?: string;
  readonly #token: string;

  constructor(init: CallerInit) {
    const p = init?.principal;
    if (typeof init?.token !== 'string' || init.token === '') throw new TypeError('Caller: token must be a non-empty string');
    if (typeof p !== 'object' || p === null || typeof p.sub !== 'string' || p.sub === '') {
      throw new TypeError('Caller: principal must be a verified Principal');
    }
    if (typeof p.exp !== 'number' || !Number.isFinite(p.exp)) throw new TypeError('Caller: principal.exp must be a number');
    if (typeof p.token_fp !== 'string' || p.token_fp === '') throw new TypeError('Caller: principal.token_fp is required');
    this.#token = init.token;
    this.sub = p.sub;
    this.iss = p.iss;
    this.aud = p.aud;
    this.scope = p.scope;
    if (p.act !== undefined) (this as { act?: Principal['act'] }).act = p.act;
    if (p.client_id !== undefined) (this as { client_id?: string }).client_id = p.client_id;
    if (p.azp !== undefined) (this as { azp?: string }).azp = p.azp;
    this.exp = p.exp;
    this.token_fp = p.token_fp;
    if (isValidRequestId(init.requestId)) (this as { requestId?: string }).requestId = init.requestId;
    if (parseTraceparent(init.traceparent)) (this as { traceparent?: string }).traceparent = init.traceparent!.trim();
    Object.freeze(this);
  }

  /** A genuine Caller (not a copy, not a look-alike object). */
  static is(value: unknown): value is Caller {
    return typeof value === 'object' && value !== null && #token in value;
  }

  /** The raw token of a genuine Caller, else undefined. Only for an `Authorization` header or an exchange's `subject_token`. */
  static accessTokenOf(value: unknown): string | undefined {
    return Caller.is(value) ? value.#token : undefined;
  }
}

/** Whether `value` is a genuine Caller (`Caller.is`). */
export const isCaller = (value: unknown): value is Caller => Caller.is(value);

/** The raw bearer token of a genuine Caller, else undefined (`Caller.accessTokenOf`). */
export const accessTokenOf = (value: unknown): string | undefined => Caller.accessTokenOf(value);
