import { errorBody, isBatonError } from '@baton/errors';
import { AuthError, bearerChallenge, isAuthError, quoteHeaderValue, withRealm } from './errors.js';
import { hasScopes, missingScopes, parseScope } from './scopes.js';

describe('AuthError', () => {
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
