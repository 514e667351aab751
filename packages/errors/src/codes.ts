/**
 * The core registry of Baton error codes: every code the library packages can put in an
 * `{error: {code}}` body (or an audit `reason`), with the HTTP status it answers with and what it
 * means. A package or app adds its own with `defineErrorCodes` (`./define.ts`); `BatonError`
 * accepts a core code or a defined one (`ErrorCode`), and takes its status from the registry
 * unless the caller passes an override (the few codes whose status depends on the case are
 * marked `variable: true`; docs/ERRORS.md lists why).
 *
 * The code is the wire contract: never rename one a client can see. docs/ERRORS.md is generated
 * from this object and the defined sets (`pnpm run config-docs`), and checked by a test.
 *
 * Not here: RFC 6749 §5.2 OAuth errors (`invalid_grant`, `invalid_client`, ...). The issuer's
 * token endpoint answers in that protocol's own wire format (`{error, error_description}`), and
 * their names and statuses are fixed by the RFC, not by Baton.
 */

/** Domains a code may start with (`AUTH_TOKEN_EXPIRED` is in `AUTH`). */
export const ERROR_DOMAINS = ['AUTH', 'REMOTE', 'RUNNABLE', 'REQUEST', 'CONFIG', 'SERVER'] as const;

export type ErrorDomain = (typeof ERROR_DOMAINS)[number];

export interface ErrorCodeEntry {
  /** The HTTP status an error with this code answers with. */
  readonly status: number;
  /** What the code means (the README table says the same). */
  readonly meaning: string;
  /** The status depends on the case: callers may pass another one (see the README). */
  readonly variable?: true;
}

