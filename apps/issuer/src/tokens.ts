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

export type VerifyFailure =
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'missing_claims';

export class SubjectTokenError extends Error {
  constructor(
    readonly reason: VerifyFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedToken {
  sub: string;
  aud: string[];
  scope: string[];
  exp: number;
  iat?: number;
  act?: unknown;
  client_id?: string;
  [claim: string]: unknown;
}

/**
 * Verify a token this issuer signed: RS256 only, known `kid`, `typ` at+jwt, `iss`, exact `aud`,
 * `exp` required (jsonwebtoken does not require it), small clock tolerance.
 */
export function verifyOwnToken(
  keys: KeyStore,
  token: string,
  options: { issuer: string; audience: string; nowSec: number; clockToleranceSec?: number },
): VerifiedToken {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object' || decoded.payload === null)
    throw new SubjectTokenError('malformed', 'subject_token is not a JWT');
  const { header } = decoded;
  if (header.alg !== SIGNING_ALG) throw new SubjectTokenError('malformed', 'subject_token uses an algorithm that is not allowed');
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
  if (typ !== 'at+jwt' && typ !== 'application/at+jwt')
    throw new SubjectTokenError('wrong_type', 'subject_token is not an access token (typ at+jwt)');
  const publicKey = typeof header.kid === 'string' ? keys.publicKey(header.kid) : undefined;
  if (!publicKey) throw new SubjectTokenError('unknown_key', 'subject_token was not signed by this issuer');
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(token, publicKey, {
      algorithms: [SIGNING_ALG],
      issuer: options.issuer,
      clockTimestamp: options.nowSec,
      clockTolerance: options.clockToleranceSec ?? 5,
    }) as jwt.JwtPayload;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TokenExpiredError') throw new SubjectTokenError('expired', 'subject_token has expired');
    if (e.name === 'NotBeforeError') throw new SubjectTokenError('not_yet_valid', 'subject_token is not yet valid');
    if (/issuer/.test(e.message)) throw new SubjectTokenError('wrong_issuer', 'subject_token was not issued by this issuer');
    throw new SubjectTokenError('bad_signature', 'subject_token signature is invalid');
  }
  if (typeof payload.exp !== 'number') throw new SubjectTokenError('missing_claims', 'subject_token has no exp');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    throw new SubjectTokenError('missing_claims', 'subject_token has no sub');
  const aud = Array.isArray(payload.aud) ? payload.aud : typeof payload.aud === 'string' ? [payload.aud] : [];
  if (!aud.includes(options.audience)) throw new SubjectTokenError('wrong_audience', 'subject_token audience is not this client');
  const scope = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  return { ...payload, sub: payload.sub, aud, scope, exp: payload.exp } as VerifiedToken;
}
