import { BatonError, errorBody, isBatonError, scrubSecrets } from './index.js';

describe('BatonError', () => {
  it('is recognised by its brand, not by instanceof', () => {
    const e = new BatonError('AUTH_TOKEN_EXPIRED', 'expired', { status: 401 });
    expect(isBatonError(e)).toBe(true);
    expect(isBatonError({ code: 'AUTH_TOKEN_EXPIRED', status: 401 })).toBe(false);
    expect(isBatonError(new Error('x'))).toBe(false);
  });

  it('hides the message of a 5xx error from the client', () => {
    const e = new BatonError('SERVER_INTERNAL', 'db password is hunter2', { status: 500 });
    expect(errorBody(e)).toEqual({ error: { code: 'SERVER_INTERNAL', message: 'Internal error' } });
  });

  it('exposes 4xx messages and detail', () => {
    const e = new BatonError('REQUEST_INVALID', 'bad', { status: 422, detail: [{ path: 'topic' }] });
    expect(errorBody(e)).toEqual({ error: { code: 'REQUEST_INVALID', message: 'bad', detail: [{ path: 'topic' }] } });
  });
});

describe('scrubSecrets', () => {
  it('removes JWTs and bearer credentials from text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const out = scrubSecrets(`Unexpected token in JSON at ${jwt} and Bearer abcdefghijklmnop`);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).toContain('[redacted');
  });

  it('removes a JWT glued to a preceding word', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    expect(scrubSecrets(`subject_token_${jwt}`)).not.toContain('c2lnbmF0dXJl');
  });
});
