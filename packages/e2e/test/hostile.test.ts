// Hostile input at every service, over HTTP, against the REAL processes (`scripts/start.mjs`):
// the workflow (`POST /workflow/invoke`) and a real agent (`POST /research/invoke`) get the same
// table of attacks — header parsing, algorithms, key confusion, `kid` tricks, `jku`/`x5u`/`jwk`/`x5c`
// headers (an attacker server must see zero requests), claim tampering, sibling audiences, expiry
// at the clock-tolerance boundary, oversized tokens and headers, duplicate Authorization headers,
// tokens in the query string. "Valid except for X" tokens are signed with the issuer's REAL key
// (read from `${dataDir}/issuer/keys.json`), so each refusal is for X and nothing else.
// Every request to the two services goes through a raw socket: fetch cannot send two Authorization
// headers, a tab, a NUL byte or a 17 KB header. Each request carries its own x-request-id, so the
// audit lines can be matched to it afterwards (exactly one per decision).
import crypto, { type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { startStack, type Stack } from './stack.js';

/** Short JWKS refetch cooldown for this stack (every service reads JWKS_COOLDOWN_MS). */
const COOLDOWN_MS = 1500;
/** createVerifier's default clockToleranceSec; neither the workflow nor the agents override it. */
const TOLERANCE_SEC = 5;
/** createVerifier's default maxTokenLength. */
const MAX_TOKEN_LENGTH = 8192;

let stack: Stack;
let attacker: { server: http.Server; url: string; hits: string[] };

// ---------------------------------------------------------------------------------------------
// raw HTTP

interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

interface RawRequest {
  path: string;
  headers: Array<[string, string]>;
  body?: string;
}

function decodeChunked(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** One HTTP/1.1 request on its own socket, bytes exactly as given (`Connection: close`). */
function rawRequest(base: string, req: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  const body = Buffer.from(req.body ?? '', 'utf8');
  const head =
    `POST ${req.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
    req.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname);
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer for ${req.path}`)));
    const finish = (err?: Error) => {
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (sep < 0) {
        reject(err ?? new Error(`no HTTP response (${all.length} bytes)`));
        return;
      }
      const lines = all.subarray(0, sep).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1]);
      const headers: Record<string, string[]> = {};
      for (const line of lines.slice(1)) {
        const c = line.indexOf(':');
        const k = line.slice(0, c).trim().toLowerCase();
        (headers[k] ??= []).push(line.slice(c + 1).trim());
      }
      const rest = all.subarray(sep + 4);
      const text = (headers['transfer-encoding']?.[0] === 'chunked' ? decodeChunked(rest) : rest).toString('utf8');
      resolve({ status, headers, body: text });
    };
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => finish());
    // Node answers 431 and resets while we may still be writing: keep what arrived.
    socket.on('error', (err) => finish(err));
    socket.on('connect', () => {
      // no half-close: Node drops a request whose client has ended its side before the answer
      socket.write(head, 'latin1');
      socket.write(body);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// forging

const b64u = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);
const uuid = () => crypto.randomUUID();

type SignKey = KeyObject | Buffer | string;

function signature(alg: string, input: string, key: SignKey): string {
  const data = Buffer.from(input);
  const bits = alg.slice(2);
  if (alg.startsWith('HS'))
    return crypto
      .createHmac(`sha${bits}`, key as crypto.BinaryLike)
      .update(data)
      .digest('base64url');
  if (alg.startsWith('RS')) return crypto.sign(`sha${bits}`, data, key as KeyObject).toString('base64url');
  if (alg.startsWith('PS')) {
    return crypto
      .sign(`sha${bits}`, data, {
        key: key as KeyObject,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
      })
      .toString('base64url');
  }
  if (alg.startsWith('ES'))
    return crypto.sign(`sha${bits}`, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  throw new Error(`cannot sign ${alg}`);
}

/** A compact JWS over exactly this header and payload, signed with `key` as `signAlg` (default: header.alg). */
function jws(header: Record<string, unknown>, payload: unknown, key: SignKey, signAlg = header.alg as string): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${signature(signAlg, input, key)}`;
}

interface IssuerKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: crypto.JsonWebKey;
}

/** The issuer's newest (signing) key, from its keys.json (format: apps/issuer/src/keys.ts). */
function readIssuerKeys(): IssuerKey[] {
  const file = path.join(stack.dataDir, 'issuer', 'keys.json');
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ kid: string; private_jwk: crypto.JsonWebKey }> };
  return stored.keys.map((k) => {
    const privateKey = crypto.createPrivateKey({ key: k.private_jwk, format: 'jwk' });
    const publicKey = crypto.createPublicKey(privateKey);
    return { kid: k.kid, privateKey, publicKey, publicJwk: publicKey.export({ format: 'jwk' }) };
  });
}

let issuerKey: IssuerKey;
const attackerRsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const attackerEc = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

// ---------------------------------------------------------------------------------------------
// the two services

interface Target {
  name: 'workflow' | 'research';
  url: () => string;
  path: string;
  aud: string;
  scope: string;
  /** Sibling audiences: issued by the same issuer for someone else. */
  siblings: string[];
  /** A scope that is real but not this service's. */
  siblingScope: string;
  body: string;
}

const targets: Target[] = [
  {
    name: 'workflow',
    url: () => stack.urls.workflow,
    path: '/workflow/invoke',
    aud: 'baton-workflow',
    scope: 'workflow:invoke',
    siblings: ['agent-research', 'agent-writer'],
    siblingScope: 'research:invoke',
    body: JSON.stringify({ input: { topic: 'token exchange' } }),
  },
  {
    name: 'research',
    url: () => stack.urls.research,
    path: '/research/invoke',
    aud: 'agent-research',
    scope: 'research:invoke',
    siblings: ['baton-workflow', 'agent-writer'],
    siblingScope: 'workflow:invoke',
    body: JSON.stringify({ input: { topic: 'token exchange', limit: 2 } }),
  },
];

type Claims = Record<string, unknown>;

const claimsFor = (t: Target, over: Claims = {}): Claims => {
  const now = nowSec();
  return {
    iss: stack.urls.issuer,
    sub: 'alice',
    aud: t.aud,
    scope: t.scope,
    client_id: 'hostile-e2e',
    jti: uuid(),
    iat: now,
    exp: now + 300,
    ...over,
  };
};
const headerFor = (over: Record<string, unknown> = {}) => ({ alg: 'RS256', typ: 'at+jwt', kid: issuerKey.kid, ...over });
/** Genuinely signed by the issuer's key; valid for `t` except for what `over` changes. */
const good = (t: Target, over: Claims = {}, header: Record<string, unknown> = {}) =>
  jws(headerFor(header), claimsFor(t, over), issuerKey.privateKey);
const without = (t: Target, claim: string) => {
  const c = claimsFor(t);
  delete c[claim];
  return jws(headerFor(), c, issuerKey.privateKey);
};

// ---------------------------------------------------------------------------------------------
// the table

type Expect =
  | { status: 200 }
  | { status: 400 | 401 | 403; challenge: 'bare' | 'invalid_token' | 'invalid_request' | 'insufficient_scope'; code: string }
  /** Refused by Node's HTTP parser before the app: no challenge, no audit line. */
  | { status: 400 | 431; node: true }
  /** Let through by the service's auth (audited allow), then refused downstream: the workflow's node failed for `cause`. */
  | { status: 403; afterAuth: string };

interface Case {
  name: string;
  req: (t: Target) => RawRequest | Promise<RawRequest>;
  expect: Expect | ((t: Target) => Expect);
}

const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];
const send =
  (headers: Array<[string, string]>, query = '') =>
  (t: Target) => ({ path: `${t.path}${query}`, headers });
const withToken =
  (
    make: (t: Target) => string | Promise<string>,
    fmt: (token: string) => Array<[string, string]> = bearer,
    query: (token: string) => string = () => '',
  ) =>
  async (t: Target) => {
    const token = await make(t);
    return { path: `${t.path}${query(token)}`, headers: fmt(token) };
  };

const ok: Expect = { status: 200 };
const missing: Expect = { status: 401, challenge: 'bare', code: 'AUTH_TOKEN_MISSING' };
const invalidRequest: Expect = { status: 400, challenge: 'invalid_request', code: 'AUTH_INVALID_REQUEST' };
const invalidToken = (code: string): Expect => ({ status: 401, challenge: 'invalid_token', code });
const insufficientScope: Expect = { status: 403, challenge: 'insufficient_scope', code: 'AUTH_INSUFFICIENT_SCOPE' };
/**
 * The workflow lets the token through, but the issuer will not exchange it for an agent token
 * (it refuses a subject token without `kid`), so the run's first node fails. The agent, which
 * needs no exchange, simply accepts.
 */
const okButNotExchangeable = (t: Target): Expect => (t.name === 'workflow' ? { status: 403, afterAuth: 'REMOTE_EXCHANGE_DENIED' } : ok);
/**
 * A token whose `exp` has passed, inside the verifiers' clock tolerance: the agent accepts it; the
 * workflow refuses to start a run with it (it expires sooner than MIN_TOKEN_LIFETIME_SEC, and the
 * issuer would not exchange it), 401 invalid_token: the caller needs a fresh token.
 */
const okButTooShortForARun = (t: Target): Expect => (t.name === 'workflow' ? invalidToken('AUTH_TOKEN_LIFETIME_TOO_SHORT') : ok);

/** A signed, otherwise valid token of exactly `length` characters (a `pad` claim makes up the size). */
function tokenOfLength(t: Target, length: number): string {
  const header = b64u(headerFor());
  const sigLength = signature('RS256', 'x', issuerKey.privateKey).length;
  for (let extra = 0; extra < 4; extra++) {
    const claims = claimsFor(t, { jti: `${uuid()}${'j'.repeat(extra)}`, pad: '' });
    const base = Buffer.byteLength(JSON.stringify(claims));
    const payloadChars = length - header.length - sigLength - 2;
    const n = Math.floor((payloadChars * 3) / 4) - base;
    for (const pad of [n - 1, n, n + 1]) {
      const payload = { ...claims, pad: 'p'.repeat(Math.max(0, pad)) };
      if (b64u(payload).length !== payloadChars) continue;
      const token = jws(headerFor(), payload, issuerKey.privateKey);
      if (token.length === length) return token;
    }
  }
  throw new Error(`no token of length ${length}`);
}

const attackUrl = (p: string) => `${attacker.url}${p}`;

const cases: Case[] = [
  // --- baseline: a genuine token from the issuer, and one forged with its key
  {
    name: 'accepts a genuine token from the issuer',
    req: withToken((t) => stack.token('alice', t.name === 'workflow' ? {} : { audience: t.aud })),
    expect: ok,
  },
  { name: 'accepts a token signed with the issuer key (the forging baseline)', req: withToken((t) => good(t)), expect: ok },

  // --- Authorization header parsing
  { name: 'refuses a request without credentials', req: send([]), expect: missing },
  { name: 'refuses an empty Authorization header', req: send([['Authorization', '']]), expect: missing },
  { name: 'refuses the Basic scheme', req: send([['Authorization', 'Basic YWxpY2U6cGFzc3dvcmQ=']]), expect: missing },
  {
    name: 'refuses a scheme that only starts with Bearer',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `BearerX ${tok}`]],
    ),
    expect: missing,
  },
  { name: 'refuses "Bearer" with no token', req: send([['Authorization', 'Bearer']]), expect: invalidRequest },
  { name: 'refuses "Bearer" followed by spaces only', req: send([['Authorization', 'Bearer    ']]), expect: invalidRequest },
  {
    name: 'accepts a lower-case scheme',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `bearer ${tok}`]],
    ),
    expect: ok,
  },
  {
    name: 'accepts an upper-case scheme',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `BEARER ${tok}`]],
    ),
    expect: ok,
  },
  {
    name: 'accepts several spaces after the scheme',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `Bearer   ${tok}`]],
    ),
    expect: ok,
  },
  {
    name: 'accepts whitespace around the header value (trimmed by HTTP)',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', ` \t Bearer ${tok} \t `]],
    ),
    expect: ok,
  },
  {
    name: 'refuses a tab between scheme and token',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `Bearer\t${tok}`]],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses a second token after the first',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `Bearer ${tok} ${tok}`]],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses a token list separated by a comma',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `Bearer ${tok},${tok}`]],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses characters outside b64token',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `Bearer ${tok}!`]],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses a quoted token',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', `Bearer "${tok}"`]],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses two Authorization headers carrying the same valid token',
    req: withToken(
      (t) => good(t),
      (tok) => [...bearer(tok), ...bearer(tok)],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses two Authorization headers, a valid one first',
    req: withToken(
      (t) => good(t),
      (tok) => [...bearer(tok), ['Authorization', 'Bearer junk']],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses two Authorization headers, a valid one second',
    req: withToken(
      (t) => good(t),
      (tok) => [['Authorization', 'Basic YWxpY2U6eA=='], ...bearer(tok)],
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses a NUL byte in the header before the app sees it',
    req: send([['Authorization', 'Bearer a\x00b']]),
    expect: { status: 400, node: true },
  },

  // --- tokens in the query string or the body
  {
    name: 'refuses a valid token in the query string',
    req: withToken(
      (t) => good(t),
      () => [],
      (tok) => `?access_token=${tok}`,
    ),
    expect: invalidRequest,
  },
  {
    name: 'refuses a token in the query string next to a valid header',
    req: withToken(
      (t) => good(t),
      bearer,
      () => '?topic=x&access_token=x',
    ),
    expect: invalidRequest,
  },
  {
    name: 'does not take a token from the body',
    req: (t) => ({ path: t.path, headers: [], body: JSON.stringify({ access_token: good(t), input: { topic: 'x' } }) }),
    expect: missing,
  },

  // --- structure
  { name: 'refuses a token that is not a JWT', req: send(bearer('abc')), expect: invalidToken('AUTH_TOKEN_MALFORMED') },
  {
    name: 'refuses a JWT with two segments',
    req: withToken((t) => good(t).split('.').slice(0, 2).join('.')),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses a JWT with four segments',
    req: withToken((t) => `${good(t)}.${b64u('x')}`),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses a header that is not JSON',
    req: withToken((t) => `${b64u('not json')}.${b64u(claimsFor(t))}.c2ln`),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses a header that is a JSON array',
    req: withToken((t) => `${b64u([headerFor()])}.${b64u(claimsFor(t))}.c2ln`),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses a payload that is not a JSON object (signed)',
    req: withToken(() => {
      const input = `${b64u(headerFor())}.${b64u('"alice"')}`;
      return `${input}.${signature('RS256', input, issuerKey.privateKey)}`;
    }),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses an empty signature',
    req: withToken((t) => good(t).replace(/(?<=\.)[^.]+$/, '')),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses padded base64 segments',
    req: withToken((t) => good(t).replace(/\.([^.]+)$/, '.$1==')),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  {
    name: 'refuses standard (non-url) base64 segments',
    req: withToken((t) => {
      const [h, p, s] = good(t).split('.');
      return `${Buffer.from(h!, 'base64url').toString('base64').replaceAll('=', '')}+/.${p}.${s}`;
    }),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },

  // --- algorithms and key confusion
  {
    name: 'refuses alg none',
    req: withToken((t) => `${b64u({ alg: 'none', typ: 'at+jwt' })}.${b64u(claimsFor(t))}.`),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses alg nOnE with a junk signature',
    req: withToken((t) => `${b64u({ alg: 'nOnE', typ: 'at+jwt', kid: issuerKey.kid })}.${b64u(claimsFor(t))}.c2ln`),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses a header without alg',
    req: withToken((t) => `${b64u({ typ: 'at+jwt', kid: issuerKey.kid })}.${b64u(claimsFor(t))}.c2ln`),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses alg given as an array',
    req: withToken((t) => jws(headerFor({ alg: ['RS256'] }), claimsFor(t), issuerKey.privateKey, 'RS256')),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses HS256 keyed with the issuer public key PEM (key confusion)',
    req: withToken((t) =>
      jws(headerFor({ alg: 'HS256' }), claimsFor(t), issuerKey.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    ),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses HS512 keyed with the published JWK (key confusion)',
    req: withToken((t) => jws(headerFor({ alg: 'HS512' }), claimsFor(t), JSON.stringify(issuerKey.publicJwk))),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses RS512 (not on the allow-list) signed with the issuer key',
    req: withToken((t) => good(t, {}, { alg: 'RS512' })),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses EdDSA',
    req: withToken((t) => `${b64u(headerFor({ alg: 'EdDSA' }))}.${b64u(claimsFor(t))}.c2ln`),
    expect: invalidToken('AUTH_ALG_NOT_ALLOWED'),
  },
  {
    name: 'refuses PS256 signed by the real issuer key whose JWK says RS256',
    req: withToken((t) => jws(headerFor({ alg: 'PS256' }), claimsFor(t), issuerKey.privateKey)),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },
  {
    name: 'refuses ES256 with the issuer kid (wrong key type)',
    req: withToken((t) => jws(headerFor({ alg: 'ES256' }), claimsFor(t), attackerEc.privateKey)),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },
  {
    name: "refuses RS256 signed by another key under the issuer's kid",
    req: withToken((t) => jws(headerFor(), claimsFor(t), attackerRsa.privateKey)),
    expect: invalidToken('AUTH_SIGNATURE_INVALID'),
  },

  // --- header parameters that would make a naive verifier fetch or trust a key (no request is made)
  {
    name: 'refuses a jku header (and never fetches it)',
    req: withToken((t) => jws(headerFor({ jku: attackUrl('/jku.json'), kid: 'attacker' }), claimsFor(t), attackerRsa.privateKey)),
    expect: invalidToken('AUTH_HEADER_NOT_ALLOWED'),
  },
  {
    name: 'refuses a jku header next to the issuer kid (and never fetches it)',
    req: withToken((t) => jws(headerFor({ jku: attackUrl('/jku-issuer-kid.json') }), claimsFor(t), issuerKey.privateKey)),
    expect: invalidToken('AUTH_HEADER_NOT_ALLOWED'),
  },
  {
    name: 'refuses an x5u header (and never fetches it)',
    req: withToken((t) => jws(headerFor({ x5u: attackUrl('/x5u.pem'), kid: 'attacker' }), claimsFor(t), attackerRsa.privateKey)),
    expect: invalidToken('AUTH_HEADER_NOT_ALLOWED'),
  },
  {
    name: 'refuses an embedded jwk header (the attacker key)',
    req: withToken((t) =>
      jws(
        headerFor({
          kid: 'attacker',
          jwk: { ...attackerRsa.publicKey.export({ format: 'jwk' }), kid: 'attacker', x5u: attackUrl('/jwk-x5u') },
        }),
        claimsFor(t),
        attackerRsa.privateKey,
      ),
    ),
    expect: invalidToken('AUTH_HEADER_NOT_ALLOWED'),
  },
  {
    name: 'refuses an x5c header',
    req: withToken((t) =>
      jws(
        headerFor({
          kid: 'attacker',
          x5c: [attackerRsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
          x5u: attackUrl('/x5c'),
        }),
        claimsFor(t),
        attackerRsa.privateKey,
      ),
    ),
    expect: invalidToken('AUTH_HEADER_NOT_ALLOWED'),
  },
  { name: 'refuses a crit header', req: withToken((t) => good(t, {}, { crit: ['exp'] })), expect: invalidToken('AUTH_HEADER_NOT_ALLOWED') },
  {
    name: 'refuses a kid that is a URL to the attacker (unknown kid, no request to it)',
    req: withToken((t) => good(t, {}, { kid: attackUrl('/kid') })),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },

  // --- typ
  { name: 'refuses a token without typ', req: withToken((t) => good(t, {}, { typ: undefined })), expect: invalidToken('AUTH_TYP_INVALID') },
  {
    name: 'refuses typ JWT (an ID token or another JWT, not an access token)',
    req: withToken((t) => good(t, {}, { typ: 'JWT' })),
    expect: invalidToken('AUTH_TYP_INVALID'),
  },
  { name: 'accepts typ AT+JWT (case-insensitive)', req: withToken((t) => good(t, {}, { typ: 'AT+JWT' })), expect: ok },
  { name: 'accepts typ application/at+jwt', req: withToken((t) => good(t, {}, { typ: 'application/at+jwt' })), expect: ok },

  // --- kid tricks
  {
    name: 'refuses an unknown kid',
    req: withToken((t) => good(t, {}, { kid: `unknown-${uuid()}` })),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },
  {
    name: 'refuses a path-traversal kid',
    req: withToken((t) => good(t, {}, { kid: '../../../../issuer/keys.json' })),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },
  {
    name: 'refuses an SQL-injection kid',
    req: withToken((t) => good(t, {}, { kid: "' OR '1'='1" })),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },
  { name: 'refuses kid __proto__', req: withToken((t) => good(t, {}, { kid: '__proto__' })), expect: invalidToken('AUTH_KEY_NOT_FOUND') },
  {
    name: 'refuses a kid with a NUL and a newline',
    req: withToken((t) => good(t, {}, { kid: `${issuerKey.kid}\u0000\n` })),
    expect: invalidToken('AUTH_KEY_NOT_FOUND'),
  },
  { name: 'refuses a numeric kid', req: withToken((t) => good(t, {}, { kid: 1 })), expect: invalidToken('AUTH_TOKEN_MALFORMED') },
  {
    name: 'refuses an object kid',
    req: withToken((t) => good(t, {}, { kid: { toString: issuerKey.kid } })),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  { name: 'refuses an empty kid', req: withToken((t) => good(t, {}, { kid: '' })), expect: invalidToken('AUTH_TOKEN_MALFORMED') },
  {
    name: 'refuses a 300-character kid',
    req: withToken((t) => good(t, {}, { kid: 'k'.repeat(300) })),
    expect: invalidToken('AUTH_TOKEN_MALFORMED'),
  },
  // The set holds exactly one key (before the rotation test): a token without kid is unambiguous.
  {
    name: 'accepts a token without kid while the JWKS holds exactly one key',
    req: withToken((t) => good(t, {}, { kid: undefined })),
    expect: okButNotExchangeable,
  },

  // --- tampering with a genuinely signed token
  {
    name: 'refuses a payload changed after signing (sub alice -> bob)',
    req: withToken((t) => {
      const [h, , s] = good(t).split('.');
      return `${h}.${b64u(claimsFor(t, { sub: 'bob' }))}.${s}`;
    }),
    expect: invalidToken('AUTH_SIGNATURE_INVALID'),
  },
  {
    name: "refuses a payload whose scope was raised after signing (eve's token)",
    req: withToken((t) => {
      const eve = claimsFor(t, { sub: 'eve', scope: 'profile' });
      const [h, , s] = jws(headerFor(), eve, issuerKey.privateKey).split('.');
      return `${h}.${b64u({ ...eve, scope: t.scope })}.${s}`;
    }),
    expect: invalidToken('AUTH_SIGNATURE_INVALID'),
  },
  {
    name: 'refuses a header changed after signing',
    req: withToken((t) => {
      const [, p, s] = good(t).split('.');
      return `${b64u(headerFor({ typ: 'application/at+jwt' }))}.${p}.${s}`;
    }),
    expect: invalidToken('AUTH_SIGNATURE_INVALID'),
  },
  {
    name: "refuses another token's signature transplanted",
    req: withToken((t) => {
      const [h, p] = good(t, { sub: 'mallory' }).split('.');
      return `${h}.${p}.${good(t).split('.')[2]}`;
    }),
    expect: invalidToken('AUTH_SIGNATURE_INVALID'),
  },
  { name: 'refuses a truncated signature', req: withToken((t) => good(t).slice(0, -4)), expect: invalidToken('AUTH_SIGNATURE_INVALID') },
  {
    name: 'refuses a signature with one bit flipped',
    req: withToken((t) => {
      const [h, p, s] = good(t).split('.');
      const sig = Buffer.from(s!, 'base64url');
      sig[sig.length - 1]! ^= 1;
      return `${h}.${p}.${sig.toString('base64url')}`;
    }),
    expect: invalidToken('AUTH_SIGNATURE_INVALID'),
  },

  // --- claims (all signed with the issuer key)
  { name: 'refuses a token without exp', req: withToken((t) => without(t, 'exp')), expect: invalidToken('AUTH_CLAIM_INVALID') },
  {
    name: 'refuses exp given as a string',
    req: withToken((t) => good(t, { exp: String(nowSec() + 300) })),
    expect: invalidToken('AUTH_CLAIM_INVALID'),
  },
  {
    name: `exp ${TOLERANCE_SEC - 2} s in the past (inside the ${TOLERANCE_SEC} s tolerance): accepted, but too short-lived for a workflow run`,
    req: withToken((t) => good(t, { exp: nowSec() - (TOLERANCE_SEC - 2) })),
    expect: okButTooShortForARun,
  },
  {
    name: `refuses exp ${TOLERANCE_SEC + 2} s in the past (outside the tolerance)`,
    req: withToken((t) => good(t, { exp: nowSec() - (TOLERANCE_SEC + 2) })),
    expect: invalidToken('AUTH_TOKEN_EXPIRED'),
  },
  {
    name: 'refuses a token that expired an hour ago',
    req: withToken((t) => good(t, { iat: nowSec() - 3900, exp: nowSec() - 3600 })),
    expect: invalidToken('AUTH_TOKEN_EXPIRED'),
  },
  {
    name: `accepts nbf ${TOLERANCE_SEC - 2} s in the future (inside the tolerance)`,
    req: withToken((t) => good(t, { nbf: nowSec() + TOLERANCE_SEC - 2 })),
    expect: ok,
  },
  {
    name: `refuses nbf ${TOLERANCE_SEC + 55} s in the future`,
    req: withToken((t) => good(t, { nbf: nowSec() + TOLERANCE_SEC + 55 })),
    expect: invalidToken('AUTH_TOKEN_NOT_YET_VALID'),
  },
  {
    name: 'refuses iat a minute in the future',
    req: withToken((t) => good(t, { iat: nowSec() + 60 })),
    expect: invalidToken('AUTH_TOKEN_NOT_YET_VALID'),
  },
  {
    name: 'refuses another issuer',
    req: withToken((t) => good(t, { iss: 'https://evil.example' })),
    expect: invalidToken('AUTH_ISSUER_MISMATCH'),
  },
  {
    name: 'refuses the issuer URL with a trailing slash',
    req: withToken((t) => good(t, { iss: `${stack.urls.issuer}/` })),
    expect: invalidToken('AUTH_ISSUER_MISMATCH'),
  },
  {
    name: 'refuses the issuer under another host name (localhost)',
    req: withToken((t) => good(t, { iss: stack.urls.issuer.replace('127.0.0.1', 'localhost') })),
    expect: invalidToken('AUTH_ISSUER_MISMATCH'),
  },
  { name: 'refuses a token without iss', req: withToken((t) => without(t, 'iss')), expect: invalidToken('AUTH_ISSUER_MISMATCH') },
  {
    name: 'refuses a genuine issuer token for a sibling audience',
    req: withToken((t) => stack.token('alice', t.name === 'workflow' ? { audience: 'agent-writer' } : {})),
    expect: invalidToken('AUTH_AUDIENCE_MISMATCH'),
  },
  {
    name: 'refuses a sibling audience carrying this service scope',
    req: withToken((t) => good(t, { aud: t.siblings[0] })),
    expect: invalidToken('AUTH_AUDIENCE_MISMATCH'),
  },
  {
    name: 'refuses an audience list of siblings only',
    req: withToken((t) => good(t, { aud: t.siblings })),
    expect: invalidToken('AUTH_AUDIENCE_MISMATCH'),
  },
  {
    name: 'refuses an audience that extends this one',
    req: withToken((t) => good(t, { aud: `${t.aud}-evil` })),
    expect: invalidToken('AUTH_AUDIENCE_MISMATCH'),
  },
  {
    name: 'refuses an audience that is a prefix of this one',
    req: withToken((t) => good(t, { aud: t.aud.slice(0, 5) })),
    expect: invalidToken('AUTH_AUDIENCE_MISMATCH'),
  },
  {
    name: 'refuses an audience in another case',
    req: withToken((t) => good(t, { aud: t.aud.toUpperCase() })),
    expect: invalidToken('AUTH_AUDIENCE_MISMATCH'),
  },
  { name: 'refuses a token without aud', req: withToken((t) => without(t, 'aud')), expect: invalidToken('AUTH_AUDIENCE_MISMATCH') },
  { name: 'refuses an empty audience list', req: withToken((t) => good(t, { aud: [] })), expect: invalidToken('AUTH_AUDIENCE_MISMATCH') },
  { name: 'refuses a numeric aud', req: withToken((t) => good(t, { aud: 1 })), expect: invalidToken('AUTH_AUDIENCE_MISMATCH') },
  {
    name: 'accepts an audience list that contains this service',
    req: withToken((t) => good(t, { aud: [t.siblings[1], t.aud] })),
    expect: ok,
  },
  { name: 'refuses a token without sub', req: withToken((t) => without(t, 'sub')), expect: invalidToken('AUTH_CLAIM_INVALID') },
  { name: 'refuses an empty sub', req: withToken((t) => good(t, { sub: '' })), expect: invalidToken('AUTH_CLAIM_INVALID') },
  { name: 'refuses a numeric sub', req: withToken((t) => good(t, { sub: 42 })), expect: invalidToken('AUTH_CLAIM_INVALID') },
  {
    name: 'refuses scope given as an array',
    req: withToken((t) => good(t, { scope: [t.scope] })),
    expect: invalidToken('AUTH_CLAIM_INVALID'),
  },
  {
    name: 'refuses act that is not an object with sub',
    req: withToken((t) => good(t, { act: 'workflow' })),
    expect: invalidToken('AUTH_CLAIM_INVALID'),
  },
  { name: 'refuses a numeric client_id', req: withToken((t) => good(t, { client_id: 7 })), expect: invalidToken('AUTH_CLAIM_INVALID') },
  { name: 'refuses a token without scope (403)', req: withToken((t) => without(t, 'scope')), expect: insufficientScope },
  { name: "refuses a sibling's scope (403)", req: withToken((t) => good(t, { scope: t.siblingScope })), expect: insufficientScope },
  {
    name: 'refuses a scope that extends the required one (403)',
    req: withToken((t) => good(t, { scope: `${t.scope}x` })),
    expect: insufficientScope,
  },
  {
    name: 'refuses the required scope in another case (403)',
    req: withToken((t) => good(t, { scope: t.scope.toUpperCase() })),
    expect: insufficientScope,
  },
  {
    name: 'refuses the required scope split by a comma (403)',
    req: withToken((t) => good(t, { scope: `profile,${t.scope}` })),
    expect: insufficientScope,
  },

  // --- sizes
  {
    name: `accepts a signed token of exactly ${MAX_TOKEN_LENGTH} characters`,
    req: withToken((t) => tokenOfLength(t, MAX_TOKEN_LENGTH)),
    expect: ok,
  },
  {
    name: `refuses a signed token of ${MAX_TOKEN_LENGTH + 1} characters before parsing it`,
    req: withToken((t) => tokenOfLength(t, MAX_TOKEN_LENGTH + 1)),
    expect: invalidToken('AUTH_TOKEN_TOO_LARGE'),
  },
  { name: 'refuses 12 KB of junk as a token', req: send(bearer('A'.repeat(12_000))), expect: invalidToken('AUTH_TOKEN_TOO_LARGE') },
  {
    name: 'answers a 17 KB Authorization header with 431 from Node',
    req: withToken((t) => `${good(t)}.${'A'.repeat(17_000)}`),
    expect: { status: 431, node: true },
  },
  {
    name: 'answers many headers adding up to over 16 KB with 431 from Node',
    req: withToken(
      (t) => good(t),
      (tok) => [...bearer(tok), ...Array.from({ length: 20 }, (_, i): [string, string] => [`X-Junk-${i}`, 'j'.repeat(1000)])],
    ),
    expect: { status: 431, node: true },
  },
];

// ---------------------------------------------------------------------------------------------

interface Sent {
  target: string;
  requestId: string;
  expect: Expect;
  tokens: string[];
  res: RawResponse;
}
const sent: Sent[] = [];

const CHALLENGE: Record<string, RegExp> = {
  bare: /^Bearer realm="baton"$/,
  invalid_token: /^Bearer realm="baton", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/,
  invalid_request: /^Bearer realm="baton", error="invalid_request", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/,
};

/** Every JWT-looking string (three dot-separated base64url runs of 20+ characters) in a request. */
function tokensIn(req: RawRequest): string[] {
  const found = new Set<string>();
  const add = (text: string) => {
    for (const word of text.split(/[^A-Za-z0-9_.-]+/)) {
      const seg = word.split('.');
      for (let i = 0; i + 3 <= seg.length; i++) {
        if (seg.slice(i, i + 3).every((x) => x.length >= 20)) found.add(seg.slice(i, i + 3).join('.'));
      }
    }
  };
  for (const [, v] of req.headers) add(v);
  add(req.path);
  add(req.body ?? '');
  return [...found];
}

async function run(t: Target, c: Case, i: number): Promise<Sent> {
  const built = await c.req(t);
  const requestId = `hostile-${t.name}-${i}-${uuid()}`;
  const req: RawRequest = { ...built, headers: [['X-Request-Id', requestId], ...built.headers], body: built.body ?? t.body };
  const res = await rawRequest(t.url(), req);
  const want = typeof c.expect === 'function' ? c.expect(t) : c.expect;
  const record = { target: t.name, requestId, expect: want, tokens: tokensIn(req), res };
  sent.push(record);
  return record;
}

function check(t: Target, want: Expect, res: RawResponse): void {
  const www = res.headers['www-authenticate'];
  // status first, with the whole answer in the message when it is wrong
  expect({ status: res.status }).toEqual({
    status: want.status,
    ...(res.status === want.status ? {} : { got: `${JSON.stringify(www)} ${res.body.slice(0, 300)}` }),
  });
  if (want.status === 200) {
    expect(www).toBeUndefined();
    expect(JSON.parse(res.body)).toEqual(
      expect.objectContaining({ output: expect.anything(), metadata: expect.objectContaining({ run_id: expect.any(String) }) }),
    );
    return;
  }
  if ('afterAuth' in want) {
    expect(www).toBeUndefined();
    const { error } = JSON.parse(res.body) as { error: { code: string; detail?: { cause?: string } } };
    expect({ code: error.code, cause: error.detail?.cause }).toEqual({ code: 'WORKFLOW_NODE_FAILED', cause: want.afterAuth });
    return;
  }
  if ('node' in want) {
    // Node's HTTP parser answered: the app never saw the request.
    expect(www).toBeUndefined();
    expect(res.headers['x-request-id']).toBeUndefined();
    return;
  }
  expect(www).toHaveLength(1);
  if (want.challenge === 'insufficient_scope') {
    expect(www![0]).toMatch(
      new RegExp(`^Bearer realm="baton", error="insufficient_scope", error_description="[\\x20\\x21\\x23-\\x7e]+", scope="${t.scope}"$`),
    );
  } else {
    expect(www![0]).toMatch(CHALLENGE[want.challenge]!);
  }
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(want.code);
  expect(typeof body.error.message).toBe('string');
}

/** JWKS requests the issuer has answered (its own request counter). */
async function jwksFetches(): Promise<number> {
  const text = await (await fetch(`${stack.urls.issuer}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^http_requests_total\{method="GET",route="\/\.well-known\/jwks\.json",status="\d+"\} (\d+)$/gm))
    n += Number(m[1]);
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [{ ...attackerRsa.publicKey.export({ format: 'jwk' }), kid: 'attacker', use: 'sig', alg: 'RS256' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  attacker = { server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, hits };
  stack = await startStack({ JWKS_COOLDOWN_MS: String(COOLDOWN_MS) });
  issuerKey = readIssuerKeys().at(-1)!;
}, 90_000);

