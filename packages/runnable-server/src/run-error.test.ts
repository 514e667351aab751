import { BatonError } from '@baton/errors';
import { toRunError } from './run-error.js';

describe('toRunError', () => {
  it("keeps a 429's Retry-After (when to retry is about this caller) and drops every other header", () => {
    const throttled = new BatonError('AUTH_EXCHANGE_RATE_LIMITED', 'm', {
      status: 429,
      headers: { 'Retry-After': '5', 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
    expect(toRunError(throttled).headers).toEqual({ 'Retry-After': '5' });
    const denied = new BatonError('REMOTE_UNAUTHORIZED', 'm', { headers: { 'WWW-Authenticate': 'Bearer', 'Retry-After': '5' } });
    expect(toRunError(denied).headers).toEqual({});
  });
});
