import { createHash } from 'node:crypto';

/**
 * Who a verified request is for. A plain, JSON-safe object: it can be logged, put in a
 * LangGraph run context or serialised by accident without revealing the token, which is
 * held under a non-enumerable, global-symbol key (`accessTokenOf` reads it; `JSON.stringify`,
 * spreads, `structuredClone` and `util.inspect` all skip it).
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
  /** Token expiry, seconds since the epoch. */
  readonly exp: number;
  /** Short sha256 fingerprint of the token: the only way a token is ever identified in logs. */
  readonly token_fp: string;
}

const ACCESS_TOKEN = Symbol.for('baton.accessToken');

/** Returns `principal` with the raw token attached privately (non-enumerable symbol key). */
export function attachAccessToken<P extends Principal>(principal: P, token: string): P {
  Object.defineProperty(principal, ACCESS_TOKEN, { value: token, enumerable: false, writable: false, configurable: false });
  return principal;
}

/** The raw bearer token a principal was verified from, or undefined. */
export function accessTokenOf(principal: unknown): string | undefined {
  if (typeof principal !== 'object' || principal === null) return undefined;
  const t = (principal as Record<symbol, unknown>)[ACCESS_TOKEN];
  return typeof t === 'string' ? t : undefined;
}

/** First 16 hex characters of sha256(token). */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
