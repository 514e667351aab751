// The dev issuer's own token-exchange POLICY under attack, against the RUNNING compiled issuer
// (dist/main.js). Build first: `pnpm --filter @baton/issuer build`.
//
// What RFC 8693 / RFC 6749 require of any issuer (client authentication, required parameters,
// invalid subject tokens, malformed scope and resource, repeated parameters) is the spec in
// packages/conformance/test/token-exchange-spec.ts, run against this issuer's process there. This
// suite keeps what is this issuer's choice: which grants and token types it supports, which
// subject tokens it accepts (audience, act, workflow:invoke, typ, exp capping), the scope mapping,
// the target allow-list and one-target rule, transport (form only, 16 KB, 405) and the rate limit.
//
// User tokens come from the real /dev/token endpoint. Crafted tokens that must differ from a
// genuine token in exactly one respect are signed with the issuer's own private key read from its
// data dir (no sleeps); the spec's control case shows such a token is otherwise accepted.
//
// Behaviours pinned here that the RFCs leave open:
// - `actor_token` is REFUSED (invalid_request), not ignored: the authenticated client is the actor.
// - a JSON (or any non-form) body is 400 invalid_request, not 415; 415 is kept for a form body in
//   an unsupported charset or content-encoding.
// - GET (or any method but POST) on /oauth/token is 405 invalid_request with `Allow: POST`.
// - several `audience`/`resource` values are invalid_target (RFC 8693 §2.2.2), every other
//   repeated parameter is invalid_request (also when its first value is empty).
import { createPublicKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  GRANT_TOKEN_EXCHANGE as TE,
  TOKEN_TYPE_ACCESS_TOKEN as AT,
  FORM,
  basicAuth as basic,
  devIssuerToken as devToken,
  expectRefusal,
  formRequest,
  nowSec,
  oneCharOff,
  readDevIssuerKey,
  secretsIn,
  sendTokenRequest,
  signJwt,
  JWT_LIKE,
  type ClientAuth as Auth,
  type RefusalCase,
  type TokenRequest as Req,
  type TokenResponse as Res,
} from '@baton/testkit/oauth';
import jwt from 'jsonwebtoken';
import { startIssuer, type IssuerProcess } from './issuer-process.js';

const SECRET = 'attack-suite-client-secret-0123456789-abcdefghij';
/** The same length, one character different. */
const SECRET_ONE_OFF = oneCharOff(SECRET);
const WORKFLOW_AUD = 'baton-workflow';
/** The documented body limit is 16 KB. */
const BODY_LIMIT = 16 * 1024;
/** Burst case: the second process allows this many exchanges per client per minute. */
const BURST_LIMIT = 5;

interface Ctx {
  issuer: IssuerProcess;
  base: string;
  key: { kid: string; privateKey: KeyObject };
  /** Genuine tokens from the running issuer. */
  alice: string;
  eve: string;
  aliceForResearch: string;
  exchanged: string;
  clientCredentials: string;
}

