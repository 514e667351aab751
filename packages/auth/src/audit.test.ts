import { createAuditor } from './audit.js';

describe('createAuditor().recordToken', () => {
  const decision = {
    decision: 'allow' as const,
    reason: 'ok',
    status: 200,
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    client_id: 'workflow',
    sub: 'alice',
    act: { sub: 'workflow' },
    aud: 'agent-research',
    scope: 'research:invoke',
    token_fp: '3f7a9c01d2e4b5a6',
    issued_token_fp: '9c1e0b7a55d2f013',
    jti: 'j-1',
    request_id: 'r-1',
    trace_id: null,
  };

  it('writes one token.decision line with the fixed shape, time from the injected clock', () => {
    const out: Array<{ obj: object; msg?: string }> = [];
    const auditor = createAuditor({ logger: { info: (obj, msg) => void out.push({ obj, msg }) }, service: 'issuer', now: () => 0 });
    const ev = auditor.recordToken(decision);
    expect(out).toEqual([{ obj: ev, msg: 'token.decision' }]);
    expect(ev).toEqual({ audit: true, event: 'token.decision', service: 'issuer', ...decision, time: '1970-01-01T00:00:00.000Z' });
  });

  it('neutralises CR/LF and control characters in logged values', () => {
    const auditor = createAuditor({ logger: { info: () => undefined }, service: 'issuer' });
    const ev = auditor.recordToken({
      ...decision,
      decision: 'deny',
      reason: 'invalid_grant',
      status: 400,
      sub: 'x\ny',
      act: { sub: 's\r' },
    });
    expect(JSON.stringify(ev)).not.toMatch(/\\[rnu]|\u2028/);
    expect(ev.sub).toBe('x y');
    expect(ev.act).toEqual({ sub: 's ' });
  });
});
