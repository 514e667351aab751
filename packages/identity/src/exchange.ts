import type { Caller } from './caller.js';

/** One token exchange for a caller (RFC 8693): the target and, optionally, the scope. */
export interface ExchangeRequest {
  /** The target service's audience (RFC 8693 `audience`: a logical name, e.g. a Keycloak client id). */
  audience: string;
  /**
   * The target service's RFC 8707 resource indicator (an absolute URI), sent as `resource` when the
   * exchange client is configured to send one.
   */
  resource?: string;
  /** Space-delimited scopes to ask for (default: the issuer's choice). */
  scope?: string;
  /**
   * The traceparent of the outgoing hop this exchange belongs to (sent to the issuer). Default: a
   * child of the caller's traceparent, or none when the caller has none.
   */
  traceparent?: string;
}

/** A token obtained for a caller. */
export interface ExchangedAccessToken {
  accessToken: string;
  /** When it expires, ms since the epoch. */
  expiresAt?: number;
}

/**
 * What a client acting for a caller needs from a token-exchange client. `@baton/auth`'s
 * `createTokenExchangeClient` is one. Its errors are read with `isCallerRefusal`: a refusal must
 * carry `code: 'AUTH_EXCHANGE_DENIED'` and `status: 403`; anything else is an outage.
 */
export interface TokenExchanger {
  exchangeFor(caller: Caller, request: ExchangeRequest): Promise<ExchangedAccessToken>;
}
