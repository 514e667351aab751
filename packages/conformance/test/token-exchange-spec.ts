// What RFC 8693 (token exchange) and RFC 6749 (client authentication, §5.2 errors) require of ANY
// issuer's token endpoint, as one suite runnable against any issuer URL, the way langgraphjs runs
// one checkpointer spec against every saver: hand in a client (id and secret), a subject token that
// client may exchange, a target audience, and (optionally) the issuer's signing key.
//
// Behaviours the RFCs leave open are the dev issuer's own policy, tested in
// apps/issuer/test/token-exchange-policy.test.ts, not here.
import { createPublicKey, generateKeyPairSync, createHmac, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  GRANT_TOKEN_EXCHANGE as TE,
  TOKEN_TYPE_ACCESS_TOKEN as AT,
  b64urlJson as b64url,
  basicAuth,
  expectRefusal,
  formRequest,
  nowSec,
  oneCharOff,
  secretsIn,
  sendTokenRequest,
  signJwt,
  type ClientAuth,
  type RefusalCase,
  type TokenRequest,
} from '@baton/testkit/oauth';

/** What the spec needs of an issuer, handed in by the caller's setup. */
export interface TokenExchangeTarget {
  /** The issuer identifier (`iss`). */
  issuerUrl: string;
  /** Absolute URL of the token endpoint. */
  tokenEndpoint: string;
  /** Absolute URL of the issuer's JWKS (the public key under the subject token's `kid`). */
  jwksUri: string;
  /** A confidential client allowed to use token exchange (client_secret_basic and client_secret_post). */
  client: { id: string; secret: string };
  /** A genuine user access token this client may exchange. */
  subjectToken: string;
  /** A target (`audience`) this client may exchange `subjectToken` for. */
  audience: string;
  /** The same target as an RFC 8707 absolute `resource` URI. */
  resource: string;
  /** The scope the issuer grants for `audience` when none is asked, if it is to be checked. */
  expectedScope?: string;
  /** The issuer's current signing key (RS256): cases that craft subject tokens with it run only when given. */
  signingKey?: { kid: string; privateKey: KeyObject };
}

export interface TokenExchangeSpecOptions {
  /** Name of the issuer under test (describe title). */
  name: string;
  /** Start or reach the issuer (beforeAll). */
  setup: () => Promise<TokenExchangeTarget>;
  /** Stop it (afterAll). */
  teardown?: () => Promise<void>;
  /** Whether `setup` hands in `signingKey`: decides which cases are declared. */
  withSigningKey: boolean;
  /**
   * The `error` for an invalid subject token. RFC 8693 §2.2.2 says `invalid_request`; many
   * issuers (the dev issuer among them) answer RFC 6749's `invalid_grant`. Default invalid_request.
   */
  invalidSubjectTokenError?: 'invalid_request' | 'invalid_grant';
}

interface Ctx {
  t: TokenExchangeTarget;
  /** `kid` of the subject token's header, and the issuer's public key under it (from its JWKS). */
  kid: string;
  publicKey: KeyObject;
  /** A token this issuer exchanged for `subjectToken`. */
  exchanged: string;
}

type SpecCase = RefusalCase<Ctx> & { needsSigningKey?: boolean };

function authHeader(c: Ctx, auth: ClientAuth): string | undefined {
  if (auth === 'none') return undefined;
  if (auth === 'basic') return basicAuth(c.t.client.id, c.t.client.secret);
  return auth.header;
}

const form = (c: Ctx, pairs: Array<[string, string]>, auth: ClientAuth = 'basic') => formRequest(pairs, authHeader(c, auth));

/** A token-exchange request for the subject token to the target; `undefined` in overrides drops a parameter. */
function exchangeReq(c: Ctx, overrides: Record<string, string | undefined> = {}, auth: ClientAuth = 'basic'): TokenRequest {
  const params = { grant_type: TE, subject_token: c.t.subjectToken, subject_token_type: AT, audience: c.t.audience, ...overrides };
  return form(
    c,
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
    auth,
  );
}

/** The genuine subject token's claims, fresh `jti`/`iat`/`exp`, then `extra` (`undefined` removes a claim). */
function subjectClaims(c: Ctx, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSec();
  const claims = { ...(jwt.decode(c.t.subjectToken) as Record<string, unknown>), jti: randomUUID(), iat: now, exp: now + 300, ...extra };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

/** Signed with the issuer's own key and header (`typ: at+jwt`, its kid). */
function ownSigned(c: Ctx, claims: Record<string, unknown>): string {
  const key = c.t.signingKey!;
  return signJwt(claims, key.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: key.kid });
}

