import { BatonError, isBatonError } from '@baton/errors';

/** Every code an auth failure can carry. The code is the contract; messages may change. */
export type AuthErrorCode =
  | 'AUTH_TOKEN_MISSING'
  | 'AUTH_INVALID_REQUEST'
  | 'AUTH_TOKEN_MALFORMED'
  | 'AUTH_TOKEN_TOO_LARGE'
  | 'AUTH_ALG_NOT_ALLOWED'
  | 'AUTH_HEADER_NOT_ALLOWED'
  | 'AUTH_TYP_INVALID'
  | 'AUTH_SIGNATURE_INVALID'
  | 'AUTH_TOKEN_EXPIRED'
  | 'AUTH_TOKEN_NOT_YET_VALID'
  | 'AUTH_ISSUER_MISMATCH'
  | 'AUTH_AUDIENCE_MISMATCH'
  | 'AUTH_CLAIM_INVALID'
  | 'AUTH_KEY_NOT_FOUND'
  | 'AUTH_INSUFFICIENT_SCOPE'
  | 'AUTH_KEYS_UNAVAILABLE'
  | 'AUTH_EXCHANGE_DENIED'
  | 'AUTH_EXCHANGE_UNAVAILABLE';

/** RFC 6750 §3.1 error parameter of the challenge, `null` = bare challenge, `undefined` = no header. */
type Challenge = 'invalid_token' | 'invalid_request' | 'insufficient_scope' | null | undefined;

const TABLE: Record<AuthErrorCode, { status: number; challenge: Challenge }> = {
  AUTH_TOKEN_MISSING: { status: 401, challenge: null },
  AUTH_INVALID_REQUEST: { status: 400, challenge: 'invalid_request' },
  AUTH_TOKEN_MALFORMED: { status: 401, challenge: 'invalid_token' },
  AUTH_TOKEN_TOO_LARGE: { status: 401, challenge: 'invalid_token' },
  AUTH_ALG_NOT_ALLOWED: { status: 401, challenge: 'invalid_token' },
  AUTH_HEADER_NOT_ALLOWED: { status: 401, challenge: 'invalid_token' },
  AUTH_TYP_INVALID: { status: 401, challenge: 'invalid_token' },
  AUTH_SIGNATURE_INVALID: { status: 401, challenge: 'invalid_token' },
  AUTH_TOKEN_EXPIRED: { status: 401, challenge: 'invalid_token' },
  AUTH_TOKEN_NOT_YET_VALID: { status: 401, challenge: 'invalid_token' },
  AUTH_ISSUER_MISMATCH: { status: 401, challenge: 'invalid_token' },
  AUTH_AUDIENCE_MISMATCH: { status: 401, challenge: 'invalid_token' },
  AUTH_CLAIM_INVALID: { status: 401, challenge: 'invalid_token' },
  AUTH_KEY_NOT_FOUND: { status: 401, challenge: 'invalid_token' },
  AUTH_INSUFFICIENT_SCOPE: { status: 403, challenge: 'insufficient_scope' },
  AUTH_KEYS_UNAVAILABLE: { status: 503, challenge: undefined },
  AUTH_EXCHANGE_DENIED: { status: 403, challenge: undefined },
  AUTH_EXCHANGE_UNAVAILABLE: { status: 503, challenge: undefined },
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
  const entry = TABLE[code];
  if (entry.challenge === undefined) return undefined;
  const parts = [`realm=${quoteHeaderValue(options.realm ?? DEFAULT_REALM)}`];
  if (entry.challenge !== null) {
    parts.push(`error=${quoteHeaderValue(entry.challenge)}`);
    if (options.description) parts.push(`error_description=${quoteHeaderValue(options.description)}`);
    if (entry.challenge === 'insufficient_scope' && options.scope && options.scope.length > 0) {
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
    const entry = TABLE[code];
    const realm = options.realm ?? DEFAULT_REALM;
    const challenge = bearerChallenge(code, { realm, description: message, scope: options.scope });
    super(code, message, {
      status: options.status ?? entry.status,
      // An exchange refusal or a key outage is reported with its code; the message is ours.
      expose: true,
      cause: options.cause,
      headers: challenge === undefined ? {} : { 'WWW-Authenticate': challenge },
      detail: options.detail,
    });
    this.name = 'AuthError';
    this.code = code;
    this.realm = realm;
    this.scope = options.scope;
  }
}

/** HTTP status an auth code maps to. */
export function authErrorStatus(code: AuthErrorCode): number {
  return TABLE[code].status;
}

export function isAuthErrorCode(code: unknown): code is AuthErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(TABLE, code);
}

/**
 * Whether `err` is an auth error (recognised by the BatonError brand and an AUTH_ code, never by
 * instanceof: two copies of this package may be loaded).
 */
export function isAuthError(err: unknown): err is BatonError & { code: AuthErrorCode } {
  return isBatonError(err) && isAuthErrorCode(err.code);
}

/** Re-issue an auth error with the challenge rendered for `realm` (other errors are returned as is). */
export function withRealm(err: unknown, realm: string): unknown {
  if (!isAuthError(err)) return err;
  const scope = (err as { scope?: readonly string[] }).scope;
  if ((err as { realm?: string }).realm === realm) return err;
  return new AuthError(err.code, err.message, { realm, scope, cause: err.cause, status: err.status, detail: err.detail });
}
