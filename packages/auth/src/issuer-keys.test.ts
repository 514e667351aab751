import { startTestIssuer, type TestIssuer } from '@baton/testkit';
import { createIssuerKeyStore } from './issuer-keys.js';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer();
});
afterAll(() => idp.close());

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('createIssuerKeyStore readiness (discovery, then the JWKS)', () => {
  it('one readiness check starts discovery and then the first key fetch: the next check is ready', async () => {
    const keys = createIssuerKeyStore({ issuer: idp.issuer });
    const before = idp.jwksRequests();
    expect(keys.ready()).toBe(false);
    // Nothing else asks (no second readiness check, no token): discovery answers, then the JWKS
    // is fetched on its own, and the next check finds the keys.
    await until(() => idp.jwksRequests() > before);
    expect(idp.jwksRequests()).toBeGreaterThan(before);
    await new Promise((r) => setTimeout(r, 100));
    expect(keys.ready()).toBe(true);
    expect(keys.jwksUri()).toBe(idp.jwksUri);
  });

  it('with an explicit JWKS_URI it needs no discovery', async () => {
    const keys = createIssuerKeyStore({ issuer: 'https://not-reachable.invalid', jwksUri: idp.jwksUri });
    expect(keys.ready()).toBe(false);
    await until(() => keys.ready());
    expect(keys.ready()).toBe(true);
  });
});
