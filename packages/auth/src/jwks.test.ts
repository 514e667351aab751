import * as crypto from 'node:crypto';
import { createJwksKeyStore, keyMatchesAlg } from './jwks.js';
import { deadUrl, ecKey, rsaKey, startJwks, type JwksServer } from '../test/helpers.js';

const rsa = rsaKey('rsa-1');
const ec = ecKey('ec-1');
let jwks: JwksServer;
let clock: number;
const now = () => clock;

beforeAll(async () => {
  jwks = await startJwks([rsa, ec]);
});
afterAll(() => jwks.close());
beforeEach(() => {
  jwks.hits = 0;
  jwks.mode = 'ok';
  jwks.keys = [rsa.jwk, ec.jwk];
  clock = 1_000_000;
});

function errorCode(p: Promise<unknown>) {
  return p.then(
    () => 'resolved',
    (e: { code: string; status: number }) => `${e.code} ${e.status}`,
  );
}

describe('createJwksKeyStore', () => {
  it('fetches once and serves every later lookup from the parsed KeyObjects', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    const spy = jest.spyOn(require('node:crypto') as typeof crypto, 'createPublicKey');
    try {
      const a = await store.getKey('rsa-1', 'RS256');
      for (let i = 0; i < 20; i++) expect(await store.getKey('rsa-1', 'RS256')).toBe(a);
      expect(await store.getKey('ec-1', 'ES256')).toBeDefined();
      expect(store.stats().fetches).toBe(1);
      expect(jwks.hits).toBe(1);
      expect(spy).toHaveBeenCalledTimes(2); // one per key in the set, never per lookup
    } finally {
      spy.mockRestore();
    }
  });

  it('shares one fetch between concurrent first lookups', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    await Promise.all(Array.from({ length: 25 }, () => store.getKey('rsa-1', 'RS256')));
    expect(jwks.hits).toBe(1);
  });

  it('makes at most one fetch per cooldown for a flood of 100 random kids', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now, cooldownMs: 30_000 });
    await store.getKey('rsa-1', 'RS256');
    expect(jwks.hits).toBe(1);
    clock += 31_000; // cooldown over: one refetch is allowed
    const results = await Promise.all(Array.from({ length: 100 }, () => errorCode(store.getKey(crypto.randomUUID(), 'RS256'))));
    expect(new Set(results)).toEqual(new Set(['AUTH_KEY_NOT_FOUND 401']));
    expect(jwks.hits).toBe(2);
    // still inside the cooldown: sequential random kids cause no fetch at all
    for (let i = 0; i < 100; i++) await errorCode(store.getKey(crypto.randomUUID(), 'RS256'));
    expect(jwks.hits).toBe(2);
    expect(store.stats().fetches).toBe(2);
  });

  it('accepts a rotated key once the cooldown has passed, not before', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now, cooldownMs: 30_000 });
    await store.getKey('rsa-1', 'RS256');
    const rotated = rsaKey('rsa-2');
    jwks.keys = [rotated.jwk, rsa.jwk];
    clock += 10_000;
    expect(await errorCode(store.getKey('rsa-2', 'RS256'))).toBe('AUTH_KEY_NOT_FOUND 401');
    expect(jwks.hits).toBe(1); // refused inside the cooldown without a request
    clock += 20_000;
    const key = await store.getKey('rsa-2', 'RS256');
    expect(key.export({ format: 'jwk' }).n).toBe(rotated.jwk.n);
    expect(jwks.hits).toBe(2);
  });

  it('refuses a key whose type does not match the alg without refetching', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    expect(await errorCode(store.getKey('ec-1', 'RS256'))).toBe('AUTH_KEY_NOT_FOUND 401');
    expect(await errorCode(store.getKey('rsa-1', 'ES256'))).toBe('AUTH_KEY_NOT_FOUND 401');
    expect(await errorCode(store.getKey('ec-1', 'ES384'))).toBe('AUTH_KEY_NOT_FOUND 401');
    expect(jwks.hits).toBe(1);
  });

  it('reports 503 AUTH_KEYS_UNAVAILABLE when the JWKS answers 500 and no key is cached', async () => {
    jwks.mode = 'error';
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    expect(await errorCode(store.getKey('rsa-1', 'RS256'))).toBe('AUTH_KEYS_UNAVAILABLE 503');
    // inside the cooldown after a failed fetch: still 503, and no new request
    expect(await errorCode(store.getKey('rsa-1', 'RS256'))).toBe('AUTH_KEYS_UNAVAILABLE 503');
    expect(jwks.hits).toBe(1);
    jwks.mode = 'ok';
    clock += 30_000;
    await expect(store.getKey('rsa-1', 'RS256')).resolves.toBeDefined();
  });

  it('reports 503 for an unreachable JWKS and for a malformed JWKS body', async () => {
    const refused = createJwksKeyStore({ jwksUri: `${await deadUrl()}/jwks`, now });
    expect(await errorCode(refused.getKey('rsa-1', 'RS256'))).toBe('AUTH_KEYS_UNAVAILABLE 503');
    jwks.mode = 'garbage';
    const garbage = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    expect(await errorCode(garbage.getKey('rsa-1', 'RS256'))).toBe('AUTH_KEYS_UNAVAILABLE 503');
  });

  it('keeps serving cached keys when a refresh fails, and refreshes stale sets in the background', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now, maxAgeMs: 60_000, cooldownMs: 30_000 });
    await store.getKey('rsa-1', 'RS256');
    jwks.mode = 'error';
    clock += 61_000;
    await expect(store.getKey('rsa-1', 'RS256')).resolves.toBeDefined(); // stale: served, refresh started
    for (let i = 0; i < 200 && jwks.hits < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setImmediate(r));
    expect(jwks.hits).toBe(2);
    await expect(store.getKey('rsa-1', 'RS256')).resolves.toBeDefined();
    // an unknown kid after the failed refresh, inside the cooldown: 503, not 401
    expect(await errorCode(store.getKey('other', 'RS256'))).toBe('AUTH_KEYS_UNAVAILABLE 503');
    expect(jwks.hits).toBe(2);
  });

  it('picks the only usable key when the token has no kid, and refuses when ambiguous', async () => {
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    await expect(store.getKey(undefined, 'ES256')).resolves.toBeDefined();
    jwks.keys = [rsa.jwk, rsaKey('rsa-3').jwk];
    const other = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    expect(await errorCode(other.getKey(undefined, 'RS256'))).toBe('AUTH_KEY_NOT_FOUND 401');
  });

  it('ignores RSA keys shorter than 2048 bits', async () => {
    const weak = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    jwks.keys = [{ ...weak.export({ format: 'jwk' }), kid: 'weak' }, rsa.jwk];
    const store = createJwksKeyStore({ jwksUri: jwks.jwksUri, now });
    expect(await errorCode(store.getKey('weak', 'RS256'))).toBe('AUTH_KEY_NOT_FOUND 401');
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => createJwksKeyStore({ jwksUri: 'not a url' })).toThrow(TypeError);
    expect(() => createJwksKeyStore({ jwksUri: 'file:///etc/passwd' })).toThrow(TypeError);
    expect(() => createJwksKeyStore({ jwksUri: jwks.jwksUri, cooldownMs: 0 })).toThrow(TypeError);
  });

  it('matches key types to algorithms', () => {
    expect(keyMatchesAlg(rsa.publicKey, 'RS256')).toBe(true);
    expect(keyMatchesAlg(rsa.publicKey, 'PS256')).toBe(true);
    expect(keyMatchesAlg(rsa.publicKey, 'ES256')).toBe(false);
    expect(keyMatchesAlg(ec.publicKey, 'ES256')).toBe(true);
    expect(keyMatchesAlg(ec.publicKey, 'ES512')).toBe(false);
    expect(keyMatchesAlg(ec.publicKey, 'HS256')).toBe(false);
  });
});
