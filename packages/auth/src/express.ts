import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isBatonError } from '@baton/errors';
import type { Auditor } from './audit.js';
import { AuthError, DEFAULT_REALM, withRealm } from './errors.js';
import {
  Caller,
  accessTokenOf,
  parseTraceparent,
  tokenFingerprint,
  w3cPropagator,
  type Correlation,
  type Principal,
} from '@baton/identity';
import { missingScopes, parseScope } from './scopes.js';
import type { Verifier } from './verify.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireAuth()`: the verified caller (claims, fingerprint, correlation; the token privately). */
      auth?: Caller;
    }
  }
}

export interface RequireAuthOptions {
  verifier: Verifier;
  /** Scopes every request must hold (a list or a space-delimited string; default none). */
  scopes?: readonly string[] | string;
  /** Realm of the `WWW-Authenticate` challenge (default `baton`). */
  realm?: string;
  /** Writes one audit event per decision. */
  auditor?: Auditor;
  /** Extra check on the verified caller (e.g. mTLS binding, allowed actors); may throw an AuthError. */
  onCaller?: (req: Request, caller: Caller) => void | Promise<void>;
  /**
   * Runs on the verified principal before the Caller is made, e.g. to adopt the caller's request
   * id and traceparent on an authenticated service hop (`@baton/service`'s
   * `adoptIncomingCorrelation`); the Caller and the audit line read the request's correlation after it.
   */
  onVerified?: (req: Request, principal: Principal) => void;
}

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function invalidRequest(message: string): AuthError {
  return new AuthError('AUTH_INVALID_REQUEST', message);
}

function queryHasToken(req: Request): boolean {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  if (q >= 0 && new URLSearchParams(url.slice(q + 1)).has('access_token')) return true;
  const query = req.query as unknown;
  return typeof query === 'object' && query !== null && Object.prototype.hasOwnProperty.call(query, 'access_token');
}

/**
 * The bearer token of a request (RFC 6750 §2.1), or an AuthError:
 * AUTH_TOKEN_MISSING (401, bare challenge) when there is no Authorization header or its scheme is
 * not Bearer; AUTH_INVALID_REQUEST (400) for a malformed header, two Authorization headers, or a
 * token in the query string (`access_token`) or in a parsed body — only the header is accepted.
 */
export function extractBearerToken(req: Request): string {
  if (queryHasToken(req)) throw invalidRequest('Access tokens are accepted in the Authorization header only');
  const body = req.body as unknown;
  if (typeof body === 'object' && body !== null && Object.prototype.hasOwnProperty.call(body, 'access_token')) {
    throw invalidRequest('Access tokens are accepted in the Authorization header only');
  }
  const all = req.headersDistinct?.authorization;
  if (all && all.length > 1) throw invalidRequest('More than one Authorization header');
  const value = req.headers.authorization;
  if (value === undefined || value === '') throw new AuthError('AUTH_TOKEN_MISSING', 'Authentication required');
  const match = /^([^ \t]+)(?:([ \t]+)([^ \t].*)?)?$/s.exec(value);
  if (!match) throw invalidRequest('Malformed Authorization header');
  const [, scheme, sep, credentials] = match;
  if (scheme!.toLowerCase() !== 'bearer') throw new AuthError('AUTH_TOKEN_MISSING', 'Authentication required');
  if (!credentials) throw invalidRequest('Malformed Authorization header: no token');
  if (/[^ ]/.test(sep!) || !B64TOKEN.test(credentials)) throw invalidRequest('Malformed Authorization header');
  return credentials;
}

/**
 * The request's correlation: what `requestContext()` (`@baton/service`) set on `req`, else the
 * request's own headers; each value only when well-formed.
 */
function correlationOf(req: Request): Correlation {
  const r = req as { requestId?: unknown; traceparent?: unknown };
  const requestId = typeof r.requestId === 'string' ? r.requestId : undefined;
  const traceparent = typeof r.traceparent === 'string' ? r.traceparent : undefined;
  if (requestId !== undefined && traceparent !== undefined) return { requestId, traceparent };
  const fromHeaders = w3cPropagator.extract(req.headers);
  return { requestId: requestId ?? fromHeaders.requestId, traceparent: traceparent ?? fromHeaders.traceparent };
}

/** The caller's own request id that `requestContext()` kept aside (`req.clientRequestId`), if any. */
function clientRequestIdOf(req: Request): string | undefined {
  const id = (req as { clientRequestId?: unknown }).clientRequestId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Express 5 middleware: extract the bearer token, verify it, make the request's `Caller` (once:
 * the verified claims, the fingerprint the verifier computed, the request id and traceparent, the
 * token privately), check `scopes`, run `onCaller`, set `req.auth`, audit the decision, then
 * `next()` — or `next(err)` with an AuthError carrying the RFC 6750 challenge for `realm`. It
 * never writes a response itself.
 */
export function requireAuth(options: RequireAuthOptions): RequestHandler {
  if (!options || !options.verifier || typeof options.verifier.verify !== 'function') {
    throw new TypeError('requireAuth: verifier is required');
  }
  const required = typeof options.scopes === 'string' ? parseScope(options.scopes) : [...(options.scopes ?? [])];
  if (!required.every((s) => typeof s === 'string' && s !== '' && !/\s/.test(s)))
    throw new TypeError('requireAuth: scopes must be scope tokens');
  const realm = options.realm ?? DEFAULT_REALM;
  if (typeof realm !== 'string' || realm === '' || /[^\x20-\x7e]|["\\]/.test(realm))
    throw new TypeError('requireAuth: realm must be printable ASCII without quotes');
  const { verifier, auditor, onCaller, onVerified } = options;

  return async function requireAuthMiddleware(req: Request, _res: Response, next: NextFunction) {
    let correlation = correlationOf(req);
    let token: string | undefined;
    let caller: Caller | undefined;
    let failure: unknown;
    try {
      token = extractBearerToken(req);
      const principal = await verifier.verify(token);
      if (onVerified) {
        onVerified(req, principal);
        correlation = correlationOf(req);
      }
      caller = new Caller({ token, principal, ...correlation });
      if (onCaller) await onCaller(req, caller);
      const missing = missingScopes(caller, required);
      if (missing.length > 0) {
        throw new AuthError('AUTH_INSUFFICIENT_SCOPE', 'The token does not grant the required scope', { scope: required, realm });
      }
    } catch (err) {
      failure = err;
    }
    if (auditor) {
      try {
        auditor.record({
          decision: failure === undefined ? 'allow' : 'deny',
          reason: failure === undefined ? 'ok' : isBatonError(failure) ? failure.code : 'SERVER_INTERNAL',
          principal: caller,
          // Verified: the caller's fingerprint (no second hash). Refused before that: hash it here.
          token_fp: caller?.token_fp ?? (token ? tokenFingerprint(token) : null),
          request_id: correlation.requestId ?? null,
          trace_id: parseTraceparent(correlation.traceparent)?.traceId ?? null,
          client_request_id: clientRequestIdOf(req),
        });
      } catch (err) {
        // An audit sink that throws must not let a request through unaudited.
        if (failure === undefined) failure = err;
      }
    }
    if (failure !== undefined) {
      next(withRealm(failure, realm));
      return;
    }
    req.auth = caller;
    next();
  };
}

/** The raw bearer token of an authenticated request (from `req.auth`), for forwarding or exchange. */
export function getAccessToken(req: Request): string | undefined {
  return accessTokenOf(req.auth);
}