afterAll(async () => {
  await new Promise((r) => attacker?.server.close(r));
  const code = await stack?.stop();
  expect(code).toBe(0);
});

describe.each(targets)('$name: POST $path with hostile credentials', (t) => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const { res, expect: want } = await run(t, c, i);
    check(t, want, res);
  });
});

describe('outbound requests and the JWKS', () => {
  it('made no request to the attacker for jku / x5u / jwk / x5c / URL kids', () => {
    expect(attacker.hits).toEqual([]);
  });

  it('fetches no JWKS for jku / x5u / jwk / x5c headers', async () => {
    const before = await jwksFetches();
    for (const t of targets) {
      for (const header of [
        { jku: attackUrl('/a') },
        { x5u: attackUrl('/b') },
        { jwk: attackerRsa.publicKey.export({ format: 'jwk' }) },
        { x5c: ['MIIB'] },
      ]) {
        const token = jws(headerFor({ ...header, kid: `fresh-${uuid()}` }), claimsFor(t), attackerRsa.privateKey);
        const res = await rawRequest(t.url(), { path: t.path, headers: bearer(token), body: t.body });
        check(t, invalidToken('AUTH_HEADER_NOT_ALLOWED'), res);
      }
    }
    expect(await jwksFetches()).toBe(before);
    expect(attacker.hits).toEqual([]);
  });

  it.each(targets.map((t) => [t.name, t] as const))(
    'answers a flood of 50 random kids at %s with 401 AUTH_KEY_NOT_FOUND and at most one JWKS fetch per cooldown',
    async (_name, t) => {
      const before = await jwksFetches();
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          rawRequest(t.url(), {
            path: t.path,
            headers: bearer(good(t, {}, { kid: crypto.randomBytes(16).toString('base64url') })),
            body: t.body,
          }),
        ),
      );
      const elapsed = Date.now() - started;
      const fetched = (await jwksFetches()) - before;
      for (const res of results) check(t, invalidToken('AUTH_KEY_NOT_FOUND'), res);
      // One fetch per started cooldown window: with the flood inside one window (the usual case), at most 1.
      expect(fetched).toBeLessThanOrEqual(1 + Math.floor(elapsed / COOLDOWN_MS));
    },
  );

  it('accepts a genuinely rotated key at both services once the cooldown has passed', async () => {
    const oldKey = issuerKey;
    const rotated = await fetch(`${stack.urls.issuer}/dev/rotate-keys`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    const { kid } = (await rotated.json()) as { kid: string };
    const keys = readIssuerKeys();
    issuerKey = keys.at(-1)!;
    expect(issuerKey.kid).toBe(kid);
    expect(kid).not.toBe(oldKey.kid);
    await sleep(COOLDOWN_MS + 300); // the floods above may have just started a cooldown

    for (const t of targets) {
      const forged = await rawRequest(t.url(), { path: t.path, headers: bearer(good(t)), body: t.body });
      check(t, ok, forged);
      // the issuer's own tokens are now signed with the new key too
      const genuine = await stack.token('alice', t.name === 'workflow' ? {} : { audience: t.aud });
      expect(JSON.parse(Buffer.from(genuine.split('.')[0]!, 'base64url').toString()).kid).toBe(kid);
      check(t, ok, await rawRequest(t.url(), { path: t.path, headers: bearer(genuine), body: t.body }));
      // the previous key is still published: its unexpired tokens keep working
      const old = jws(headerFor({ kid: oldKey.kid }), claimsFor(t), oldKey.privateKey);
      check(t, ok, await rawRequest(t.url(), { path: t.path, headers: bearer(old), body: t.body }));
      // with two keys in the set, a token without kid is ambiguous
      check(
        t,
        invalidToken('AUTH_KEY_NOT_FOUND'),
        await rawRequest(t.url(), { path: t.path, headers: bearer(good(t, {}, { kid: undefined })), body: t.body }),
      );
    }
  });
});