function clientAuthCases(): SpecCase[] {
  return [
    { name: 'no client authentication at all', req: (c) => exchangeReq(c, {}, 'none'), status: 401, error: 'invalid_client' },
    {
      name: 'a Basic secret that differs in one character',
      req: (c) => exchangeReq(c, {}, { header: basicAuth(c.t.client.id, oneCharOff(c.t.client.secret)) }),
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'a client_secret_post secret that differs in one character',
      req: (c) => exchangeReq(c, { client_id: c.t.client.id, client_secret: oneCharOff(c.t.client.secret) }, 'none'),
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'an unknown client id with the right secret',
      req: (c) => exchangeReq(c, {}, { header: basicAuth('mallory', c.t.client.secret) }),
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'a client_id in the body without any secret (no public clients)',
      req: (c) => exchangeReq(c, { client_id: c.t.client.id }, 'none'),
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'the exchanged token as a Bearer credential instead of client authentication',
      req: (c) => exchangeReq(c, {}, { header: `Bearer ${c.exchanged}` }),
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'Basic credentials without a colon',
      req: (c) => exchangeReq(c, {}, { header: `Basic ${Buffer.from(`${c.t.client.id}${c.t.client.secret}`).toString('base64')}` }),
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'Basic and client_secret_post together',
      req: (c) => exchangeReq(c, { client_id: c.t.client.id, client_secret: c.t.client.secret }, 'basic'),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a body client_id that is not the Basic client',
      req: (c) => exchangeReq(c, { client_id: 'mallory' }, 'basic'),
      status: 400,
      error: 'invalid_request',
    },
  ];
}

