import { BatonError, codesOf, errorBody, isBatonError, statusOf } from '@baton/errors';
import { AuthError, bearerChallenge, isAuthError, quoteHeaderValue, withRealm } from './errors.js';
import { hasScopes, missingScopes, parseScope } from './scopes.js';

describe('AuthError', () => {
  it('carries the registry status of every AUTH_* code', () => {
    const statuses = Object.fromEntries(codesOf('AUTH').map((code) => [code, new AuthError(code, 'm').status]));
    expect(statuses).toEqual({
      AUTH_TOKEN_MISSING: 401,
      AUTH_INVALID_REQUEST: 400,
      AUTH_TOKEN_MALFORMED: 401,
      AUTH_TOKEN_TOO_LARGE: 401,
      AUTH_ALG_NOT_ALLOWED: 401,
      AUTH_HEADER_NOT_ALLOWED: 401,
      AUTH_TYP_INVALID: 401,
      AUTH_SIGNATURE_INVALID: 401,
      AUTH_TOKEN_EXPIRED: 401,
      AUTH_TOKEN_LIFETIME_TOO_SHORT: 401,
      AUTH_TOKEN_NOT_YET_VALID: 401,
      AUTH_ISSUER_MISMATCH: 401,
      AUTH_AUDIENCE_MISMATCH: 401,
      AUTH_CLAIM_INVALID: 401,
      AUTH_KEY_NOT_FOUND: 401,
      AUTH_INSUFFICIENT_SCOPE: 403,
      AUTH_KEYS_UNAVAILABLE: 503,
      AUTH_EXCHANGE_DENIED: 403,
      AUTH_EXCHANGE_UNAVAILABLE: 503,
      AUTH_EXCHANGE_RATE_LIMITED: 429,
      AUTH_PEER_NOT_ALLOWED: 403,
      AUTH_ACTOR_PEER_MISMATCH: 403,
      AUTH_ACTOR_NOT_ALLOWED: 403,
    });
    for (const code of codesOf('AUTH')) expect(statuses[code]).toBe(statusOf(code));
  });

  it('recognises an AUTH_* BatonError made outside @baton/auth, and leaves a code without a challenge as it is', () => {
    const peer = new BatonError('AUTH_PEER_NOT_ALLOWED', 'This peer may not call this agent');
    expect(isAuthError(peer)).toBe(true);
    expect(peer.status).toBe(403);
    expect(withRealm(peer, 'agents')).toBe(peer);
    expect(new AuthError('AUTH_ACTOR_NOT_ALLOWED', 'm').headers).toEqual({});
    expect(isAuthError(new BatonError('REMOTE_FORBIDDEN', 'm'))).toBe(false);
    expect(isAuthError({ code: 'AUTH_TOKEN_EXPIRED', status: 401 })).toBe(false); // no brand
  });

  it('is a BatonError carrying the RFC 6750 challenge', () => {
    const e = new AuthError('AUTH_TOKEN_EXPIRED', 'Token has expired');
    expect(isBatonError(e)).toBe(true);
    expect(isAuthError(e)).toBe(true);
    expect(e.status).toBe(401);
    expect(e.headers['WWW-Authenticate']).toBe('Bearer realm="baton", error="invalid_token", error_description="Token has expired"');
    expect(errorBody(e)).toEqual({ error: { code: 'AUTH_TOKEN_EXPIRED', message: 'Token has expired' } });
  });

  it('sends a bare challenge when no credentials were sent, none for an outage', () => {
    expect(new AuthError('AUTH_TOKEN_MISSING', 'x').headers['WWW-Authenticate']).toBe('Bearer realm="baton"');
    const outage = new AuthError('AUTH_KEYS_UNAVAILABLE', 'x');
    expect(outage.status).toBe(503);
    expect(outage.headers).toEqual({});
  });

  it('adds the required scope to insufficient_scope and re-renders for another realm', () => {
    const e = new AuthError('AUTH_INSUFFICIENT_SCOPE', 'no', { scope: ['a:b', 'c'] });
    expect(e.status).toBe(403);
    const r = withRealm(e, 'agents') as AuthError;
    expect(r.headers['WWW-Authenticate']).toBe('Bearer realm="agents", error="insufficient_scope", error_description="no", scope="a:b c"');
    expect(r.code).toBe('AUTH_INSUFFICIENT_SCOPE');
  });

  it('escapes quotes and backslashes and strips CR/LF and non-ASCII from header values', () => {
    expect(quoteHeaderValue('a"b\\c\r\nSet-Cookie: x\u00e9')).toBe('"a\\"b\\\\cSet-Cookie: x"');
    expect(bearerChallenge('AUTH_TOKEN_MALFORMED', { realm: 'r"\n', description: 'd\r\n' })).toBe(
      'Bearer realm="r\\"", error="invalid_token", error_description="d"',
    );
  });
});

describe('scopes', () => {
  it('parses, checks and reports missing scopes', () => {
    expect(parseScope(' a  b a ')).toEqual(['a', 'b']);
    expect(parseScope(undefined)).toEqual([]);
    const p = { scope: ['a', 'b'] };
    expect(hasScopes(p, ['a'])).toBe(true);
    expect(hasScopes(p, 'a b')).toBe(true);
    expect(hasScopes(p, ['a', 'c'])).toBe(false);
    expect(hasScopes(p, [])).toBe(true);
    expect(missingScopes(p, 'c a d')).toEqual(['c', 'd']);
  });
});
