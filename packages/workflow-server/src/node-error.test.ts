import { BatonError, statusOf } from '@baton/errors';
import { Caller, tokenFingerprint } from '@baton/identity';
import { WORKFLOW_ERRORS } from './error-codes.js';
import { nodeError } from './node.js';

const callerExpiringAt = (exp: number) =>
  new Caller({
    token: 't',
    principal: { sub: 'alice', iss: 'i', aud: ['w'], scope: [], exp, token_fp: tokenFingerprint('t') },
  });

describe('nodeError', () => {
  it('names the cause by its registered code, SERVER_INTERNAL for anything that is not a Baton error', () => {
    const unknown = nodeError('write', new Error('socket hang up Bearer abcdefghijkl'));
    expect(unknown).toMatchObject({ code: 'WORKFLOW_NODE_FAILED', status: 502, detail: { node: 'write', cause: 'SERVER_INTERNAL' } });
    expect(unknown.message).toBe('workflow node "write" failed: SERVER_INTERNAL');
    expect(statusOf(WORKFLOW_ERRORS.WORKFLOW_NODE_FAILED)).toBe(502);
  });

  it('answers 504 for a timeout and 403 for a refused caller (the registry marks its status variable)', () => {
    expect(nodeError('research', new BatonError('REMOTE_TIMEOUT', 'slow')).status).toBe(504);
    expect(nodeError('research', new BatonError('REMOTE_EXCHANGE_DENIED', 'no')).status).toBe(403);
    expect(nodeError('review', new BatonError('REMOTE_PROTOCOL', 'no verdict'))).toMatchObject({
      status: 502,
      detail: { cause: 'REMOTE_PROTOCOL' },
    });
  });

  it("answers 401 AUTH_TOKEN_EXPIRED with its challenge when the exchange was refused and the caller's own exp has passed", () => {
    const refused = new BatonError('REMOTE_EXCHANGE_DENIED', 'denied');
    const now = 1_000_000_000_000;
    const expired = nodeError('research', refused, callerExpiringAt(now / 1000 - 1), now);
    expect(expired).toMatchObject({ code: 'AUTH_TOKEN_EXPIRED', status: 401 });
    expect(expired.headers['WWW-Authenticate']).toMatch(/^Bearer realm="baton", error="invalid_token"/);
    // inside the clock leeway of its expiry counts too: the issuer's clock may be ahead of ours
    expect(nodeError('research', refused, callerExpiringAt(now / 1000 + 3), now).code).toBe('AUTH_TOKEN_EXPIRED');
    // a live token refused is a refusal; an outage with an expired token is still an outage
    expect(nodeError('research', refused, callerExpiringAt(now / 1000 + 600), now)).toMatchObject({
      code: 'WORKFLOW_NODE_FAILED',
      status: 403,
    });
    const outage = new BatonError('REMOTE_UNAVAILABLE', 'down');
    expect(nodeError('research', outage, callerExpiringAt(now / 1000 - 1), now)).toMatchObject({
      code: 'WORKFLOW_NODE_FAILED',
      status: 502,
    });
  });

  it("answers 429 AUTH_EXCHANGE_RATE_LIMITED with the issuer's Retry-After when the exchange was throttled (not 502)", () => {
    const throttled = new BatonError('AUTH_EXCHANGE_RATE_LIMITED', 'throttled', { status: 429, headers: { 'Retry-After': '7' } });
    expect(nodeError('write', throttled)).toMatchObject({
      code: 'AUTH_EXCHANGE_RATE_LIMITED',
      status: 429,
      headers: { 'Retry-After': '7' },
      detail: { node: 'write', cause: 'AUTH_EXCHANGE_RATE_LIMITED' },
    });
  });
});
