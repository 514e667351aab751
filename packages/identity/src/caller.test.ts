import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import { Caller, accessTokenOf, isCaller, tokenDigest, tokenFingerprint, type Principal } from './caller.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.secret-signature';
const principal: Principal = Object.freeze({
  sub: 'alice',
  iss: 'https://issuer.test',
  aud: Object.freeze(['workflow']),
  scope: Object.freeze(['workflow:invoke']),
  act: Object.freeze({ sub: 'workflow' }),
  exp: 4_102_444_800,
  token_fp: tokenFingerprint(TOKEN),
});
const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('Caller', () => {
  const caller = new Caller({ token: TOKEN, principal, requestId: 'req-1', traceparent: parent });

  it('holds the verified claims, the fingerprint and the request correlation', () => {
    expect(caller).toMatchObject({
      sub: 'alice',
      aud: ['workflow'],
      scope: ['workflow:invoke'],
      act: { sub: 'workflow' },
      exp: 4_102_444_800,
    });
    expect(caller.token_fp).toBe(principal.token_fp);
    expect(caller.requestId).toBe('req-1');
    expect(caller.traceparent).toBe(parent);
    expect(Object.isFrozen(caller)).toBe(true);
  });

  it('keeps the token out of JSON, spreads, structuredClone and util.inspect', () => {
    for (const text of [JSON.stringify(caller), JSON.stringify({ ...caller }), inspect(caller, { showHidden: true, depth: 9 })]) {
      expect(text).not.toContain('secret-signature');
      expect(text).toContain('alice');
    }
    expect(JSON.stringify(structuredClone(caller))).not.toContain('secret-signature');
    expect(Object.getOwnPropertySymbols(caller)).toHaveLength(0);
  });

  it('gives the token only to accessTokenOf, and a copy is not a Caller (fail closed)', () => {
    expect(accessTokenOf(caller)).toBe(TOKEN);
    expect(isCaller(caller)).toBe(true);
    for (const copy of [{ ...caller }, JSON.parse(JSON.stringify(caller)), structuredClone(caller), Object.create(caller), principal]) {
      expect(isCaller(copy)).toBe(false);
      expect(accessTokenOf(copy)).toBeUndefined();
    }
    expect(accessTokenOf(undefined)).toBeUndefined();
  });

  it('drops a malformed request id or traceparent instead of carrying it', () => {
    const c = new Caller({ token: TOKEN, principal, requestId: 'bad\nid', traceparent: 'junk' });
    expect(c.requestId).toBeUndefined();
    expect(c.traceparent).toBeUndefined();
    expect(Object.keys(c)).not.toContain('requestId');
  });

  it('refuses to be made without a token or a verified principal', () => {
    expect(() => new Caller({ token: '', principal })).toThrow(TypeError);
    expect(() => new Caller({ token: TOKEN, principal: { ...principal, exp: undefined } as never })).toThrow(TypeError);
    expect(() => new Caller({ token: TOKEN, principal: { ...principal, token_fp: '' } })).toThrow(TypeError);
  });
});

describe('token fingerprint', () => {
  it('is the first 16 hex characters of the sha256 digest', () => {
    const hex = createHash('sha256').update(TOKEN).digest('hex');
    expect(tokenDigest(TOKEN)).toBe(hex);
    expect(tokenFingerprint(TOKEN)).toBe(hex.slice(0, 16));
  });
});
