// Every documented token profile against REAL tokens from a third-party provider (oidc-provider 9
// in its own process), each client of which issues one provider's shape. A profile accepts exactly
// the shapes it names and refuses the others; ID tokens from a real authorization code flow are
// refused under every profile, including those that accept typ JWT or no typ.
import { createIssuerKeyStore, createVerifier, resolveTokenProfile, TOKEN_PROFILE_NAMES, type Verifier } from '@baton/auth';
import { RESOURCES, SHAPES, startFixture, type Fixture, type Shape } from './fixture.js';

const ACCEPTS: Record<(typeof TOKEN_PROFILE_NAMES)[number], Shape[]> = {
  strict: ['rfc9068'],
  dev: ['rfc9068'],
  keycloak: ['rfc9068', 'keycloak', 'auth0'],
  auth0: ['rfc9068', 'keycloak', 'auth0'],
  okta: ['okta'],
  entra: ['entra'],
};

const WF = RESOURCES.workflow;
let idp: Fixture;
const tokens = new Map<Shape, string>();

beforeAll(async () => {
  // a client whose id is the workflow's audience: its ID tokens carry aud=baton-workflow
  idp = await startFixture({ extraClients: [WF.audience] });
  for (const shape of SHAPES) tokens.set(shape, await idp.clientCredentials(shape, WF.uri, WF.scope));
}, 120_000);
afterAll(() => idp?.stop());

function verifierFor(profile: string, issuer = idp.issuer): Verifier {
  const keys = createIssuerKeyStore({ issuer });
  return createVerifier({ issuer, audience: WF.audience, keys, profile: resolveTokenProfile(profile) });
}

/** accepted = verified and granting the workflow scope (what requireAuth then checks) */
async function outcome(v: Verifier, token: string): Promise<string> {
  try {
    const p = await v.verify(token);
    return p.scope.includes(WF.scope) ? 'accepted' : 'no scope';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe.each(TOKEN_PROFILE_NAMES.map((n) => [n]))('the %s profile against real oidc-provider tokens', (profile) => {
  it.each(SHAPES.map((s) => [s]))('the %s shape', async (shape) => {
    const result = await outcome(verifierFor(profile), tokens.get(shape)!);
    if (ACCEPTS[profile].includes(shape)) expect(result).toBe('accepted');
    else expect(result).not.toBe('accepted');
  });

  it("refuses a real ID token whose audience is the workflow's (401 AUTH_TYP_INVALID)", async () => {
    const { id_token } = await idp.userTokens(WF.audience, 'alice', WF.uri, WF.scope);
    expect(await outcome(verifierFor(profile), id_token)).toBe('AUTH_TYP_INVALID');
  });
});

describe('user tokens from a real authorization code flow', () => {
  it.each([
    ['okta', 'okta'],
    ['entra', 'entra'],
    ['keycloak', 'keycloak'],
    ['strict', 'rfc9068'],
  ] as const)("the %s profile accepts alice's %s-shaped access token with sub=alice", async (profile, shape) => {
    const { access_token } = await idp.userTokens(shape, 'alice', WF.uri, WF.scope);
    const p = await verifierFor(profile).verify(access_token);
    expect(p.sub).toBe('alice');
    expect(p.scope).toContain(WF.scope);
    expect(p.client_id).toBe(shape);
  });
});

describe('issuer identifiers as providers write them', () => {
  it('a trailing-slash issuer (Auth0 style) is configured and compared exactly', async () => {
    const slash = await startFixture({ issuerPath: '/' });
    try {
      expect(slash.issuer.endsWith('/')).toBe(true);
      const token = await slash.clientCredentials('auth0', WF.uri, WF.scope);
      expect(await outcome(verifierFor('auth0', slash.issuer), token)).toBe('accepted');
      // the same issuer without its slash is another issuer: discovery refuses it
      expect(await outcome(verifierFor('auth0', slash.issuer.slice(0, -1)), token)).toBe('AUTH_KEYS_UNAVAILABLE');
    } finally {
      await slash.stop();
    }
  });

  it('an issuer with a path found only through RFC 8414 path insertion (Okta style)', async () => {
    const okta = await startFixture({ issuerPath: '/oauth2/default', noOidcDiscovery: true });
    try {
      const token = await okta.clientCredentials('okta', WF.uri, WF.scope);
      expect(await outcome(verifierFor('okta', okta.issuer), token)).toBe('accepted');
    } finally {
      await okta.stop();
    }
  });
});
