// The RFC 8693 grant registered on the real oidc-provider process (fixture/token-exchange-grant.mjs
// through `provider.registerGrantType`): its policy refused case by case — client authentication,
// a client without the grant or without a policy, subject tokens that are missing, garbage,
// expired, foreign or already exchanged, targets off the allow-list or naming two servers — and
// the shape of a successful exchange.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  JWT_LIKE,
  basicAuth,
  formRequest,
  nowSec,
  oneCharOff,
  secretsIn,
  sendTokenRequest,
  signJwt,
  type TokenRequest,
  type TokenResponse,
} from '@baton/testkit/oauth';
import { GRANT_TOKEN_EXCHANGE, RESOURCES, SECRET, startFixture, type Fixture } from './fixture.js';

const AT = 'urn:ietf:params:oauth:token-type:access_token';
const EXCHANGER = 'baton-exchanger';
const NO_GRANT = 'no-grant-client';
const NO_POLICY = 'no-policy-client';
const { workflow: WF, research: R, writer: W, reviewer: V } = RESOURCES;
let idp: Fixture;
let subjectToken: string;

beforeAll(async () => {
  idp = await startFixture({
    extraClients: [EXCHANGER, NO_GRANT, NO_POLICY],
    withoutExtraGrants: [NO_GRANT],
    tokenExchange: { clients: { [EXCHANGER]: [R.uri, W.uri, V.uri] }, ttlSec: 120 },
  });
  subjectToken = (await idp.userTokens('rfc9068', 'alice', WF.uri, WF.scope)).access_token;
}, 60_000);
afterAll(() => idp?.stop());

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

/** An exchange request; `undefined` in `params` drops a parameter. */
function exchangeReq(params: Record<string, string | undefined> = {}, authorization: string | null = basicAuth(EXCHANGER, SECRET)) {
  const all = { grant_type: GRANT_TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: AT, audience: R.audience, ...params };
  return formRequest(
    Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined),
    authorization ?? undefined,
  );
}
const send = (req: TokenRequest) => sendTokenRequest(idp.tokenEndpoint, req);

/** A token under the provider's own key: the genuine subject token's claims, fresh times, then `extra`. */
function ownSigned(extra: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const now = nowSec();
  const claims = { ...claimsOf(subjectToken), jti: `t-${now}-${Math.random()}`, iat: now, exp: now + 300, ...extra };
  const { kid, privateKey } = idp.signingKey;
  return signJwt(Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)), privateKey, {
    alg: 'RS256',
    typ: 'at+jwt',
    kid,
    ...header,
  });
}

async function exchanged(params: Record<string, string | undefined> = {}): Promise<Record<string, unknown>> {
  const res = await send(exchangeReq(params));
  if (res.status !== 200) throw new Error(`exchange -> ${res.status} ${res.text}`);
  return res.json!;
}

/**
 * An RFC 6749 §5.2 refusal: this status and `error`, a body of exactly `{error, error_description}`,
 * `Cache-Control: no-store`, no credential or token echoed. (oidc-provider 9 sends no `Pragma`,
 * which testkit's `expectRefusal` requires: RFC 9110 deprecates it.)
 */
function refused(res: TokenResponse, req: TokenRequest, status: number, error: string, description?: RegExp): void {
  expect({ status: res.status, error: res.json?.error }).toEqual({ status, error });
  expect(res.json).toEqual({ error, error_description: expect.any(String) });
  expect(res.headers.get('cache-control')).toBe('no-store');
  for (const s of [SECRET, subjectToken, ...secretsIn(req)]) expect(res.text.includes(s)).toBe(false);
  expect(res.text).not.toMatch(JWT_LIKE);
  if (description) expect(String(res.json!.error_description)).toMatch(description);
}

describe('a successful exchange', () => {
  it('answers RFC 8693 §2.2.1: a JWT access token for the agent, the user as sub, the client as act', async () => {
    const res = await send(exchangeReq());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = res.json!;
    expect(body).toMatchObject({ issued_token_type: AT, token_type: 'Bearer', scope: R.scope, expires_in: expect.any(Number) });
    expect(body.expires_in as number).toBeLessThanOrEqual(120);
    const token = body.access_token as string;
    expect(headerOf(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: 'fixture-1' });
    const c = claimsOf(token);
    expect(c).toMatchObject({
      iss: idp.issuer,
      sub: 'alice',
      aud: R.audience,
      scope: R.scope,
      client_id: EXCHANGER,
      act: { sub: EXCHANGER },
    });
    expect((c.exp as number) - (c.iat as number)).toBe(120);
  });

  it('by resource (RFC 8707), by both naming the same server, with a requested_token_type and a scope subset', async () => {
    expect(claimsOf((await exchanged({ audience: undefined, resource: W.uri })).access_token as string)).toMatchObject({ aud: W.audience });
    expect(claimsOf((await exchanged({ audience: V.audience, resource: V.uri })).access_token as string)).toMatchObject({
      aud: V.audience,
    });
    const jwtType = await exchanged({ requested_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: R.scope });
    expect(jwtType).toMatchObject({ scope: R.scope, issued_token_type: AT });
  });

  it('accepts a token crafted under its own key when nothing is wrong with it (control for the crafted cases)', async () => {
    expect(claimsOf((await exchanged({ subject_token: ownSigned({}) })).access_token as string).sub).toBe('alice');
  });
});