export const ERROR_CODES = {
  // @baton/auth: bearer-token verification (RFC 6750) and token exchange (RFC 8693).
  AUTH_TOKEN_MISSING: { status: 401, meaning: 'No bearer token on a route that needs one' },
  AUTH_INVALID_REQUEST: {
    status: 400,
    meaning: 'The token is sent in a way this service refuses: in the query or body, two Authorization headers, a malformed header',
  },
  AUTH_TOKEN_MALFORMED: { status: 401, meaning: 'The token is not a well-formed signed JWT' },
  AUTH_TOKEN_TOO_LARGE: { status: 401, meaning: 'The token is longer than the verifier accepts' },
  AUTH_ALG_NOT_ALLOWED: { status: 401, meaning: 'The token is signed with an algorithm that is not allowed' },
  AUTH_HEADER_NOT_ALLOWED: { status: 401, meaning: 'The token header carries a parameter that is not allowed (jku, x5u, crit, ...)' },
  AUTH_TYP_INVALID: { status: 401, meaning: 'The token is not an access token (typ)' },
  AUTH_SIGNATURE_INVALID: { status: 401, meaning: 'The token signature does not verify' },
  AUTH_TOKEN_EXPIRED: { status: 401, meaning: 'The token has expired' },
  AUTH_TOKEN_LIFETIME_TOO_SHORT: {
    status: 401,
    meaning: 'The token expires before a run could finish (less than the service’s minimum remaining lifetime)',
  },
  AUTH_TOKEN_NOT_YET_VALID: { status: 401, meaning: 'The token is not valid yet (nbf or iat in the future)' },
  AUTH_ISSUER_MISMATCH: { status: 401, meaning: 'The token was issued by an issuer this service does not accept' },
  AUTH_AUDIENCE_MISMATCH: { status: 401, meaning: 'The token is not meant for this service (aud)' },
  AUTH_CLAIM_INVALID: { status: 401, meaning: 'A required claim is missing or has the wrong type' },
  AUTH_KEY_NOT_FOUND: { status: 401, meaning: 'No signing key of the issuer matches the token' },
  AUTH_INSUFFICIENT_SCOPE: { status: 403, meaning: 'The token does not grant the scope the route needs' },
  AUTH_KEYS_UNAVAILABLE: { status: 503, meaning: 'The signing keys could not be fetched: an outage, not a refusal' },
  AUTH_EXCHANGE_DENIED: {
    status: 403,
    meaning: 'The issuer refused a token exchange (502 when it refused this service’s own client credentials)',
    variable: true,
  },
  AUTH_EXCHANGE_UNAVAILABLE: { status: 503, meaning: 'The token exchange failed for want of a usable answer: an outage' },
  AUTH_EXCHANGE_RATE_LIMITED: {
    status: 429,
    meaning: "The issuer throttled token exchanges for this user or client: retry after the response's Retry-After",
  },
  // The agents' peer and actor policies (@baton/agent-host).
  AUTH_PEER_NOT_ALLOWED: { status: 403, meaning: 'The mutual-TLS peer is not on the agent’s allow-list' },
  AUTH_ACTOR_PEER_MISMATCH: { status: 403, meaning: 'The exchanged token was not issued to the TLS peer presenting it' },
  AUTH_ACTOR_NOT_ALLOWED: { status: 403, meaning: 'The token’s acting service (act.sub) may not call this agent' },

  // @baton/remote: the status the *calling* service answers with when an agent call fails.
  REMOTE_UNAUTHORIZED: { status: 502, meaning: 'The agent refused this service’s credentials (401)' },
  REMOTE_FORBIDDEN: { status: 502, meaning: 'The agent refused the call (403)' },
  REMOTE_BAD_REQUEST: { status: 502, meaning: 'The agent rejected the request (another 4xx)' },
  REMOTE_UNAVAILABLE: { status: 502, meaning: 'The agent could not be reached, was overloaded or failed (5xx, 429)' },
  REMOTE_TIMEOUT: { status: 504, meaning: 'The agent did not answer in time' },
  REMOTE_PROTOCOL: { status: 502, meaning: 'The agent’s answer does not follow the protocol or the output schema' },
  REMOTE_ABORTED: { status: 499, meaning: 'The call was aborted by the caller' },
  REMOTE_NO_CREDENTIALS: { status: 500, meaning: 'No caller credentials reached the remote client (a wiring bug)' },
  REMOTE_EXCHANGE_DENIED: { status: 403, meaning: 'The issuer refused to exchange the caller’s token for the agent' },

  // @baton/runnable-server: the LangServe routes.
  RUNNABLE_INPUT_INVALID: { status: 422, meaning: 'The input does not match the runnable’s input schema' },
  RUNNABLE_CONFIG_INVALID: { status: 422, meaning: 'A config key is not accepted or has the wrong shape' },
  RUNNABLE_REQUEST_INVALID: { status: 422, meaning: 'The request body does not have the LangServe shape' },
  RUNNABLE_BATCH_TOO_LARGE: { status: 422, meaning: 'A batch holds more inputs than allowed' },
  RUNNABLE_RECURSION_LIMIT: {
    status: 422,
    meaning: 'The run hit its recursion limit (LangGraph’s GRAPH_RECURSION_LIMIT) before it finished',
  },
  RUNNABLE_RUN_LOST: { status: 503, meaning: 'The replica running a resumed run stopped before the run finished (its lease lapsed)' },
  RUNNABLE_FAILED: { status: 500, meaning: 'The runnable failed with an error that is not a Baton error (fixed message)' },
  RUNNABLE_RUN_LIMIT_USER: {
    status: 429,
    meaning: 'The caller already has as many concurrent runs as allowed (Retry-After says when to try again)',
  },
  RUNNABLE_RUN_LIMIT_GLOBAL: {
    status: 429,
    meaning: 'The service already has as many concurrent runs as allowed (Retry-After says when to try again)',
  },
  RUNNABLE_RUN_NOT_FOUND: { status: 404, meaning: 'No such live run for this user (unknown, finished or another user’s: the same answer)' },
  RUNNABLE_RUN_CANCELLED: { status: 409, meaning: 'The run was cancelled by its owner (cancel route)' },

  // @baton/errors' error handler and the apps' route fallbacks: the request itself.
  REQUEST_NOT_FOUND: { status: 404, meaning: 'No route for this method and path' },
  REQUEST_ABORTED: { status: 499, meaning: 'The client closed the connection; the run was aborted' },
  REQUEST_TOO_LARGE: { status: 413, meaning: 'The request body exceeds the size limit' },
  REQUEST_MALFORMED_JSON: { status: 400, meaning: 'The request body is not valid JSON' },
  REQUEST_UNSUPPORTED_ENCODING: { status: 415, meaning: 'The request body’s encoding or charset is not supported' },
  REQUEST_INVALID: { status: 400, meaning: 'Another client error raised while reading the request (keeps its 4xx status)', variable: true },

  // @baton/errors, @baton/service: start-up and the last resort.
  SERVER_SHUTTING_DOWN: {
    status: 503,
    meaning: 'The service is shutting down: no new runs; an open stream ends with this code at the drain deadline',
  },
  CONFIG_INVALID: { status: 500, meaning: 'The service configuration is invalid (start-up; names the variables, never values)' },
  SERVER_INTERNAL: { status: 500, meaning: 'Anything else: an unexpected failure (never exposed: the message is `Internal error`)' },
} as const satisfies Record<string, ErrorCodeEntry>;

/** Every code of the core registry. */
export type CoreErrorCode = keyof typeof ERROR_CODES;

/** The core codes of one domain: `CodeOf<'AUTH'>` is every `AUTH_*` code. */
export type CodeOf<D extends ErrorDomain> = Extract<CoreErrorCode, `${D}_${string}`>;

/** Whether `code` is a code of the core registry. */
export function isCoreErrorCode(code: unknown): code is CoreErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The core codes of one domain, in registry order. */
export function codesOf<D extends ErrorDomain>(domain: D): readonly CodeOf<D>[] {
  return (Object.keys(ERROR_CODES) as CoreErrorCode[]).filter((c): c is CodeOf<D> => c.startsWith(`${domain}_`));
}