/** Claims of a genuine workflow token for alice, as /dev/token mints them. */
function userClaims(c: Ctx, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSec();
  const claims = {
    iss: c.base,
    sub: 'alice',
    aud: WORKFLOW_AUD,
    scope: 'workflow:invoke',
    client_id: 'baton-dev',
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
    ...extra,
  };
  // `{ exp: undefined }` in extra removes the claim.
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

/** RS256-signed with the issuer's own key, by default with its own header. */
const ownSigned = (c: Ctx, claims: Record<string, unknown>, header?: Record<string, unknown>) =>
  signJwt(claims, c.key.privateKey, header ?? { alg: 'RS256', typ: 'at+jwt', kid: c.key.kid });

function authHeaders(auth: Auth): Record<string, string> {
  if (auth === 'none') return {};
  if (auth === 'basic') return { authorization: basic('workflow', SECRET) };
  return { authorization: auth.header };
}

/** A form POST from ordered pairs (so parameters can be repeated). */
const formReq = (pairs: Array<[string, string]>, auth: Auth = 'basic'): Req => formRequest(pairs, authHeaders(auth).authorization);

/** A token-exchange request for alice to agent-research; `undefined` in overrides drops a parameter. */
function exchangeReq(c: Ctx, overrides: Record<string, string | undefined> = {}, auth: Auth = 'basic'): Req {
  const params: Record<string, string | undefined> = {
    grant_type: TE,
    subject_token: c.alice,
    subject_token_type: AT,
    audience: 'agent-research',
    ...overrides,
  };
  return formReq(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
    auth,
  );
}

const send = (base: string, req: Req): Promise<Res> => sendTokenRequest(`${base}/oauth/token`, req);

async function exchangeOk(base: string, form: Record<string, string>, auth: Auth = 'basic'): Promise<Record<string, unknown>> {
  const res = await send(base, formReq(Object.entries({ grant_type: TE, subject_token_type: AT, ...form }), auth));
  if (res.status !== 200) throw new Error(`exchange -> ${res.status} ${res.text}`);
  return res.json!;
}

const cases: Array<RefusalCase<Ctx>> = [
  // --- grant type ---
  {
    name: 'the password grant',
    req: () =>
      formReq([
        ['grant_type', 'password'],
        ['username', 'alice'],
        ['password', 'x'],
      ]),
    status: 400,
    error: 'unsupported_grant_type',
  },
  {
    name: 'the refresh_token grant (refresh tokens are never issued)',
    req: () =>
      formReq([
        ['grant_type', 'refresh_token'],
        ['refresh_token', 'rt-abcdefghijklmnop'],
      ]),
    status: 400,
    error: 'unsupported_grant_type',
  },

  // --- token types and unsupported RFC 8693 features ---
  {
    name: 'an unknown subject_token_type (id_token)',
    req: (c) => exchangeReq(c, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'requested_token_type refresh_token',
    req: (c) => exchangeReq(c, { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a refresh_token parameter alongside the exchange',
    req: (c) => exchangeReq(c, { refresh_token: 'rt-abcdefghijklmnop' }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'an actor_token (refused, not ignored: the authenticated client is the actor)',
    req: (c) => exchangeReq(c, { actor_token: c.clientCredentials, actor_token_type: AT }),
    status: 400,
    error: 'invalid_request',
  },

  // --- the subject token itself ---
  {
    name: 'a subject token that expired 2 s ago (inside the clock tolerance)',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { iat: nowSec() - 300, exp: nowSec() - 2 })) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a subject token with typ JWT instead of at+jwt',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c), { alg: 'RS256', typ: 'JWT', kid: c.key.kid }) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a subject token for another audience (an agent-research token)',
    req: (c) => exchangeReq(c, { subject_token: c.aliceForResearch, audience: 'agent-research' }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a client_credentials token (sub = the client) as subject',
    req: (c) => exchangeReq(c, { subject_token: c.clientCredentials }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'an exchanged token presented again to reach another agent',
    req: (c) => exchangeReq(c, { subject_token: c.exchanged, audience: 'agent-writer' }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'an exchanged token presented again for the same agent (laundering a fresh token)',
    req: (c) => exchangeReq(c, { subject_token: c.exchanged, audience: 'agent-research' }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a workflow-audience token that carries act (re-delegation to shed act)',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { act: { sub: 'workflow' }, client_id: 'workflow' })) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a user without workflow:invoke (eve)',
    req: (c) => exchangeReq(c, { subject_token: c.eve }),
    status: 400,
    error: 'invalid_grant',
  },

  // --- scope ---
  {
    name: "a scope wider than the subject's (adds workflow:invoke)",
    req: (c) => exchangeReq(c, { scope: 'research:invoke workflow:invoke' }),
    status: 400,
    error: 'invalid_scope',
  },
  {
    name: 'writer:invoke when targeting agent-research',
    req: (c) => exchangeReq(c, { scope: 'writer:invoke' }),
    status: 400,
    error: 'invalid_scope',
  },
  {
    name: 'a scope nobody defines (admin)',
    req: (c) => exchangeReq(c, { scope: 'research:invoke admin' }),
    status: 400,
    error: 'invalid_scope',
  },

  // --- target ---
  { name: 'no target', req: (c) => exchangeReq(c, { audience: undefined }), status: 400, error: 'invalid_request' },
  {
    name: "the workflow's own audience (a target the client may not reach)",
    req: (c) => exchangeReq(c, { audience: WORKFLOW_AUD }),
    status: 400,
    error: 'invalid_target',
  },
  {
    name: 'the issuer itself as resource (a target the client may not reach)',
    req: (c) => exchangeReq(c, { audience: undefined, resource: c.base }),
    status: 400,
    error: 'invalid_target',
  },
  { name: 'an unknown audience', req: (c) => exchangeReq(c, { audience: 'agent-admin' }), status: 400, error: 'invalid_target' },
  {
    name: 'an unregistered resource on an agent host',
    req: (c) => exchangeReq(c, { audience: undefined, resource: 'http://127.0.0.1:3001/admin' }),
    status: 400,
    error: 'invalid_target',
  },
  {
    name: 'two targets: audience and resource',
    req: (c) => exchangeReq(c, { resource: 'http://127.0.0.1:3002/writer' }),
    status: 400,
    error: 'invalid_target',
  },
  {
    name: 'two targets: audience twice',
    req: (c) =>
      formReq([
        ['grant_type', TE],
        ['subject_token', c.alice],
        ['subject_token_type', AT],
        ['audience', 'agent-research'],
        ['audience', 'agent-writer'],
      ]),
    status: 400,
    error: 'invalid_target',
  },
  {
    name: 'two targets: resource twice',
    req: (c) =>
      formReq([
        ['grant_type', TE],
        ['subject_token', c.alice],
        ['subject_token_type', AT],
        ['resource', 'http://127.0.0.1:3001/research'],
        ['resource', 'http://127.0.0.1:3002/writer'],
      ]),
    status: 400,
    error: 'invalid_target',
  },

  // --- repeated parameters ---
  {
    name: 'a repeated subject_token whose first value is empty',
    req: (c) =>
      formReq([
        ['grant_type', TE],
        ['subject_token', ''],
        ['subject_token', c.alice],
        ['subject_token_type', AT],
        ['audience', 'agent-research'],
      ]),
    status: 400,
    error: 'invalid_request',
  },

  // --- transport ---
  {
    name: 'a JSON body instead of a form',
    req: (c) => ({
      headers: { 'content-type': 'application/json', ...authHeaders('basic') },
      body: JSON.stringify({ grant_type: TE, subject_token: c.alice, subject_token_type: AT, audience: 'agent-research' }),
    }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a form body labelled text/plain',
    req: (c) => ({ ...exchangeReq(c), headers: { 'content-type': 'text/plain', ...authHeaders('basic') } }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a form body in an unsupported charset',
    req: (c) => ({ ...exchangeReq(c), headers: { 'content-type': `${FORM}; charset=x-klingon`, ...authHeaders('basic') } }),
    status: 415,
    error: 'invalid_request',
  },
  {
    name: 'a form body in an unsupported content-encoding',
    req: (c) => ({ ...exchangeReq(c), headers: { 'content-type': FORM, 'content-encoding': 'x-squash', ...authHeaders('basic') } }),
    status: 415,
    error: 'invalid_request',
  },
  {
    name: 'a body just over the 16 KB limit',
    req: (c) => exchangeReq(c, { pad: 'x'.repeat(BODY_LIMIT) }),
    status: 413,
    error: 'invalid_request',
  },
  { name: 'a 1 MB body', req: (c) => exchangeReq(c, { subject_token: 'x'.repeat(1024 * 1024) }), status: 413, error: 'invalid_request' },
  {
    name: 'a gzip body that inflates past the limit (small on the wire)',
    req: (c) => {
      const body = gzipSync(
        new URLSearchParams({
          grant_type: TE,
          subject_token: c.alice,
          subject_token_type: AT,
          audience: 'agent-research',
          pad: 'x'.repeat(1024 * 1024),
        }).toString(),
      );
      expect(body.length).toBeLessThan(BODY_LIMIT);
      return { headers: { 'content-type': FORM, 'content-encoding': 'gzip', ...authHeaders('basic') }, body };
    },
    status: 413,
    error: 'invalid_request',
  },
  {
    name: 'GET with the parameters in the query string',
    req: (c) => ({
      method: 'GET',
      path: `/oauth/token?${new URLSearchParams({ grant_type: TE, subject_token: c.alice, subject_token_type: AT, client_id: 'workflow', client_secret: SECRET })}`,
    }),
    status: 405,
    error: 'invalid_request',
    also: (res) => expect(res.headers.get('allow')).toBe('POST'),
  },
  {
    name: 'PUT with a valid form',
    req: (c) => ({ ...exchangeReq(c), method: 'PUT' }),
    status: 405,
    error: 'invalid_request',
    also: (res) => expect(res.headers.get('allow')).toBe('POST'),
  },
];

describe('the dev issuer token-exchange policy under attack (running dist/main.js)', () => {
  const ctx = {} as Ctx;

  beforeAll(async () => {
    ctx.issuer = await startIssuer({ env: { WORKFLOW_CLIENT_SECRET: SECRET } });
    ctx.base = ctx.issuer.base;
    ctx.key = readDevIssuerKey(ctx.issuer.dataDir);
    ctx.alice = await devToken(ctx.base, { user: 'alice' });
    ctx.eve = await devToken(ctx.base, { user: 'eve' });
    ctx.aliceForResearch = await devToken(ctx.base, { user: 'alice', audience: 'agent-research' });
    ctx.exchanged = (await exchangeOk(ctx.base, { subject_token: ctx.alice, audience: 'agent-research' })).access_token as string;
    const cc = await send(
      ctx.base,
      formReq([
        ['grant_type', 'client_credentials'],
        ['audience', 'agent-research'],
      ]),
    );
    expect(cc.status).toBe(200);
    ctx.clientCredentials = cc.json!.access_token as string;
  });

  afterAll(async () => {
    if (!ctx.issuer) return;
    const code = await ctx.issuer.stop();
    expect(code).toBe(0);
  });

  it('has at least 25 attack cases with distinct names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
    const req = await c.req(ctx);
    const res = await send(ctx.base, req);
    expectRefusal(res, {
      status: c.status,
      error: c.error,
      secrets: [SECRET, SECRET_ONE_OFF, ctx.alice, ctx.eve, ctx.aliceForResearch, ctx.exchanged, ctx.clientCredentials, ...secretsIn(req)],
    });
    c.also?.(res);
  });

  it('never wrote a secret or a token to its log', () => {
    const log = ctx.issuer.output();
    expect(log).toContain('token_refused');
    for (const s of [SECRET, SECRET_ONE_OFF, ctx.alice, ctx.eve, ctx.aliceForResearch, ctx.exchanged, ctx.clientCredentials])
      expect(log.includes(s)).toBe(false);
    expect(log).not.toMatch(JWT_LIKE);
  });

  it("exchanges alice's token for a narrow, short, delegated token for one agent", async () => {
    const subjectExp = (jwt.decode(ctx.alice) as jwt.JwtPayload).exp!;
    const res = await send(ctx.base, exchangeReq(ctx));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = res.json!;
    expect(body).toEqual({
      access_token: expect.any(String),
      issued_token_type: AT,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: 'research:invoke',
    });
    const token = body.access_token as string;

    // Verify it as an agent would: against the published JWKS, RS256 only.
    const jwks = (await (await fetch(`${ctx.base}/.well-known/jwks.json`)).json()) as { keys: Array<JsonWebKey & { kid: string }> };
    const { header } = jwt.decode(token, { complete: true })!;
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: ctx.key.kid });
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    const payload = jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), {
      algorithms: ['RS256'],
      issuer: ctx.base,
      audience: 'agent-research',
    }) as jwt.JwtPayload;

    expect(payload).toMatchObject({
      iss: ctx.base,
      sub: 'alice',
      aud: 'agent-research',
      scope: 'research:invoke',
      act: { sub: 'workflow' },
      client_id: 'workflow',
    });
    expect(typeof payload.aud).toBe('string'); // one audience, not an array
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp!).toBeLessThanOrEqual(subjectExp);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    expect(body.expires_in as number).toBeLessThanOrEqual(300);
    expect(body.refresh_token).toBeUndefined();
  });

  it('ignores an unknown parameter in a body just under the limit (RFC 6749 §3.2), via client_secret_post and a resource URL', async () => {
    const req = formReq(
      [
        ['grant_type', TE],
        ['client_id', 'workflow'],
        ['client_secret', SECRET],
        ['subject_token', ctx.alice],
        ['subject_token_type', AT],
        ['resource', 'http://127.0.0.1:3003/reviewer'],
      ],
      'none',
    );
    req.body = `${req.body as string}&pad=`;
    req.body += 'x'.repeat(BODY_LIMIT - req.body.length);
    expect(req.body.length).toBe(BODY_LIMIT);
    const res = await send(ctx.base, req);
    expect(res.status).toBe(200);
    expect((jwt.decode(res.json!.access_token as string) as jwt.JwtPayload).aud).toBe('agent-reviewer');
  });

  it('caps the exchanged exp at a short-lived subject token exp', async () => {
    const subject = await devToken(ctx.base, { user: 'bob', ttl: 30 });
    const body = await exchangeOk(ctx.base, { subject_token: subject, audience: 'agent-writer' });
    const exchanged = jwt.decode(body.access_token as string) as jwt.JwtPayload;
    expect(exchanged.exp).toBe((jwt.decode(subject) as jwt.JwtPayload).exp);
    expect(exchanged).toMatchObject({ sub: 'bob', aud: 'agent-writer', scope: 'writer:invoke', act: { sub: 'workflow' } });
  });
});

describe(`a burst from one client (second process, TOKEN_EXCHANGE_RATE_LIMIT=${BURST_LIMIT})`, () => {
  let issuer: IssuerProcess | undefined;
  afterAll(async () => {
    if (issuer) expect(await issuer.stop()).toBe(0);
  });

  it(`answers 429 slow_down with Retry-After after ${BURST_LIMIT} exchanges in a minute, and only to exchanges`, async () => {
    issuer = await startIssuer({ env: { WORKFLOW_CLIENT_SECRET: SECRET, TOKEN_EXCHANGE_RATE_LIMIT: String(BURST_LIMIT) } });
    const { base } = issuer;
    const subject = await devToken(base, { user: 'alice' });
    const form = { subject_token: subject, audience: 'agent-research' };
    for (let i = 0; i < BURST_LIMIT; i++) await exchangeOk(base, form);

    const req = formReq(Object.entries({ grant_type: TE, subject_token_type: AT, ...form }));
    const res = await send(base, req);
    expect(res.status).toBe(429);
    expect(res.json).toEqual({ error: 'slow_down', error_description: expect.any(String) });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    for (const s of [SECRET, subject, ...secretsIn(req)]) expect(res.text.includes(s)).toBe(false);

    // Client authentication comes first: without the secret a caller gets 401, not a view of the limit.
    expect(
      (
        await send(
          base,
          formReq(Object.entries({ grant_type: TE, subject_token_type: AT, ...form }), { header: basic('workflow', SECRET_ONE_OFF) }),
        )
      ).status,
    ).toBe(401);
    // Still limited, and the limit is on token exchange only.
    expect((await send(base, req)).status).toBe(429);
    expect(
      (
        await send(
          base,
          formReq([
            ['grant_type', 'client_credentials'],
            ['audience', 'agent-research'],
          ]),
        )
      ).status,
    ).toBe(200);
  });
});
