/**
 * Refusal or outage, decided once. When the issuer will not exchange the caller's token, the
 * answer is about the caller (a 403 all the way back to the user) only if the issuer refused the
 * caller; throttling, an unreachable or confused issuer, and the issuer rejecting this service's
 * own client credentials are outages or misconfiguration (5xx), never "forbidden". The exchange
 * client classifies the issuer's answer here; the remote client and the workflow read the
 * resulting error with `isCallerRefusal`.
 */

/** How a failed token exchange is reported. */
export type ExchangeFailure =
  /** The issuer refused to act for this caller (`invalid_grant`, `invalid_target`, `invalid_scope`, ...): 403. */
  | 'refused'
  /** The issuer rejected this service's own client credentials (`invalid_client`): 502. */
  | 'misconfigured'
  /** Throttling, network failure, timeout, 5xx, a 4xx without an OAuth error, a malformed answer: 503. */
  | 'unavailable';

/** HTTP status of each kind of failure, as the exchange client reports it. */
export const EXCHANGE_FAILURE_STATUS: Readonly<Record<ExchangeFailure, number>> = Object.freeze({
  refused: 403,
  misconfigured: 502,
  unavailable: 503,
});

const THROTTLED = new Set(['slow_down', 'temporarily_unavailable']);

/**
 * The kind of failure of an issuer's non-success answer to a token request: `status` is the
 * HTTP status, `oauthError` the OAuth `error` of a JSON body (RFC 6749 §5.2), if it had one.
 */
export function classifyIssuerAnswer(status: number, oauthError: string | undefined): ExchangeFailure {
  if (status === 429 || (oauthError !== undefined && THROTTLED.has(oauthError))) return 'unavailable';
  if (status >= 400 && status < 500 && oauthError !== undefined) return oauthError === 'invalid_client' ? 'misconfigured' : 'refused';
  return 'unavailable';
}

/**
 * Whether `err` — thrown by the exchange client (`AUTH_EXCHANGE_DENIED`), the remote client
 * (`REMOTE_EXCHANGE_DENIED`) or wrapping either — means the caller was refused, as opposed to an
 * outage. Read by `code` and `status`, never `instanceof`.
 */
export function isCallerRefusal(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, status } = err as { code?: unknown; status?: unknown };
  if (code === 'REMOTE_EXCHANGE_DENIED') return true;
  return code === 'AUTH_EXCHANGE_DENIED' && status === EXCHANGE_FAILURE_STATUS.refused;
}
