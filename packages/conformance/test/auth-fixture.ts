import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { createJwksKeyStore, createVerifier, type Verifier } from '@baton/auth';
import { requireAuth } from '@baton/auth/express';

/** A real issuer for tests: an RS256 key pair, its JWKS served on 127.0.0.1, tokens minted here. */
export interface TestIssuer {
  issuer: string;
  jwksUri: string;
  /** Mints an RS256 access token (`typ: at+jwt`) for `sub` with `scope`. */
  mint(claims: { sub: string; scope: string; audience?: string; expiresInSec?: number }): string;
  /** A token signed by a key the JWKS does not hold. */
  mintForeign(claims: { sub: string; scope: string }): string;
  close(): Promise<void>;
}

export const AUDIENCE = 'agent-conformance';

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = randomUUID();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const server = http.createServer((req, res) => {
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (key: KeyObject, c: { sub: string; scope: string; audience?: string; expiresInSec?: number }) =>
    jwt.sign({ scope: c.scope }, key, {
      algorithm: 'RS256',
      keyid: kid,
      header: { alg: 'RS256', typ: 'at+jwt', kid },
      subject: c.sub,
      issuer: base,
      audience: c.audience ?? AUDIENCE,
      expiresIn: c.expiresInSec ?? 300,
      jwtid: randomUUID(),
    });
  return {
    issuer: base,
    jwksUri: `${base}/jwks.json`,
    mint: (c) => sign(privateKey, c),
    mintForeign: (c) => sign(foreign, c),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}


/**
 * The one place the suite gets its auth middleware: `requireAuth` from `@baton/auth/express`
 * with a verifier over the test issuer's real JWKS endpoint.
 */
export function makeAuth(issuer: TestIssuer, scopes: string[]): { auth: RequestHandler; verifier: Verifier } {
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    keys: createJwksKeyStore({ jwksUri: issuer.jwksUri }),
  });
  return { auth: requireAuth({ verifier, scopes }), verifier };
}
