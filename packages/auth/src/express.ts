import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isBatonError } from '@baton/errors';
import type { Auditor } from './audit.js';
import { AuthError, DEFAULT_REALM, withRealm } from './errors.js';
import { accessTokenOf, tokenFingerprint, type Principal } from './principal.js';
import { missingScopes, parseScope } from './scopes.js';
import type { Verifier } from './verify.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireAuth()`: the verified caller. */
      auth?: Principal;
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
  /** Extra check on the verified principal (e.g. mTLS binding); may throw an AuthError. */
  onPrincipal?: (req: Request, principal: Principal) => void | Promise<void>;
}

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_REQUEST_ID = 128;

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
  const match = /^([^ \t]+)(?:([ \t]+)(.*))?$/s.exec(value);
  if (!match) throw invalidRequest('Malformed Authorization header');
  const [, scheme, sep, credentials] = match;
  if (scheme!.toLowerCase() !== 'bearer') throw new AuthError('AUTH_TOKEN_MISSING', 'Authentication required');
  if (!credentials) throw invalidRequest('Malformed Authorization header: no token');
  if (/[^ ]/.test(sep!) || !B64TOKEN.test(credentials)) throw invalidRequest('Malformed Authorization header');
  return credentials;
}

function requestIdOf(req: Request): string | null {
  const fromContext = (req as { requestId?: unknown }).requestId;
  const id = typeof fromContext === 'string' ? fromContext : req.get('x-request-id');
  return typeof id === 'string' && id !== '' ? id.slice(0, MAX_REQUEST_ID) : null;
}

function traceIdOf(req: Request): string | null {
  const fromContext = (req as { traceparent?: unknown }).traceparent;
  const tp = typeof fromContext === 'string' ? fromContext : req.get('traceparent');
  if (typeof tp !== 'string') return null;
  const m = TRACEPARENT.exec(tp.trim());
  return m && !/^0+$/.test(m[1]!) ? m[1]! : null;
}

/**
 * Express 5 middleware: extract the bearer token, verify it, check `scopes`, run `onPrincipal`,
 * set `req.auth`, audit the decision, then `next()` — or `next(err)` with an AuthError carrying
 * the RFC 6750 challenge for `realm`. It never writes a response itself.
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
  const { verifier, auditor, onPrincipal } = options;

  return async function requireAuthMiddleware(req: Request, _res: Response, next: NextFunction) {
    let token: string | undefined;
    let principal: Principal | undefined;
    let failure: unknown;
    try {
      token = extractBearerToken(req);
      principal = await verifier.verify(token);
      if (onPrincipal) await onPrincipal(req, principal);
      const missing = missingScopes(principal, required);
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
          reason: failure === undefined ? 'ok' : isBatonError(failure) ? failure.code : 'INTERNAL',
          principal,
          token_fp: token ? tokenFingerprint(token) : null,
          request_id: requestIdOf(req),
          trace_id: traceIdOf(req),
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
    req.auth = principal;
    next();
  };
}

/** The raw bearer token of an authenticated request (from `req.auth`), for forwarding or exchange. */
export function getAccessToken(req: Request): string | undefined {
  return accessTokenOf(req.auth);
}
