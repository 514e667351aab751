import { BatonError, isBatonError, type CodeOf } from '@baton/errors';

/**
 * Every code an auth failure can carry: the `AUTH_*` codes of the `@baton/errors` registry
 * (which holds their statuses). The code is the contract; messages may change.
 */
export type AuthErrorCode = CodeOf<'AUTH'>;

/** RFC 6750 §3.1 error parameter of the challenge, `null` = bare challenge, `undefined` = no header. */
type Challenge = 'invalid_token' | 'invalid_request' | 'insufficient_scope' | null | undefined;

/** The RFC 6750 challenge each auth code sends (its status is in the registry). */
const CHALLENGE: Record<AuthErrorCode, Challenge> = {
  AUTH_TOKEN_MISSING: null,
  AUTH_INVALID_REQUEST: 'invalid_request',
  AUTH_TOKEN_MALFORMED: 'invalid_token',
  AUTH_TOKEN_TOO_LARGE: 'invalid_token',
  AUTH_ALG_NOT_ALLOWED: 'invalid_token',
  AUTH_HEADER_NOT_ALLOWED: 'invalid_token',
  AUTH_TYP_INVALID: 'invalid_token',
  AUTH_SIGNATURE_INVALID: 'invalid_token',
  AUTH_TOKEN_EXPIRED: 'invalid_token',
  AUTH_TOKEN_LIFETIME_TOO_SHORT: 'invalid_token',
  AUTH_TOKEN_NOT_YET_VALID: 'invalid_token',
  AUTH_ISSUER_MISMATCH: 'invalid_token',
  AUTH_AUDIENCE_MISMATCH: 'invalid_token',
  AUTH_CLAIM_INVALID: 'invalid_token',
  AUTH_KEY_NOT_FOUND: 'invalid_token',
  AUTH_INSUFFICIENT_SCOPE: 'insufficient_scope',
  AUTH_KEYS_UNAVAILABLE: undefined,
  AUTH_EXCHANGE_DENIED: undefined,
  AUTH_EXCHANGE_UNAVAILABLE: undefined,
  AUTH_EXCHANGE_RATE_LIMITED: undefined,
  // The agents' peer and actor policies: a valid token this caller may not use here, no challenge.
  AUTH_PEER_NOT_ALLOWED: undefined,
  AUTH_ACTOR_PEER_MISMATCH: undefined,
  AUTH_ACTOR_NOT_ALLOWED: undefined,
};

/** Default realm of the `WWW-Authenticate` challenge. */
export const DEFAULT_REALM = 'baton';

export interface AuthErrorOptions {
  cause?: unknown;
  /** Realm of the challenge (default `baton`). */
  realm?: string;
  /** Scopes the resource needs (AUTH_INSUFFICIENT_SCOPE: the `scope` challenge parameter). */
  scope?: readonly string[];
  /** Override the status derived from the code (AUTH_EXCHANGE_DENIED for a client misconfiguration). */
  status?: number;
  /** Client-safe structured detail. */
  detail?: unknown;
  /** An outage's `Retry-After` (seconds, at least 1): when the next attempt can succeed. */
  retryAfterSec?: number;
}

/**
 * Characters allowed inside a quoted-string header parameter value: printable ASCII.
 * `"` and `\` are escaped; CR, LF and every other control or non-ASCII character is dropped,
 * so a value can never split or forge a header.
 */
export function quoteHeaderValue(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, (c) => `\\${c}`);
  return `"${clean}"`;
}

/** RFC 6750 §3 `WWW-Authenticate` value for a code, or undefined when the code sends none. */
export function bearerChallenge(
  code: AuthErrorCode,
  options: { realm?: string; description?: string; scope?: readonly string[] } = {},
): string | undefined {
  const challenge = CHALLENGE[code];
  if (challenge === undefined) return undefined;
  const parts = [`realm=${quoteHeaderValue(options.realm ?? DEFAULT_REALM)}`];
  if (challenge !== null) {
    parts.push(`error=${quoteHeaderValue(challenge)}`);
    if (options.description) parts.push(`error_description=${quoteHeaderValue(options.description)}`);
    if (challenge === 'insufficient_scope' && options.scope && options.scope.length > 0) {
      parts.push(`scope=${quoteHeaderValue(options.scope.join(' '))}`);
    }
  }
  return `Bearer ${parts.join(', ')}`;
}

/**
 * An authentication or authorisation failure: a BatonError whose `headers` carry the RFC 6750
 * `WWW-Authenticate` challenge (401 / 403 / 400), or none for an outage (503).
 * Messages never contain a token or any value taken from one.
 */
export class AuthError extends BatonError {
  override readonly code: AuthErrorCode;
  readonly realm: string;
  readonly scope: readonly string[] | undefined;

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    const realm = options.realm ?? DEFAULT_REALM;
    const challenge = bearerChallenge(code, { realm, description: message, scope: options.scope });
    super(code, message, {
      status: options.status,
      // An exchange refusal or a key outage is reported with its code; the message is ours.
      expose: true,
      cause: options.cause,
      headers: {
        ...(challenge === undefined ? {} : { 'WWW-Authenticate': challenge }),
        ...(options.retryAfterSec === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(options.retryAfterSec))) }),
      },
      detail: options.detail,
    });
    this.name = 'AuthError';
    this.code = code;
    this.realm = realm;
    this.scope = options.scope;
  }
}

export function isAuthErrorCode(code: unknown): code is AuthErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CHALLENGE, code);
}

/**
 * Whether `err` is an auth error: any BatonError (by its brand, never instanceof: two copies of a
 * package may be loaded) with an `AUTH_*` code, wherever it was made (`new BatonError('AUTH_…')`
 * in another package included).
 */
export function isAuthError(err: unknown): err is Omit<BatonError, 'code'> & { readonly code: AuthErrorCode } {
  return isBatonError(err) && isAuthErrorCode(err.code);
}

/** Re-issue an auth error with the challenge rendered for `realm` (other errors are returned as is). */
export function withRealm(err: unknown, realm: string): unknown {
  // A code without a challenge (an outage, a peer or actor refusal) has no realm to render.
  if (!isAuthError(err) || CHALLENGE[err.code] === undefined) return err;
  const scope = (err as { scope?: readonly string[] }).scope;
  if ((err as { realm?: string }).realm === realm) return err;
  return new AuthError(err.code, err.message, { realm, scope, cause: err.cause, status: err.status, detail: err.detail });
}