describe('client authentication and the grant (oidc-provider, before the handler)', () => {
  it('refuses a wrong client secret: 401 invalid_client', async () => {
    const req = exchangeReq({}, basicAuth(EXCHANGER, oneCharOff(SECRET)));
    refused(await send(req), req, 401, 'invalid_client');
  });

  it("refuses no client authentication: oidc-provider's 400 invalid_request", async () => {
    // RFC 6749 §5.2 would have 401 invalid_client; oidc-provider 9 treats a request naming no
    // client at all as malformed.
    const req = exchangeReq({}, null);
    refused(await send(req), req, 400, 'invalid_request', /client authentication/);
  });

  it("refuses a client not registered for the grant: oidc-provider's 400 invalid_request", async () => {
    // RFC 6749 §5.2 names unauthorized_client for this; oidc-provider 9 answers invalid_request.
    const req = exchangeReq({}, basicAuth(NO_GRANT, SECRET));
    refused(await send(req), req, 400, 'invalid_request', /grant type is not allowed for this client/);
  });

  it('refuses a client registered for the grant but without an exchange policy: 400 unauthorized_client', async () => {
    const req = exchangeReq({}, basicAuth(NO_POLICY, SECRET));
    refused(await send(req), req, 400, 'unauthorized_client', /no token-exchange policy/);
  });
});

describe('the subject token', () => {
  const foreignKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const cases: Array<[string, () => Record<string, string | undefined>, RegExp]> = [
    ['missing', () => ({ subject_token: undefined }), /missing required parameter subject_token/],
    ['garbage', () => ({ subject_token: 'not-a-jwt-at-all' }), /is not a JWT/],
    ['of an unknown token type', () => ({ subject_token_type: 'urn:example:magic' }), /unsupported subject_token_type/],
    ['expired (own key, exp a minute ago)', () => ({ subject_token: ownSigned({ iat: nowSec() - 400, exp: nowSec() - 60 }) }), /expired/],
    ['without exp', () => ({ subject_token: ownSigned({ exp: undefined }) }), /expired or has no exp/],
    ['not yet valid (nbf in 5 min)', () => ({ subject_token: ownSigned({ nbf: nowSec() + 300, exp: nowSec() + 600 }) }), /not yet valid/],
    ['without sub', () => ({ subject_token: ownSigned({ sub: undefined }) }), /has no sub/],
    [
      'from a foreign issuer (own key, iss elsewhere)',
      () => ({ subject_token: ownSigned({ iss: 'https://idp.evil.example' }) }),
      /not issued by this provider/,
    ],
    [
      "signed by another key under the provider's kid",
      () => ({ subject_token: signJwt(claimsOf(subjectToken), foreignKey(), { alg: 'RS256', typ: 'at+jwt', kid: 'fixture-1' }) }),
      /invalid signature/,
    ],
    ['an ID token (typ JWT)', () => ({ subject_token: ownSigned({ nonce: 'n' }, { typ: 'JWT' }) }), /not an access token/],
    ['for another audience (an agent token)', () => ({ subject_token: ownSigned({ aud: R.audience }) }), /is not for baton-workflow/],
    [
      'already exchanged (act present, workflow audience)',
      () => ({ subject_token: ownSigned({ act: { sub: 'someone' } }) }),
      /re-exchange is refused/,
    ],
    ['with an actor token', () => ({ actor_token: subjectToken, actor_token_type: AT }), /actor tokens are not supported/],
  ];
  it.each(cases)('refuses a subject token %s: 400 invalid_request', async (_name, params, description) => {
    const req = exchangeReq(params());
    refused(await send(req), req, 400, 'invalid_request', description);
  });

  it('refuses re-exchange of a token this grant issued (it carries act)', async () => {
    const first = (await exchanged()).access_token as string;
    const req = exchangeReq({ subject_token: first });
    const res = await send(req);
    refused(res, req, 400, 'invalid_request', /already exchanged/);
    expect(res.text).not.toContain(first);
  });

  it('the crafted cases are under the key the provider publishes', async () => {
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<{ kid: string; n: string }> };
    const ours = createPublicKey(idp.signingKey.privateKey).export({ format: 'jwk' });
    expect(jwks.keys.find((k) => k.kid === idp.signingKey.kid)?.n).toBe(ours.n);
  });
});

describe('the target', () => {
  const cases: Array<[string, Record<string, string | undefined>, string, RegExp]> = [
    ['no audience nor resource', { audience: undefined }, 'invalid_request', /a target is required/],
    ['an audience not on the allow-list (the workflow)', { audience: WF.audience }, 'invalid_target', /may not obtain tokens/],
    ['a resource not on the allow-list', { audience: undefined, resource: WF.uri }, 'invalid_target', /may not obtain tokens/],
    ['an unknown audience', { audience: 'agent-unknown' }, 'invalid_target', /unknown target/],
    ['resource and audience naming different servers', { audience: R.audience, resource: W.uri }, 'invalid_target', /same target/],
    ['a relative resource', { audience: undefined, resource: '/research' }, 'invalid_target', /absolute URI/],
    ['a resource with a fragment', { audience: undefined, resource: `${R.uri}#x` }, 'invalid_target', /absolute URI/],
    ['a scope outside the target', { scope: W.scope }, 'invalid_scope', /exceeds/],
  ];
  it.each(cases)('refuses %s', async (_name, params, error, description) => {
    const req = exchangeReq(params);
    refused(await send(req), req, 400, error, description);
  });

  it('refuses two audiences (repeated parameter): 400 invalid_request', async () => {
    const req = formRequest(
      [
        ['grant_type', GRANT_TOKEN_EXCHANGE],
        ['subject_token', subjectToken],
        ['subject_token_type', AT],
        ['audience', R.audience],
        ['audience', W.audience],
      ],
      basicAuth(EXCHANGER, SECRET),
    );
    refused(await send(req), req, 400, 'invalid_request');
  });
});
