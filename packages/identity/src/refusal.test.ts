import { EXCHANGE_FAILURE_STATUS, classifyIssuerAnswer, isCallerRefusal } from './refusal.js';

describe('refusal or outage', () => {
  it.each([
    [400, 'invalid_grant', 'refused'],
    [400, 'invalid_target', 'refused'],
    [403, 'access_denied', 'refused'],
    [401, 'invalid_client', 'misconfigured'],
    [400, 'invalid_client', 'misconfigured'],
    [429, undefined, 'unavailable'],
    [429, 'invalid_grant', 'unavailable'],
    [400, 'slow_down', 'unavailable'],
    [400, 'temporarily_unavailable', 'unavailable'],
    [400, undefined, 'unavailable'],
    [500, 'server_error', 'unavailable'],
    [503, undefined, 'unavailable'],
  ] as const)('an issuer answering %i %s is %s', (status, error, kind) => {
    expect(classifyIssuerAnswer(status, error)).toBe(kind);
  });

  it('reports a refusal as 403 and everything else as a 5xx', () => {
    expect(EXCHANGE_FAILURE_STATUS).toEqual({ refused: 403, misconfigured: 502, unavailable: 503 });
  });

  it('recognises a refusal by code and status, never instanceof', () => {
    expect(isCallerRefusal({ code: 'AUTH_EXCHANGE_DENIED', status: 403 })).toBe(true);
    expect(isCallerRefusal({ code: 'REMOTE_EXCHANGE_DENIED', status: 403 })).toBe(true);
    expect(isCallerRefusal({ code: 'AUTH_EXCHANGE_DENIED', status: 502 })).toBe(false);
    expect(isCallerRefusal({ code: 'AUTH_EXCHANGE_UNAVAILABLE', status: 503 })).toBe(false);
    expect(isCallerRefusal({ code: 'REMOTE_UNAVAILABLE', status: 502 })).toBe(false);
    expect(isCallerRefusal(new Error('denied'))).toBe(false);
    expect(isCallerRefusal(undefined)).toBe(false);
  });
});
