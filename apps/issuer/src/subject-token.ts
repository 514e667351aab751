import type { KeyObject } from 'node:crypto';
import { AuthError, createVerifier, isAuthError, type AuthErrorCode, type KeyStore as AuthKeyStore, type Principal } from '@baton/auth';
import { SIGNING_ALG, type KeyStore } from './keys.js';
import { OAuthError } from './oauth-error.js';

/**
 * `@baton/auth`'s KeyStore over the issuer's own keys: no network, the keys in `keys.json`
 * (re-read when the file changes). An unknown or absent `kid` is AUTH_KEY_NOT_FOUND.
 */
export function ownKeyStore(keys: KeyStore, now: () => number): AuthKeyStore {
  return {
    getKey(kid: string | undefined): Promise<KeyObject> {
      keys.refresh(now());
      const key = kid === undefined ? undefined : keys.publicKey(kid);
      if (!key) return Promise.reject(new AuthError('AUTH_KEY_NOT_FOUND', 'Token was not signed by a key of this issuer'));
      return Promise.resolve(key);
    },
    stats: () => ({ fetches: 0 }),
  };
}

/** What the client learns about a refused subject token (static text, chosen by code). */
const DESCRIPTIONS: Partial<Record<AuthErrorCode, string>> = {
  AUTH_TOKEN_MALFORMED: 'subject_token is not a JWT',
  AUTH_TOKEN_EXPIRED: 'subject_token has expired',
  AUTH_TOKEN_NOT_YET_VALID: 'subject_token is not yet valid',
  AUTH_ISSUER_MISMATCH: 'subject_token was not issued by this issuer',
  AUTH_AUDIENCE_MISMATCH: 'subject_token audience is not this client',
  AUTH_TYP_INVALID: 'subject_token is not an access token (typ at+jwt)',
  AUTH_KEY_NOT_FOUND: 'subject_token was not signed by this issuer',
  AUTH_SIGNATURE_INVALID: 'subject_token signature is invalid',
  AUTH_ALG_NOT_ALLOWED: 'subject_token uses an algorithm that is not allowed',
  AUTH_CLAIM_INVALID: 'subject_token lacks a required claim or has an invalid one',
};

export interface SubjectTokenVerifier {
  /** The verified subject token, or an `invalid_grant` OAuthError. Other errors (an outage) pass through. */
  verify(token: string, audience: string): Promise<Principal>;
}

/**
 * Subject tokens are verified by the same verifier as every other service (`createVerifier`):
 * RS256 only, `typ` at+jwt, `iss` exact, `aud` contains the client's audience, `exp` required,
 * 5 s clock tolerance. No cache: a key dropped from `keys.json` stops verifying at once.
 * One verifier per client audience, made on first use.
 */
export function subjectTokenVerifier(options: { issuer: string; keys: KeyStore; now: () => number }): SubjectTokenVerifier {
  const keys = ownKeyStore(options.keys, options.now);
  const verifiers = new Map<string, ReturnType<typeof createVerifier>>();
  const verifierFor = (audience: string) => {
    let v = verifiers.get(audience);
    if (!v) {
      v = createVerifier({ issuer: options.issuer, audience, keys, algorithms: [SIGNING_ALG], cache: false, now: options.now });
      verifiers.set(audience, v);
    }
    return v;
  };
  return {
    async verify(token, audience) {
      try {
        return await verifierFor(audience).verify(token);
      } catch (err) {
        // Decided by code, never by message. AUTH_KEYS_UNAVAILABLE (an outage) cannot come from
        // our own key store; if it did, it is not the subject token's fault: rethrown (500).
        if (isAuthError(err) && err.code !== 'AUTH_KEYS_UNAVAILABLE') {
          throw new OAuthError('invalid_grant', DESCRIPTIONS[err.code] ?? 'subject_token is not a valid access token of this issuer');
        }
        throw err;
      }
    },
  };
}
