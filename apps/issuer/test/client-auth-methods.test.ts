// Client authentication at the dev issuer's token endpoint, against the RUNNING compiled issuer
// (dist/main.js; build first): client_secret_basic, client_secret_post and private_key_jwt
// (RFC 7523), each driven by @baton/auth's exchange client exactly as the workflow uses it, and
// the private_key_jwt refusals (replayed jti, wrong aud, expired, too long-lived, bad signature,
// another client's iss, two methods at once, a client not registered for the method). Also the
// RFC 8707 `resource` and `audience`+`resource` targets.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Caller, createJwksKeyStore, createTokenExchangeClient, createVerifier, type TokenExchangeClientOptions } from '@baton/auth';
import {
  GRANT_TOKEN_EXCHANGE as TE,
  TOKEN_TYPE_ACCESS_TOKEN as AT,
  basicAuth,
  devIssuerToken,
  expectRefusal,
  formRequest,
  nowSec,
  sendTokenRequest,
} from '@baton/testkit/oauth';
import jwt from 'jsonwebtoken';
import { startIssuer, type IssuerProcess } from './issuer-process.js';

const SECRET = 'client-auth-suite-secret-0123456789-abcdefghijkl';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const RESEARCH_URL = 'http://127.0.0.1:3001/research';

const clientKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

let keysDir: string;
/** Registered for all three methods. */
let all: IssuerProcess;
/** Registered with keys only: private_key_jwt is then the only method (the default). */
let keysOnly: IssuerProcess;

