import { Caller, tokenFingerprint } from './caller.js';
import { RunContext, callerOf } from './run-context.js';

const caller = new Caller({
  token: 'a.b.c',
  principal: { sub: 'alice', iss: 'i', aud: ['w'], scope: [], exp: 4_102_444_800, token_fp: tokenFingerprint('a.b.c') },
});

describe('RunContext', () => {
  it('accepts a genuine caller and keeps the same object', () => {
    const parsed = RunContext.parse({ caller });
    expect(parsed.caller).toBe(caller);
  });

  it('refuses a context without a genuine caller', () => {
    for (const bad of [{}, { caller: { ...caller } }, { caller: JSON.parse(JSON.stringify(caller)) }, { principal: caller }]) {
      const r = RunContext.safeParse(bad);
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error?.issues)).toMatch(/no authenticated caller/);
    }
  });

  it('callerOf reads config.context.caller only', () => {
    expect(callerOf({ context: { caller } })).toBe(caller);
    expect(callerOf({ context: { caller: { ...caller } } })).toBeUndefined();
    expect(callerOf({ context: {} })).toBeUndefined();
    expect(callerOf({ configurable: { caller } } as never)).toBeUndefined();
    expect(callerOf(undefined)).toBeUndefined();
  });
});