function requestCases(): SpecCase[] {
  return [
    { name: 'no grant_type', req: (c) => exchangeReq(c, { grant_type: undefined }), status: 400, error: 'invalid_request' },
    {
      name: 'parameters in the query string instead of the body',
      req: (c) => ({
        ...exchangeReq(c),
        path: `${new URL(c.t.tokenEndpoint).pathname}?${new URLSearchParams({ grant_type: TE, subject_token_type: AT, subject_token: c.t.subjectToken, audience: c.t.audience })}`,
        body: '',
      }),
      status: 400,
      error: 'invalid_request',
    },
    { name: 'a missing subject_token', req: (c) => exchangeReq(c, { subject_token: undefined }), status: 400, error: 'invalid_request' },
    {
      name: 'a missing subject_token_type',
      req: (c) => exchangeReq(c, { subject_token_type: undefined }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'an unknown subject_token_type (made up)',
      req: (c) => exchangeReq(c, { subject_token_type: 'urn:example:token-type:magic' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'an actor_token_type without actor_token',
      req: (c) => exchangeReq(c, { actor_token_type: AT }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a malformed scope (a quote and a double space)',
      req: (c) => exchangeReq(c, { scope: 'research:invoke  "x' }),
      status: 400,
      error: 'invalid_scope',
    },
    {
      name: 'a relative resource',
      req: (c) => exchangeReq(c, { audience: undefined, resource: '/research' }),
      status: 400,
      error: 'invalid_target',
    },
    {
      name: 'a resource with a fragment',
      req: (c) => exchangeReq(c, { audience: undefined, resource: `${c.t.resource}#frag` }),
      status: 400,
      error: 'invalid_target',
    },
    {
      name: 'an audience name given as resource (not a URI)',
      req: (c) => exchangeReq(c, { audience: undefined, resource: c.t.audience }),
      status: 400,
      error: 'invalid_target',
    },
  ];
}

function repeatedParameterCases(): SpecCase[] {
  const pairs = (c: Ctx, extra: Array<[string, string]>): Array<[string, string]> => [
    ...extra,
    ['subject_token_type', AT],
    ['audience', c.t.audience],
  ];
  return [
    {
      name: 'a repeated grant_type',
      req: (c) =>
        form(
          c,
          pairs(c, [
            ['grant_type', TE],
            ['grant_type', TE],
            ['subject_token', c.t.subjectToken],
          ]),
        ),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a repeated subject_token',
      req: (c) =>
        form(
          c,
          pairs(c, [
            ['grant_type', TE],
            ['subject_token', c.t.subjectToken],
            ['subject_token', c.exchanged],
          ]),
        ),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a repeated client_secret',
      req: (c) =>
        form(
          c,
          pairs(c, [
            ['grant_type', TE],
            ['client_id', c.t.client.id],
            ['client_secret', oneCharOff(c.t.client.secret)],
            ['client_secret', c.t.client.secret],
            ['subject_token', c.t.subjectToken],
          ]),
          'none',
        ),
      status: 400,
      error: 'invalid_request',
    },
  ];
}

/** Invalid subject tokens: each differs from a genuine one in one respect. */
function subjectTokenCases(error: string): SpecCase[] {
  const bad = (name: string, token: (c: Ctx) => string, needsSigningKey = false): SpecCase => ({
    name,
    req: (c) => exchangeReq(c, { subject_token: token(c) }),
    status: 400,
    error,
    needsSigningKey,
  });
  const foreignKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return [
    bad('a subject token that is not a JWT', () => 'not-a-jwt-at-all'),
    bad(
      'an expired subject token (own key, exp a minute ago)',
      (c) => ownSigned(c, subjectClaims(c, { iat: nowSec() - 400, exp: nowSec() - 60 })),
      true,
    ),
    bad(
      'a subject token that is not yet valid (nbf in 5 min)',
      (c) => ownSigned(c, subjectClaims(c, { nbf: nowSec() + 300, exp: nowSec() + 600 })),
      true,
    ),
    bad('a subject token without exp', (c) => ownSigned(c, subjectClaims(c, { exp: undefined })), true),
    bad('a subject token without sub', (c) => ownSigned(c, subjectClaims(c, { sub: undefined })), true),
    bad('a genuine token whose payload was edited (sub alice -> bob, signature kept)', (c) => {
      const [h, p, s] = c.t.subjectToken.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      return `${h}.${b64url({ ...claims, sub: claims.sub === 'bob' ? 'alice' : 'bob' })}.${s}`;
    }),
    bad("a token signed by another RSA key under the issuer's kid", (c) =>
      signJwt(subjectClaims(c), foreignKey(), { alg: 'RS256', typ: 'at+jwt', kid: c.kid }),
    ),
    bad(
      'alg none with the issuer kid and no signature',
      (c) => `${b64url({ alg: 'none', typ: 'at+jwt', kid: c.kid })}.${b64url(subjectClaims(c))}.`,
    ),
    bad("HS256 keyed with the issuer's public key (algorithm confusion)", (c) => {
      const pem = c.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const input = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid: c.kid })}.${b64url(subjectClaims(c))}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    }),
    bad('a token from a foreign issuer (its own key and kid)', (c) =>
      signJwt(subjectClaims(c, { iss: 'https://idp.evil.example' }), foreignKey(), { alg: 'RS256', typ: 'at+jwt', kid: 'evil-key-1' }),
    ),
    bad("a foreign iss signed with the issuer's own key", (c) => ownSigned(c, subjectClaims(c, { iss: 'https://idp.evil.example' })), true),
  ];
}

/** The refusal cases, in the order they run. */
export function tokenExchangeCases(invalidSubjectTokenError: string): SpecCase[] {
  return [...clientAuthCases(), ...requestCases(), ...subjectTokenCases(invalidSubjectTokenError), ...repeatedParameterCases()];
}

async function publicKeyFor(jwksUri: string, kid: string): Promise<KeyObject> {
  const jwks = (await (await fetch(jwksUri)).json()) as { keys: Array<JsonWebKey & { kid?: string }> };
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error(`the JWKS at ${jwksUri} has no key ${kid}`);
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** Declares the spec's tests (call inside a test file, at top level or in a describe). */
export function tokenExchangeSpec(options: TokenExchangeSpecOptions): void {
  const all = tokenExchangeCases(options.invalidSubjectTokenError ?? 'invalid_request');
  const cases = all.filter((c) => options.withSigningKey || !c.needsSigningKey);

  describe(`RFC 8693 token exchange spec: ${options.name}`, () => {
    const ctx = {} as Ctx;
    const send = (req: TokenRequest) => sendTokenRequest(ctx.t.tokenEndpoint, req);
    const exchange = async (subjectToken: string) => {
      const res = await send(exchangeReq(ctx, { subject_token: subjectToken }));
      if (res.status !== 200) throw new Error(`exchange -> ${res.status} ${res.text}`);
      return res;
    };

    beforeAll(async () => {
      ctx.t = await options.setup();
      if (options.withSigningKey && !ctx.t.signingKey) throw new Error('withSigningKey: setup must hand in signingKey');
      ctx.kid = (jwt.decode(ctx.t.subjectToken, { complete: true })?.header.kid as string | undefined) ?? '';
      ctx.publicKey = await publicKeyFor(ctx.t.jwksUri, ctx.kid);
      ctx.exchanged = (await exchange(ctx.t.subjectToken)).json!.access_token as string;
    });
    afterAll(async () => {
      await options.teardown?.();
    });

    it('has at least 25 attack cases with distinct names', () => {
      expect(all.length).toBeGreaterThanOrEqual(25);
      expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    });

    it('exchanges the subject token: 200, RFC 8693 §2.2.1 response, no-store', async () => {
      const res = await exchange(ctx.t.subjectToken);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.json).toMatchObject({
        access_token: expect.any(String),
        issued_token_type: AT,
        token_type: expect.stringMatching(/^bearer$/i),
      });
    });

    if (options.withSigningKey) {
      it('accepts a token crafted with its own key when nothing is wrong with it (control for the crafted cases)', async () => {
        const body = (await exchange(ownSigned(ctx, subjectClaims(ctx)))).json!;
        if (ctx.t.expectedScope !== undefined) expect(body.scope).toBe(ctx.t.expectedScope);
      });
    }

    it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
      const req = await c.req(ctx);
      const res = await send(req);
      const { client, subjectToken } = ctx.t;
      const secrets = [client.secret, oneCharOff(client.secret), subjectToken, ctx.exchanged, ...secretsIn(req)];
      expectRefusal(res, { status: c.status, error: c.error, secrets });
      c.also?.(res);
    });
  });
}
