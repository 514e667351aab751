import { isBatonError, statusOf } from '@baton/errors';
import { REMOTE_ERROR_CODES, RemoteError, errorFromResponse, isRemoteError, isRetryableRemoteError, parseErrorBody } from './errors.js';

describe('remote errors', () => {
  it('carries the registry status of each REMOTE_* code (the status the calling service answers with)', () => {
    const statuses = Object.fromEntries(REMOTE_ERROR_CODES.map((code) => [code, new RemoteError(code, 'm', { remote: 'x' }).status]));
    expect(statuses).toEqual({
      REMOTE_UNAUTHORIZED: 502,
      REMOTE_FORBIDDEN: 502,
      REMOTE_BAD_REQUEST: 502,
      REMOTE_UNAVAILABLE: 502,
      REMOTE_TIMEOUT: 504,
      REMOTE_PROTOCOL: 502,
      REMOTE_ABORTED: 499,
      REMOTE_NO_CREDENTIALS: 500,
      REMOTE_EXCHANGE_DENIED: 403,
    });
    for (const code of REMOTE_ERROR_CODES) expect(statuses[code]).toBe(statusOf(code));
  });

  it('builds "research agent: 401 invalid_token (AUTH_TOKEN_EXPIRED)" from an RFC 6750 answer', () => {
    const e = errorFromResponse(
      'research',
      401,
      'Bearer realm="x", error="invalid_token"',
      JSON.stringify({ error: { code: 'AUTH_TOKEN_EXPIRED', message: 'expired' } }),
    );
    expect(e.message).toBe('research agent: 401 invalid_token (AUTH_TOKEN_EXPIRED): expired');
    expect(e).toMatchObject({
      code: 'REMOTE_UNAUTHORIZED',
      status: 502,
      remote: 'research',
      remoteStatus: 401,
      remoteCode: 'AUTH_TOKEN_EXPIRED',
    });
    expect(isBatonError(e)).toBe(true);
    expect(isRemoteError(e)).toBe(true);
  });

  it('never copies a token or a raw body into the message', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig';
    const e = errorFromResponse('writer', 500, undefined, JSON.stringify({ message: `bad Bearer ${token}` }));
    expect(e.message).not.toContain(token);
    const raw = errorFromResponse('writer', 502, undefined, `<html>${token}</html>`);
    expect(raw.message).toBe('writer agent: 502');
  });

  it('reads LangServe {detail} bodies and ignores code-like junk', () => {
    expect(parseErrorBody(JSON.stringify({ detail: 'Not Found' }))).toEqual({ code: undefined, message: 'Not Found' });
    expect(parseErrorBody(JSON.stringify({ error: { code: 'has spaces!', message: 'x' } })).code).toBeUndefined();
  });

  it('retryable only for unavailable and timeout', () => {
    expect(isRetryableRemoteError(new RemoteError('REMOTE_UNAVAILABLE', 'x', { remote: 'r' }))).toBe(true);
    expect(isRetryableRemoteError(new RemoteError('REMOTE_TIMEOUT', 'x', { remote: 'r' }))).toBe(true);
    expect(isRetryableRemoteError(new RemoteError('REMOTE_UNAUTHORIZED', 'x', { remote: 'r' }))).toBe(false);
    expect(isRetryableRemoteError(new Error('x'))).toBe(false);
  });

  it('retries 502/503/504, timeouts and issuer outages; never a 4xx answer, a 500, a refused exchange or our rejected credentials', () => {
    const answer = (status: number, remoteCode?: string) =>
      errorFromResponse('r', status, undefined, JSON.stringify({ error: { code: remoteCode } }));
    for (const status of [502, 503, 504]) expect(isRetryableRemoteError(answer(status))).toBe(true);
    for (const status of [400, 401, 403, 404, 408, 409, 422, 429, 500, 501]) expect(isRetryableRemoteError(answer(status))).toBe(false);
    // the agent's JWKS outage is a 503 with an AUTH_ code: still an outage
    expect(isRetryableRemoteError(answer(503, 'AUTH_KEYS_UNAVAILABLE'))).toBe(true);
    const exchange = (code: string) => new RemoteError('REMOTE_UNAVAILABLE', 'x', { remote: 'r', remoteCode: code });
    expect(isRetryableRemoteError(exchange('AUTH_EXCHANGE_UNAVAILABLE'))).toBe(true);
    expect(isRetryableRemoteError(exchange('AUTH_EXCHANGE_DENIED'))).toBe(false); // 502: our own client credentials
    expect(isRetryableRemoteError(new RemoteError('REMOTE_EXCHANGE_DENIED', 'x', { remote: 'r' }))).toBe(false);
    expect(isRetryableRemoteError(new RemoteError('REMOTE_PROTOCOL', 'x', { remote: 'r' }))).toBe(false);
    expect(isRetryableRemoteError(new RemoteError('REMOTE_ABORTED', 'x', { remote: 'r' }))).toBe(false);
  });
});
