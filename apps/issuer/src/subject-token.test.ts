import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAuthError } from '@baton/auth';
import { KeyStore } from './keys.js';
import { OAuthError } from './oauth-error.js';
import { ownKeyStore, subjectTokenVerifier } from './subject-token.js';
import { mintAccessToken } from './tokens.js';

const ISSUER = 'http://issuer.test';
let dir: string;
let keys: KeyStore;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-subject-'));
  keys = KeyStore.open(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const NOW = 1_900_000_000_000;
const mint = (claims: Record<string, unknown> = {}) =>
  mintAccessToken(keys, {
    iss: ISSUER,
    sub: 'alice',
    aud: 'baton-workflow',
    scope: 'workflow:invoke',
    client_id: 'baton-dev',
    iat: NOW / 1000,
    exp: NOW / 1000 + 300,
    ...claims,
  }).token;

describe('ownKeyStore', () => {
  it("serves the issuer's own public key by kid, with no fetch", async () => {
    const store = ownKeyStore(keys, () => NOW);
    const { kid } = keys.signingKey();
    expect(await store.getKey(kid, 'RS256')).toBe(keys.publicKey(kid));
    expect(store.stats()).toEqual({ fetches: 0 });
  });

  it.each([
    ['an unknown kid', 'nope'],
    ['no kid', undefined],
  ])('refuses %s with AUTH_KEY_NOT_FOUND', async (_name, kid) => {
    const err = await ownKeyStore(keys, () => NOW)
      .getKey(kid, 'RS256')
      .catch((e: unknown) => e);
    expect(isAuthError(err) && err.code).toBe('AUTH_KEY_NOT_FOUND');
  });
});

describe('subjectTokenVerifier', () => {
  let verifier: ReturnType<typeof subjectTokenVerifier>;
  beforeAll(() => {
    verifier = subjectTokenVerifier({ issuer: ISSUER, keys, now: () => NOW });
  });

  it('returns the verified principal of a token of this issuer for the client audience', async () => {
    const p = await verifier.verify(mint(), 'baton-workflow');
    expect(p).toMatchObject({ sub: 'alice', aud: ['baton-workflow'], scope: ['workflow:invoke'], exp: NOW / 1000 + 300 });
  });

  it.each([
    ['another audience', () => mint(), 'agent-research', 'subject_token audience is not this client'],
    ['an expired token', () => mint({ exp: NOW / 1000 - 60 }), 'baton-workflow', 'subject_token has expired'],
    ['another issuer', () => mint({ iss: 'https://evil.example' }), 'baton-workflow', 'subject_token was not issued by this issuer'],
    ['not a JWT', () => 'not-a-jwt', 'baton-workflow', 'subject_token is not a JWT'],
  ])('refuses %s as invalid_grant, described by the error code', async (_name, token, audience, description) => {
    const err = await verifier.verify(token(), audience).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect({ error: (err as OAuthError).error, description: (err as OAuthError).description }).toEqual({
      error: 'invalid_grant',
      description,
    });
  });
});
