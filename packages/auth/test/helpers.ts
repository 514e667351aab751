import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export interface TestKey {
  kid: string;
  alg: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  jwk: Record<string, unknown>;
}

export function rsaKey(kid: string, alg = 'RS256'): TestKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

export function ecKey(kid: string): TestKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Sign header.payload with any asymmetric alg (or HS* with a secret) — no validation, so tests can forge. */
export function signRaw(
  header: Record<string, unknown>,
  payload: unknown,
  key: crypto.KeyObject | string | Buffer,
  alg = String(header.alg),
): string {
  const input = `${b64url(header)}.${typeof payload === 'string' ? b64url(payload) : b64url(payload)}`;
  const hash = HASH[alg.slice(2)] ?? 'sha256';
  let sig: Buffer;
  if (alg.startsWith('HS'))
    sig = crypto
      .createHmac(hash, key as string | Buffer)
      .update(input)
      .digest();
  else if (alg.startsWith('PS'))
    sig = crypto.sign(hash, Buffer.from(input), {
      key: key as crypto.KeyObject,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(alg.slice(2)) / 8,
    });
  else if (alg.startsWith('ES')) sig = crypto.sign(hash, Buffer.from(input), { key: key as crypto.KeyObject, dsaEncoding: 'ieee-p1363' });
  else sig = crypto.sign(hash, Buffer.from(input), key as crypto.KeyObject);
  return `${input}.${sig.toString('base64url')}`;
}

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'agent-research';

export function claims(overrides: Record<string, unknown> = {}, nowMs = Date.now()): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: 'alice', scope: 'research:invoke', iat: now, exp: now + 300, ...overrides };
}

export function mint(
  key: TestKey,
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  nowMs = Date.now(),
): string {
  return signRaw({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header }, claims(overrides, nowMs), key.privateKey);
}

export interface TestServer {
  url: string;
  hits: number;
  close(): Promise<void>;
}

export async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface JwksServer extends TestServer {
  jwksUri: string;
  keys: Record<string, unknown>[];
  /** 'ok' | 500 answer | 'garbage' JSON */
  mode: 'ok' | 'error' | 'garbage';
}

export async function startJwks(keys: TestKey[]): Promise<JwksServer> {
  const state = { hits: 0, keys: keys.map((k) => k.jwk), mode: 'ok' as JwksServer['mode'] };
  const { server, url } = await listen((req, res) => {
    state.hits += 1;
    if (state.mode === 'error') {
      res.writeHead(500).end('down');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(state.mode === 'garbage' ? '{"keys": "nope"' : JSON.stringify({ keys: state.keys }));
  });
  return Object.assign(state, {
    url,
    jwksUri: `${url}/.well-known/jwks.json`,
    close: () => closeServer(server),
  }) as JwksServer;
}

/** A closed port: connection refused. */
export async function deadUrl(): Promise<string> {
  const { server, url } = await listen(() => undefined);
  await closeServer(server);
  return url;
}