beforeAll(async () => {
  keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-client-keys-'));
  const jwksFile = path.join(keysDir, 'workflow.jwks.json');
  fs.writeFileSync(
    jwksFile,
    JSON.stringify({
      keys: [
        { ...clientKey.publicKey.export({ format: 'jwk' }), kid: 'wf-rsa' },
        // No kid: the issuer registers it under its RFC 7638 thumbprint, the client's default kid.
        ecKey.publicKey.export({ format: 'jwk' }),
      ],
    }),
  );
  const env = { WORKFLOW_CLIENT_SECRET: SECRET, WORKFLOW_CLIENT_KEYS_FILE: jwksFile };
  [all, keysOnly] = await Promise.all([
    startIssuer({ env: { ...env, WORKFLOW_CLIENT_AUTH_METHODS: 'client_secret_basic,client_secret_post,private_key_jwt' } }),
    startIssuer({ env }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([all?.stop(), keysOnly?.stop()]);
  fs.rmSync(keysDir, { recursive: true, force: true });
});

const endpoint = (i: IssuerProcess) => `${i.base}/oauth/token`;

/** alice's genuine workflow token from /dev/token, as the Caller requireAuth would make of it. */
async function aliceCaller(i: IssuerProcess): Promise<Caller> {
  const token = await devIssuerToken(i.base, { user: 'alice' });
  const keys = createJwksKeyStore({ jwksUri: `${i.base}/.well-known/jwks.json` });
  const principal = await createVerifier({ issuer: i.base, audience: 'baton-workflow', keys }).verify(token);
  return new Caller({ token, principal });
}

function exchangeClient(i: IssuerProcess, extra: Partial<TokenExchangeClientOptions>) {
  return createTokenExchangeClient({ tokenEndpoint: endpoint(i), clientId: 'workflow', ...extra });
}

/** The claims of an exchanged token (already verified by the agent tests; decoded here). */
const claimsOf = (token: string) => jwt.decode(token) as Record<string, unknown>;

describe('the dev issuer authenticates the workflow client by each method', () => {
  it.each([
    ['client_secret_basic', { clientSecret: SECRET }],
    ['client_secret_post', { clientSecret: SECRET }],
    ['private_key_jwt (RS256)', { clientAssertionKey: { privateKey: clientKey.privateKey, kid: 'wf-rsa' } }],
    ['private_key_jwt (ES256, no kid)', { clientAssertionKey: { privateKey: ecKey.privateKey } }],
  ] as const)('exchanges with %s', async (name, auth) => {
    const method = name.split(' ')[0] as TokenExchangeClientOptions['clientAuthMethod'];
    const c = exchangeClient(all, { clientAuthMethod: method, ...auth });
    const caller = await aliceCaller(all);
    const first = await c.exchangeFor(caller, { audience: 'agent-research' });
    expect(claimsOf(first.accessToken)).toMatchObject({ sub: 'alice', aud: 'agent-research', act: { sub: 'workflow' } });
    // A second exchange (another audience) signs a new assertion: no false replay.
    const second = await c.exchangeFor(caller, { audience: 'agent-writer' });
    expect(claimsOf(second.accessToken)).toMatchObject({ aud: 'agent-writer' });
    await c.close();
  });

  it('exchanges with an RFC 8707 resource, and with audience and resource naming the same agent', async () => {
    const caller = await aliceCaller(all);
    for (const target of ['resource', 'both'] as const) {
      const c = exchangeClient(all, { clientSecret: SECRET, target });
      const out = await c.exchangeFor(caller, { audience: 'agent-research', resource: RESEARCH_URL });
      expect(claimsOf(out.accessToken)).toMatchObject({ aud: 'agent-research', scope: 'research:invoke' });
      await c.close();
    }
  });

  it('announces private_key_jwt in its metadata', async () => {
    const meta = (await (await fetch(`${all.base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256']);
  });

  it('a client registered with keys only may not use its secret (invalid_client), but may use private_key_jwt', async () => {
    const caller = await aliceCaller(keysOnly);
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      const c = exchangeClient(keysOnly, { clientAuthMethod: method, clientSecret: SECRET });
      await expect(c.exchangeFor(caller, { audience: 'agent-research' })).rejects.toMatchObject({
        code: 'AUTH_EXCHANGE_DENIED',
        status: 502,
        detail: { error: 'invalid_client' },
      });
      await c.close();
    }
    const c = exchangeClient(keysOnly, {
      clientAuthMethod: 'private_key_jwt',
      clientAssertionKey: { privateKey: clientKey.privateKey, kid: 'wf-rsa' },
    });
    await expect(c.exchangeFor(caller, { audience: 'agent-research' })).resolves.toMatchObject({ accessToken: expect.any(String) });
    await c.close();
  });
});

describe('the dev issuer refuses bad client assertions with 401 invalid_client', () => {
  let alice: string;
  beforeAll(async () => {
    alice = await devIssuerToken(all.base, { user: 'alice' });
  });

  const assertionClaims = (extra: Record<string, unknown> = {}) => {
    const now = nowSec();
    return { iss: 'workflow', sub: 'workflow', aud: endpoint(all), iat: now, exp: now + 60, jti: randomUUID(), ...extra };
  };
  // jwt.sign keeps a given iat (testkit's signJwt drops it: noTimestamp).
  const sign = (claims: Record<string, unknown>, key: KeyObject = clientKey.privateKey, kid = 'wf-rsa') =>
    jwt.sign(claims, key, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'JWT', kid } });

  function withAssertion(assertion: string, extra: Array<[string, string]> = [], authorization?: string) {
    return formRequest(
      [
        ['grant_type', TE],
        ['subject_token', alice],
        ['subject_token_type', AT],
        ['audience', 'agent-research'],
        ['client_id', 'workflow'],
        ['client_assertion_type', ASSERTION_TYPE],
        ['client_assertion', assertion],
        ...extra,
      ],
      authorization,
    );
  }

  async function expectInvalidClient(assertion: string) {
    const res = await sendTokenRequest(endpoint(all), withAssertion(assertion));
    expectRefusal(res, { status: 401, error: 'invalid_client', secrets: [assertion, alice, SECRET] });
  }

  it('accepts a well-formed assertion once, and refuses the same assertion replayed (same jti)', async () => {
    const assertion = sign(assertionClaims());
    const first = await sendTokenRequest(endpoint(all), withAssertion(assertion));
    expect(first.status).toBe(200);
    await expectInvalidClient(assertion);
  });

  it('refuses a new assertion that reuses a jti already accepted', async () => {
    const jti = randomUUID();
    expect((await sendTokenRequest(endpoint(all), withAssertion(sign(assertionClaims({ jti }))))).status).toBe(200);
    await expectInvalidClient(sign(assertionClaims({ jti, iat: nowSec() - 1 })));
  });

  it.each([
    ['aimed at another server (wrong aud)', () => assertionClaims({ aud: 'https://elsewhere.example/token' })],
    ['expired', () => assertionClaims({ iat: nowSec() - 120, exp: nowSec() - 60 })],
    ['living longer than 300 s', () => assertionClaims({ exp: nowSec() + 3600 })],
    ['issued in the future', () => assertionClaims({ iat: nowSec() + 120, exp: nowSec() + 180 })],
    ['not yet valid (nbf)', () => assertionClaims({ nbf: nowSec() + 120, exp: nowSec() + 180 })],
    ['without a jti', () => assertionClaims({ jti: undefined })],
    ['naming another client as iss', () => assertionClaims({ iss: 'someone-else' })],
    ['whose sub is not the client', () => assertionClaims({ sub: 'alice' })],
  ])('refuses an assertion %s', async (_name, claims) => {
    const c = Object.fromEntries(Object.entries(claims()).filter(([, v]) => v !== undefined));
    await expectInvalidClient(sign(c));
  });

  it('refuses an assertion signed by a key the client did not register (bad signature)', async () => {
    await expectInvalidClient(sign(assertionClaims(), strangerKey.privateKey));
    await expectInvalidClient(sign(assertionClaims(), strangerKey.privateKey, 'no-such-kid'));
  });

  // As the access-token verifier does: an extension the signer marks critical cannot be honoured,
  // and a kid that is not a non-empty string must not fall back to trying every registered key.
  it.each([
    ['a crit header (an extension it cannot honour)', { crit: ['exp'] }],
    ['an x5c header (a certificate chain naming its own key)', { x5c: ['MIIB'] }],
    ['a numeric kid', { kid: 123 }],
    ['an array kid', { kid: ['wf-rsa'] }],
    ['an object kid', { kid: { id: 'wf-rsa' } }],
    ['an empty kid', { kid: '' }],
    ['a kid of 257 characters', { kid: 'k'.repeat(257) }],
  ])('refuses an assertion with %s, otherwise valid and signed by the registered key', async (_name, header) => {
    const assertion = jwt.sign(assertionClaims(), clientKey.privateKey, {
      algorithm: 'RS256',
      header: { alg: 'RS256', typ: 'JWT', kid: 'wf-rsa', ...header } as unknown as jwt.JwtHeader,
    });
    await expectInvalidClient(assertion);
  });

  it('refuses an HS256 assertion keyed with the client secret, and an unsigned one', async () => {
    const hs = jwt.sign(assertionClaims(), SECRET, { algorithm: 'HS256', noTimestamp: true });
    await expectInvalidClient(hs);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(assertionClaims())).toString('base64url')}.`;
    await expectInvalidClient(none);
  });

  it('refuses an assertion together with Basic credentials or a client_secret (invalid_request)', async () => {
    const basic = await sendTokenRequest(endpoint(all), withAssertion(sign(assertionClaims()), [], basicAuth('workflow', SECRET)));
    expectRefusal(basic, { status: 400, error: 'invalid_request', secrets: [SECRET] });
    const post = await sendTokenRequest(endpoint(all), withAssertion(sign(assertionClaims()), [['client_secret', SECRET]]));
    expectRefusal(post, { status: 400, error: 'invalid_request', secrets: [SECRET] });
  });

  it('refuses a wrong client_assertion_type (invalid_request)', async () => {
    const req = formRequest([
      ['grant_type', TE],
      ['subject_token', alice],
      ['subject_token_type', AT],
      ['audience', 'agent-research'],
      ['client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer'],
      ['client_assertion', sign(assertionClaims())],
    ]);
    expectRefusal(await sendTokenRequest(endpoint(all), req), { status: 400, error: 'invalid_request', secrets: [alice] });
  });

  it('never writes an assertion to its log', () => {
    expect(all.output()).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/);
  });
});
