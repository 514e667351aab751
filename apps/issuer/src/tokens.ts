import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SIGNING_ALG, type KeyStore } from './keys.js';

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  scope: string;
  client_id: string;
  iat: number;
  exp: number;
  jti: string;
  act?: { sub: string };
}

/** Sign an RFC 9068 JWT access token (`typ: at+jwt`) with the newest key. */
export function mintAccessToken(keys: KeyStore, claims: Omit<AccessTokenClaims, 'jti'>): { token: string; kid: string; jti: string } {
  const { kid, privateKey } = keys.signingKey();
  const jti = randomUUID();
  const payload: AccessTokenClaims = { ...claims, jti };
  const token = jwt.sign(payload, privateKey, { algorithm: SIGNING_ALG, header: { alg: SIGNING_ALG, typ: 'at+jwt', kid } });
  return { token, kid, jti };
}
