// The token-exchange endpoint under attack, against the RUNNING compiled issuer (dist/main.js).
// Build first: `pnpm --filter @baton/issuer build`.
//
// User tokens come from the real /dev/token endpoint. Expired, forged, `alg: none` and
// foreign-issuer tokens are crafted here, the ones that must differ from a genuine token in
// exactly one respect signed with the issuer's own private key read from its data dir (no
// sleeps). A control case shows that a crafted token with nothing wrong is accepted.
//
// Behaviours pinned here that the RFCs leave open:
// - `actor_token` is REFUSED (invalid_request), not ignored: the authenticated client is the actor.
// - a JSON (or any non-form) body is 400 invalid_request, not 415; 415 is kept for a form body in
//   an unsupported charset or content-encoding.
// - GET (or any method but POST) on /oauth/token is 405 invalid_request with `Allow: POST`.
// - several `audience`/`resource` values are invalid_target (RFC 8693 §2.2.2), every other
//   repeated parameter is invalid_request.
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import { startIssuer, type IssuerProcess } from './issuer-process.js';

const SECRET = 'attack-suite-client-secret-0123456789-abcdefghij';
/** The same length, one character different. */
const SECRET_ONE_OFF = `${SECRET.slice(0, -1)}${SECRET.endsWith('j') ? 'k' : 'j'}`;
const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';
const WORKFLOW_AUD = 'baton-workflow';
/** The documented body limit is 16 KB. */
const BODY_LIMIT = 16 * 1024;
/** Burst case: the second process allows this many exchanges per client per minute. */
const BURST_LIMIT = 5;

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const nowSec = () => Math.floor(Date.now() / 1000);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The issuer's current signing key, read from `$ISSUER_DATA_DIR/keys.json` (newest last). */
function issuerKey(dataDir: string): SigningKey {
  const { keys } = JSON.parse(fs.readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as {
    keys: Array<{ kid: string; private_jwk: JsonWebKey }>;
  };
  const k = keys[keys.length - 1]!;
  const privateKey = createPrivateKey({ key: k.private_jwk, format: 'jwk' });
  return { kid: k.kid, privateKey, publicKey: createPublicKey(privateKey) };
}

interface Ctx {
  issuer: IssuerProcess;
  base: string;
  key: SigningKey;
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

/** RS256-sign claims exactly as given (no iat added), by default with the issuer's own key and header. */
function sign(claims: Record<string, unknown>, opts: { key?: KeyObject; header?: Record<string, unknown> } = {}, c?: Ctx): string {
  const header = opts.header ?? { alg: 'RS256', typ: 'at+jwt', kid: c!.key.kid };
  return jwt.sign(claims, opts.key ?? c!.key.privateKey, {
    algorithm: 'RS256',
    header: header as unknown as jwt.JwtHeader,
    noTimestamp: true,
  });
}
const ownSigned = (c: Ctx, claims: Record<string, unknown>, header?: Record<string, unknown>) => sign(claims, header ? { header } : {}, c);

interface Req {
  method?: string;
  /** Path and query; default /oauth/token. */
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

type Auth = 'basic' | 'none' | { header: string };

function authHeaders(auth: Auth): Record<string, string> {
  if (auth === 'none') return {};
  if (auth === 'basic') return { authorization: basic('workflow', SECRET) };
  return { authorization: auth.header };
}

const FORM = 'application/x-www-form-urlencoded';

/** A form POST from ordered pairs (so parameters can be repeated). */
function formReq(pairs: Array<[string, string]>, auth: Auth = 'basic'): Req {
  return { headers: { 'content-type': FORM, ...authHeaders(auth) }, body: new URLSearchParams(pairs).toString() };
}

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

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function send(base: string, req: Req): Promise<Res> {
  const init: RequestInit = { method: req.method ?? 'POST', headers: req.headers ?? {} };
  if (req.body !== undefined) init.body = req.body;
  const res = await fetch(`${base}${req.path ?? '/oauth/token'}`, init);
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function devToken(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`/dev/token ${JSON.stringify(body)} -> ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function exchangeOk(base: string, form: Record<string, string>, auth: Auth = 'basic'): Promise<Record<string, unknown>> {
  const res = await send(base, formReq(Object.entries({ grant_type: TE, subject_token_type: AT, ...form }), auth));
  if (res.status !== 200) throw new Error(`exchange -> ${res.status} ${res.text}`);
  return res.json!;
}

/** Everything secret a request carried: its credentials and any token in it. */
function secretsIn(req: Req): string[] {
  const out: string[] = [];
  const authz = req.headers?.authorization;
  if (authz) out.push(authz, authz.replace(/^\S+\s+/, ''));
  const ct = req.headers?.['content-type'] ?? '';
  if (typeof req.body === 'string' && ct.startsWith(FORM)) {
    for (const [k, v] of new URLSearchParams(req.body)) if (/token|secret/.test(k) && v.length > 0) out.push(v);
  }
  return out;
}

interface AttackCase {
  name: string;
  req: (c: Ctx) => Req | Promise<Req>;
  status: number;
  error: string;
  /** Extra assertions on the response. */
  also?: (res: Res) => void;
}

/** A JWT-looking string anywhere in a response body. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

const cases: AttackCase[] = [
  // --- client authentication (RFC 6749 §2.3, §5.2) ---
  { name: 'no client authentication at all', req: (c) => exchangeReq(c, {}, 'none'), status: 401, error: 'invalid_client' },
  {
    name: 'a Basic secret that differs in one character',
    req: (c) => exchangeReq(c, {}, { header: basic('workflow', SECRET_ONE_OFF) }),
    status: 401,
    error: 'invalid_client',
  },
  {
    name: 'a client_secret_post secret that differs in one character',
    req: (c) => exchangeReq(c, { client_id: 'workflow', client_secret: SECRET_ONE_OFF }, 'none'),
    status: 401,
    error: 'invalid_client',
  },
  {
    name: 'an unknown client id with the right secret',
    req: (c) => exchangeReq(c, {}, { header: basic('mallory', SECRET) }),
    status: 401,
    error: 'invalid_client',
  },
  {
    name: 'a client_id in the body without any secret (no public clients)',
    req: (c) => exchangeReq(c, { client_id: 'workflow' }, 'none'),
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
    req: (c) => exchangeReq(c, {}, { header: `Basic ${Buffer.from(`workflow${SECRET}`).toString('base64')}` }),
    status: 401,
    error: 'invalid_client',
  },
  {
    name: 'Basic and client_secret_post together',
    req: (c) => exchangeReq(c, { client_id: 'workflow', client_secret: SECRET }, 'basic'),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a body client_id that is not the Basic client',
    req: (c) => exchangeReq(c, { client_id: 'mallory' }, 'basic'),
    status: 400,
    error: 'invalid_request',
  },

  // --- grant type ---
  { name: 'no grant_type', req: (c) => exchangeReq(c, { grant_type: undefined }), status: 400, error: 'invalid_request' },
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
  {
    name: 'parameters in the query string instead of the body',
    req: (c) => ({
      ...exchangeReq(c),
      path: `/oauth/token?${new URLSearchParams({ grant_type: TE, subject_token_type: AT, subject_token: c.alice, audience: 'agent-research' })}`,
      body: '',
    }),
    status: 400,
    error: 'invalid_request',
  },

  // --- token types and unsupported RFC 8693 features ---
  { name: 'a missing subject_token', req: (c) => exchangeReq(c, { subject_token: undefined }), status: 400, error: 'invalid_request' },
  {
    name: 'a missing subject_token_type',
    req: (c) => exchangeReq(c, { subject_token_type: undefined }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'an unknown subject_token_type (id_token)',
    req: (c) => exchangeReq(c, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
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
  {
    name: 'an actor_token_type without actor_token',
    req: (c) => exchangeReq(c, { actor_token_type: AT }),
    status: 400,
    error: 'invalid_request',
  },

  // --- the subject token itself ---
  {
    name: 'a subject token that is not a JWT',
    req: (c) => exchangeReq(c, { subject_token: 'not-a-jwt-at-all' }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'an expired subject token (own key, exp a minute ago)',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { iat: nowSec() - 400, exp: nowSec() - 60 })) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a subject token that expired 2 s ago (inside the clock tolerance)',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { iat: nowSec() - 300, exp: nowSec() - 2 })) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a subject token that is not yet valid (nbf in 5 min)',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { nbf: nowSec() + 300, exp: nowSec() + 600 })) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a subject token without exp',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { exp: undefined })) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a subject token without sub',
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { sub: undefined })) }),
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
    name: 'a genuine token whose payload was edited (sub alice -> bob, signature kept)',
    req: (c) => {
      const [h, p, s] = c.alice.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      return exchangeReq(c, { subject_token: `${h}.${b64url({ ...claims, sub: 'bob' })}.${s}` });
    },
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: "a token signed by another RSA key under the issuer's kid",
    req: (c) =>
      exchangeReq(c, { subject_token: sign(userClaims(c), { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }, c) }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'alg none with the issuer kid and no signature',
    req: (c) => exchangeReq(c, { subject_token: `${b64url({ alg: 'none', typ: 'at+jwt', kid: c.key.kid })}.${b64url(userClaims(c))}.` }),
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: "HS256 keyed with the issuer's public key (algorithm confusion)",
    req: (c) => {
      const pem = c.key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const input = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid: c.key.kid })}.${b64url(userClaims(c))}`;
      return exchangeReq(c, { subject_token: `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}` });
    },
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: 'a token from a foreign issuer (its own key and kid)',
    req: (c) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return exchangeReq(c, {
        subject_token: sign(userClaims(c, { iss: 'https://idp.evil.example' }), {
          key: privateKey,
          header: { alg: 'RS256', typ: 'at+jwt', kid: 'evil-key-1' },
        }),
      });
    },
    status: 400,
    error: 'invalid_grant',
  },
  {
    name: "a foreign iss signed with the issuer's own key",
    req: (c) => exchangeReq(c, { subject_token: ownSigned(c, userClaims(c, { iss: 'https://idp.evil.example' })) }),
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
  {
    name: 'a malformed scope (a quote and a double space)',
    req: (c) => exchangeReq(c, { scope: 'research:invoke  "x' }),
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
  {
    name: 'a relative resource',
    req: (c) => exchangeReq(c, { audience: undefined, resource: '/research' }),
    status: 400,
    error: 'invalid_target',
  },
  {
    name: 'a resource with a fragment',
    req: (c) => exchangeReq(c, { audience: undefined, resource: 'http://127.0.0.1:3001/research#frag' }),
    status: 400,
    error: 'invalid_target',
  },
  {
    name: 'an audience name given as resource (not a URI)',
    req: (c) => exchangeReq(c, { audience: undefined, resource: 'agent-research' }),
    status: 400,
    error: 'invalid_target',
  },

  // --- repeated parameters ---
  {
    name: 'a repeated grant_type',
    req: (c) =>
      formReq([
        ['grant_type', TE],
        ['grant_type', TE],
        ['subject_token', c.alice],
        ['subject_token_type', AT],
        ['audience', 'agent-research'],
      ]),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a repeated subject_token',
    req: (c) =>
      formReq([
        ['grant_type', TE],
        ['subject_token', c.alice],
        ['subject_token', c.eve],
        ['subject_token_type', AT],
        ['audience', 'agent-research'],
      ]),
    status: 400,
    error: 'invalid_request',
  },
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
  {
    name: 'a repeated client_secret',
    req: (c) =>
      formReq(
        [
          ['grant_type', TE],
          ['client_id', 'workflow'],
          ['client_secret', SECRET_ONE_OFF],
          ['client_secret', SECRET],
          ['subject_token', c.alice],
          ['subject_token_type', AT],
          ['audience', 'agent-research'],
        ],
        'none',
      ),
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

describe('token exchange under attack (running dist/main.js)', () => {
  const ctx = {} as Ctx;

  beforeAll(async () => {
    ctx.issuer = await startIssuer({ env: { WORKFLOW_CLIENT_SECRET: SECRET } });
    ctx.base = ctx.issuer.base;
    ctx.key = issuerKey(ctx.issuer.dataDir);
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

  it('accepts a token crafted with its own key when nothing is wrong with it (control for the crafted cases)', async () => {
    const body = await exchangeOk(ctx.base, { subject_token: ownSigned(ctx, userClaims(ctx)), audience: 'agent-research' });
    expect(body.scope).toBe('research:invoke');
  });

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
    const req = await c.req(ctx);
    const res = await send(ctx.base, req);
    expect({ status: res.status, error: res.json?.error }).toEqual({ status: c.status, error: c.error });
    expect(res.json).toEqual({ error: c.error, error_description: expect.any(String) });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    if (c.error === 'invalid_client') expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    else expect(res.headers.get('www-authenticate')).toBeNull();
    // Never echo a credential or a token: not the ones this request carried, not any other.
    for (const s of [
      SECRET,
      SECRET_ONE_OFF,
      ctx.alice,
      ctx.eve,
      ctx.aliceForResearch,
      ctx.exchanged,
      ctx.clientCredentials,
      ...secretsIn(req),
    ]) {
      expect(res.text.includes(s)).toBe(false);
    }
    expect(res.text).not.toMatch(JWT_LIKE);
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
