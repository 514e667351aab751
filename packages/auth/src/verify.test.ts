import { createJwksKeyStore, type KeyStore } from './jwks.js';
import { accessTokenOf, tokenFingerprint } from '@baton/identity';
import { createVerifier } from './verify.js';
import { AUDIENCE, ISSUER, ecKey, mint, rsaKey, signRaw, claims, startJwks, type JwksServer } from '../test/helpers.js';

const rsa = rsaKey('rsa-1');
const ec = ecKey('ec-1');
const ps = rsaKey('ps-1', 'PS256');
let jwks: JwksServer;
let clock: number;
const now = () => clock;

beforeAll(async () => {
  jwks = await startJwks([rsa, ec, ps]);
});
afterAll(() => jwks.close());
beforeEach(() => {
  jwks.hits = 0;
  jwks.mode = 'ok';
  clock = Date.now();
});

function counting(store: KeyStore): KeyStore & { calls: number } {
  const wrapped = {
    calls: 0,
    getKey(kid: string | undefined, alg: string) {
      wrapped.calls += 1;
      return store.getKey(kid, alg);
    },
    stats: () => store.stats(),
  };
  return wrapped;
}

function setup(extra: Partial<Parameters<typeof createVerifier>[0]> = {}) {
  const keys = counting(createJwksKeyStore({ jwksUri: jwks.jwksUri, now }));
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, now, ...extra });
  return { keys, verifier };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code: string }) => e.code,
  );

describe('createVerifier', () => {
  it('verifies an RS256 token into a Principal that holds its fingerprint and no token', async () => {
    const { verifier } = setup();
    const token = mint(rsa, { client_id: 'cli', act: { sub: 'workflow' } }, {}, clock);
    const p = await verifier.verify(token);
    expect(p).toMatchObject({
      sub: 'alice',
      iss: ISSUER,
      aud: [AUDIENCE],
      scope: ['research:invoke'],
      client_id: 'cli',
      act: { sub: 'workflow' },
    });
    expect(p.token_fp).toMatch(/^[0-9a-f]{16}$/);
    expect(p.token_fp).toBe(tokenFingerprint(token));
    // The token travels in the request's Caller (made by requireAuth), never in the shared Principal.
    expect(accessTokenOf(p)).toBeUndefined();
    expect(JSON.stringify(p)).not.toContain(token);
  });

  it('verifies ES256 and PS256 tokens', async () => {
    const { verifier } = setup();
    await expect(verifier.verify(mint(ec, {}, {}, clock))).resolves.toMatchObject({ sub: 'alice' });
    await expect(verifier.verify(mint(ps, {}, {}, clock))).resolves.toMatchObject({ sub: 'alice' });
  });

  it('serves a repeated token from the cache without calling the key store', async () => {
    const { verifier, keys } = setup();
    const token = mint(rsa, {}, {}, clock);
    const first = await verifier.verify(token);
    for (let i = 0; i < 10; i++) expect(await verifier.verify(token)).toBe(first);
    expect(keys.calls).toBe(1);
    expect(jwks.hits).toBe(1);
  });

  it('drops a cached token when it expires (exp re-checked against now on every hit)', async () => {
    const { verifier, keys } = setup({ clockToleranceSec: 0 });
    const token = mint(rsa, { exp: Math.floor(clock / 1000) + 60 }, {}, clock);
    await verifier.verify(token);
    clock += 59_000;
    await verifier.verify(token);
    expect(keys.calls).toBe(1);
    clock += 2_000;
    await expect(codeOf(verifier.verify(token))).resolves.toBe('AUTH_TOKEN_EXPIRED');
  });

  it('does not cache when cache is false', async () => {
    const { verifier, keys } = setup({ cache: false });
    const token = mint(rsa, {}, {}, clock);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(keys.calls).toBe(2);
    expect(jwks.hits).toBe(1); // keys are still parsed once
  });

  it('reports 503 AUTH_KEYS_UNAVAILABLE when the JWKS is down and no key is cached', async () => {
    jwks.mode = 'error';
    const { verifier } = setup();
    await expect(verifier.verify(mint(rsa, {}, {}, clock))).rejects.toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE', status: 503 });
  });

  it('keeps verifying with a cached key while the JWKS is down', async () => {
    const { verifier } = setup({ cache: false });
    await verifier.verify(mint(rsa, {}, {}, clock));
    jwks.mode = 'error';
    clock += 3_600_000; // far past maxAge: a refresh is attempted and fails
    await expect(verifier.verify(mint(rsa, {}, {}, clock))).resolves.toMatchObject({ sub: 'alice' });
    await expect(verifier.verify(mint(ec, { sub: 'bob' }, {}, clock))).resolves.toMatchObject({ sub: 'bob' });
  });

  it('accepts a token within the clock tolerance and refuses it just beyond', async () => {
    const { verifier } = setup({ clockToleranceSec: 5 });
    const nowSec = Math.floor(clock / 1000);
    await expect(codeOf(verifier.verify(mint(rsa, { exp: nowSec - 3 }, {}, clock)))).resolves.toBe('ok');
    await expect(codeOf(verifier.verify(mint(rsa, { exp: nowSec - 6 }, {}, clock)))).resolves.toBe('AUTH_TOKEN_EXPIRED');
  });

  it('accepts any typ when typ is false, and a configured typ case-insensitively', async () => {
    const off = setup({ typ: false }).verifier;
    await expect(codeOf(off.verify(signRaw({ alg: 'RS256', kid: 'rsa-1' }, claims({}, clock), rsa.privateKey)))).resolves.toBe('ok');
    const jwt = setup({ typ: ['JWT'] }).verifier;
    await expect(codeOf(jwt.verify(mint(rsa, {}, { typ: 'jwt' }, clock)))).resolves.toBe('ok');
    await expect(codeOf(jwt.verify(mint(rsa, {}, { typ: 'at+jwt' }, clock)))).resolves.toBe('AUTH_TYP_INVALID');
  });

  it('never puts the token in an error message', async () => {
    const { verifier } = setup();
    const token = mint(rsa, { exp: 1 }, {}, clock);
    const err = (await verifier.verify(token).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain(token);
    expect(JSON.stringify(err)).not.toContain(token);
  });

  it('rejects bad options with a TypeError', () => {
    const keys = createJwksKeyStore({ jwksUri: jwks.jwksUri });
    const base = { issuer: ISSUER, audience: AUDIENCE, keys };
    expect(() => createVerifier({ ...base, issuer: '' })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, audience: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, audience: '' })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, algorithms: ['HS256'] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, algorithms: ['none'] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, algorithms: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, clockToleranceSec: -1 })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, typ: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, cache: { max: 0 } })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, keys: {} as KeyStore })).toThrow(TypeError);
  });
});
