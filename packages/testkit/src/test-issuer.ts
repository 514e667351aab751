/**
 * A real JWKS endpoint on 127.0.0.1 serving a freshly generated RS256 key (and a discovery
 * document at `/.well-known/openid-configuration` naming it), and a
 * `mint` that signs access tokens with it (jsonwebtoken, `typ: at+jwt`).
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';

export interface MintOptions {
  sub?: string;
  aud?: string | string[];
  scope?: string;
  act?: Record<string, unknown>;
  /** Seconds from now (default 300); `null`: no `exp` claim at all. */
  expiresInSec?: number | null;
  /** The `iss` claim (default: this issuer's URL). */
  iss?: string;
  /** Sign with another key than the one the JWKS serves. */
  key?: KeyObject;
  extra?: Record<string, unknown>;
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of minted tokens. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** JWKS requests served so far. */
  readonly jwksRequests: () => number;
  mint(options?: MintOptions): string;
  close(): Promise<void>;
}

export interface TestIssuerOptions {
  /** Port on 127.0.0.1 (default 0: any free one). A fixed one lets a service started elsewhere trust it. */
  port?: number;
}

export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  let requests = 0;
  let issuer = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      // discovery: services given only ISSUER_URL find the JWKS here
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` }));
      return;
    }
    if (req.url === '/.well-known/jwks.json') {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    jwksRequests: () => requests,
    mint(o = {}) {
      const payload: Record<string, unknown> = { ...(o.extra ?? {}) };
      if (o.scope !== undefined) payload.scope = o.scope;
      if (o.act !== undefined) payload.act = o.act;
      return jwt.sign(payload, o.key ?? privateKey, {
        algorithm: 'RS256',
        keyid: kid,
        header: { alg: 'RS256', typ: 'at+jwt', kid },
        issuer: o.iss ?? issuer,
        subject: o.sub ?? 'alice',
        audience: o.aud ?? 'agent-test',
        ...(o.expiresInSec === null ? {} : { expiresIn: o.expiresInSec ?? 300 }),
        jwtid: randomUUID(),
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A pino destination that keeps every JSON line, for asserting on logs and audit events. */
export function captureLines(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A random key pair the JWKS does not serve (for bad-signature tests). */
export function foreignKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}
