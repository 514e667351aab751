// The actor check as a pure function of a verified Caller (the cross-process cases, with tokens
// from the real issuer, are packages/e2e/test/actor-claim.test.ts).
import type { Request } from 'express';
import { Caller, type Principal } from '@baton/identity';
import { actorPolicy } from './actor-policy.js';

const req = {} as Request;
function caller(extra: Partial<Principal>): Caller {
  const principal: Principal = {
    sub: 'alice',
    iss: 'https://idp',
    aud: ['agent-research'],
    scope: [],
    exp: 2e9,
    token_fp: 'f'.repeat(16),
    ...extra,
  };
  return new Caller({ token: 'x.y.z', principal });
}
const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('actorPolicy', () => {
  it('is off when no actor is required', () => {
    expect(actorPolicy({ allowedActors: [], mode: 'exchange', actorClaim: 'azp' })).toBeUndefined();
  });

  it('reads client_id when ACTOR_CLAIM=client_id (RFC 9068), and still honours act', () => {
    const check = actorPolicy({ allowedActors: ['workflow'], mode: 'exchange', actorClaim: 'client_id' })!;
    expect(codeOf(() => check(req, caller({ client_id: 'workflow' })))).toBe('ok');
    expect(codeOf(() => check(req, caller({ client_id: 'baton-cli' })))).toBe('AUTH_ACTOR_NOT_ALLOWED');
    expect(codeOf(() => check(req, caller({})))).toBe('AUTH_ACTOR_NOT_ALLOWED');
    expect(codeOf(() => check(req, caller({ client_id: 'workflow', act: { sub: 'evil' } })))).toBe('AUTH_ACTOR_NOT_ALLOWED');
  });

  it('reads only act in passthrough mode, whatever the actor claim: a user token without act passes', () => {
    const check = actorPolicy({ allowedActors: ['workflow'], mode: 'passthrough', actorClaim: 'azp' })!;
    expect(codeOf(() => check(req, caller({ azp: 'baton-cli' })))).toBe('ok');
    expect(codeOf(() => check(req, caller({ act: { sub: 'evil' } })))).toBe('AUTH_ACTOR_NOT_ALLOWED');
    expect(codeOf(() => check(req, caller({ act: { sub: 'workflow', act: { sub: 'evil' } } })))).toBe('AUTH_ACTOR_NOT_ALLOWED');
  });
});
