/**
 * Test-only helpers for OAuth token endpoints (RFC 6749 §5.2 / RFC 8693), shared by the
 * token-exchange spec (`packages/conformance`, any issuer) and the dev issuer's own policy suite:
 * form requests with ordered (repeatable) parameters, client authentication, crafted JWTs, and
 * one assertion for a refusal. Import as `@baton/testkit/oauth` (jest only: it uses `expect`).
 */
import { expect } from '@jest/globals';
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';

export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const FORM = 'application/x-www-form-urlencoded';
/** A JWT-looking string anywhere in a response body. */
export const JWT_LIKE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/** RFC 6749 §2.3.1 client_secret_basic: each part form-urlencoded, then base64. */
export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
/** The same length as `secret`, its last character different. */
export const oneCharOff = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('j') ? 'k' : 'j'}`;
export const nowSec = () => Math.floor(Date.now() / 1000);
export const b64urlJson = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** RS256-sign claims exactly as given (no iat added) with `header`. */
export function signJwt(claims: Record<string, unknown>, key: KeyObject, header: Record<string, unknown>): string {
  return jwt.sign(claims, key, { algorithm: 'RS256', header: header as unknown as jwt.JwtHeader, noTimestamp: true });
}

export interface TokenRequest {
  method?: string;
  /** Path and query, instead of the token endpoint's own. */
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface TokenResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** How a request authenticates: the client's Basic credentials, nothing, or this exact header. */
export type ClientAuth = 'basic' | 'none' | { header: string };

/** A form POST from ordered pairs (so parameters can be repeated), with `authorization` if given. */
export function formRequest(pairs: Array<[string, string]>, authorization?: string): TokenRequest {
  return { headers: { 'content-type': FORM, ...(authorization ? { authorization } : {}) }, body: new URLSearchParams(pairs).toString() };
}

/** Send `req` to the token endpoint (or to `origin + req.path` when it sets a path). */
export async function sendTokenRequest(tokenEndpoint: string, req: TokenRequest): Promise<TokenResponse> {
  const init: RequestInit = { method: req.method ?? 'POST', headers: req.headers ?? {} };
  if (req.body !== undefined) init.body = req.body;
  const url = req.path === undefined ? tokenEndpoint : new URL(req.path, tokenEndpoint).toString();
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Everything secret a request carried: its credentials and any token or secret parameter in it. */
export function secretsIn(req: TokenRequest): string[] {
  const out: string[] = [];
  const authz = req.headers?.authorization;
  if (authz) out.push(authz, authz.replace(/^\S+\s+/, ''));
  const ct = req.headers?.['content-type'] ?? '';
  if (typeof req.body === 'string' && ct.startsWith(FORM)) {
    for (const [k, v] of new URLSearchParams(req.body)) if (/token|secret/.test(k) && v.length > 0) out.push(v);
  }
  return out;
}

/** One refusal case of a token endpoint table. */
export interface RefusalCase<C> {
  name: string;
  req: (c: C) => TokenRequest | Promise<TokenRequest>;
  status: number;
  error: string;
  /** Extra assertions on the response. */
  also?: (res: TokenResponse) => void;
}

/**
 * A refusal as RFC 6749 §5.2 wants it and as Baton holds it: this status and `error`, a body of
 * exactly `{error, error_description}`, `Cache-Control: no-store` + `Pragma: no-cache`,
 * `WWW-Authenticate: Basic realm=…` on invalid_client only, and no secret or JWT echoed.
 */
export function expectRefusal(res: TokenResponse, want: { status: number; error: string; secrets: readonly string[] }): void {
  expect({ status: res.status, error: res.json?.error }).toEqual({ status: want.status, error: want.error });
  expect(res.json).toEqual({ error: want.error, error_description: expect.any(String) });
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
  if (want.error === 'invalid_client') expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
  else expect(res.headers.get('www-authenticate')).toBeNull();
  // Never echo a credential or a token: not the ones this request carried, not any other.
  for (const s of want.secrets) expect(res.text.includes(s)).toBe(false);
  expect(res.text).not.toMatch(JWT_LIKE);
}

/** The dev issuer's current signing key, read from `$ISSUER_DATA_DIR/keys.json` (newest last; format: apps/issuer/src/keys.ts). */
export function readDevIssuerKey(dataDir: string): { kid: string; privateKey: KeyObject; publicKey: KeyObject } {
  const { keys } = JSON.parse(fs.readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as {
    keys: Array<{ kid: string; private_jwk: JsonWebKey }>;
  };
  const k = keys[keys.length - 1]!;
  const privateKey = createPrivateKey({ key: k.private_jwk, format: 'jwk' });
  return { kid: k.kid, privateKey, publicKey: createPublicKey(privateKey) };
}

/** A token from the dev issuer's `POST /dev/token`. */
export async function devIssuerToken(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`/dev/token ${JSON.stringify(body)} -> ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