describe('what the services wrote', () => {
  it('audits each table request exactly once, with the refusal code as reason', async () => {
    const audited = sent.filter((s) => !('node' in s.expect));
    const allowed = (s: Sent) => s.expect.status === 200 || 'afterAuth' in s.expect;
    const reasonOf = (s: Sent) => (allowed(s) ? 'ok' : (s.expect as { code: string }).code);
    const service = (s: Sent) => (s.target === 'workflow' ? 'workflow' : 'agent-research');
    const wanted = new Set(audited.map((s) => s.requestId));
    // Each service makes its own request id: the one this test sent is the audit line's
    // `client_request_id`, or its `request_id` where the service adopted it (an agent token whose
    // act names the workflow).
    const sentId = (l: Record<string, unknown>) => (l.client_request_id ?? l.request_id) as string;
    // log lines travel through the launcher's stdout: give them a moment
    for (let i = 0; i < 50; i++) {
      const seen = new Set(
        stack
          .logs()
          .filter((l) => l.audit === true && wanted.has(sentId(l)))
          .map(sentId),
      );
      if (seen.size === wanted.size) break;
      await sleep(100);
    }
    const audits = stack.logs().filter((l) => l.audit === true);
    for (const s of audited) {
      const mine = audits.filter((a) => sentId(a) === s.requestId && a.service === service(s));
      expect({ request: s.requestId, reasons: mine.map((a) => a.reason) }).toEqual({ request: s.requestId, reasons: [reasonOf(s)] });
      expect(mine[0]!.decision).toBe(allowed(s) ? 'allow' : 'deny');
    }
  });

  it('never echoes a presented token in a response or a log line', () => {
    const logs = stack.lines.join('\n');
    let checked = 0;
    for (const s of sent) {
      const response = `${JSON.stringify(s.res.headers)}\n${s.res.body}`;
      for (const token of s.tokens) {
        checked++;
        expect(response.includes(token)).toBe(false);
        expect(logs.includes(token)).toBe(false);
        const sig = token.split('.')[2]!;
        if (sig.length >= 40) {
          expect(response.includes(sig)).toBe(false);
          expect(logs.includes(sig)).toBe(false);
        }
      }
    }
    expect(checked).toBeGreaterThan(2 * 60);
  });
});
