import { AuthError } from './errors.js';
import type { ClientClaim, ScopeClaim } from './profiles.js';
import { parseScope } from './scopes.js';

type Json = Record<string, unknown>;

/** Most entries accepted in an array-valued scope claim. */
const MAX_SCOPE_ENTRIES = 256;

function invalid(message: string): never {
  throw new AuthError('AUTH_CLAIM_INVALID', message);
}

function stringArray(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_SCOPE_ENTRIES || !value.every((v) => typeof v === 'string')) {
    invalid(`Token ${name} claim is not an array of strings`);
  }
  return value as string[];
}

/** The scopes one listed claim grants; AUTH_CLAIM_INVALID when it has a shape its setting does not name. */
function scopesIn(claims: Json, claim: ScopeClaim): string[] {
  const name = claim === 'scope-array' ? 'scope' : claim;
  const value = claims[name];
  if (value === undefined) return [];
  switch (claim) {
    case 'scope':
      if (typeof value !== 'string') invalid('Token scope claim is not a string');
      return parseScope(value);
    case 'scope-array':
    case 'scp':
      return typeof value === 'string' ? parseScope(value) : stringArray(value, name);
    default:
      return stringArray(value, name);
  }
}

/** Every scope the token grants, from the claims the profile names (others are ignored), in order, once each. */
export function scopesOf(claims: Json, scopeClaims: readonly ScopeClaim[]): string[] {
  return [...new Set(scopeClaims.flatMap((c) => scopesIn(claims, c)))];
}

/** The client the token was issued to: the first of the profile's client claims present (a string, else AUTH_CLAIM_INVALID). */
export function clientIdOf(claims: Json, clientClaims: readonly ClientClaim[]): string | undefined {
  for (const name of clientClaims) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') invalid(`Token ${name} claim is invalid`);
    return value;
  }
  return undefined;
}

/** Claims only an OpenID Connect ID token carries (OIDC Core §2, §3.3.2.11; FAPI's s_hash). */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'] as const;

/**
 * Refuses an ID token presented as an access token (401 AUTH_TYP_INVALID): one carrying a claim
 * only ID tokens carry, a Keycloak-style `typ: "ID"` claim, or an `azp` naming one of the accepted
 * audiences (a token issued *to* this resource as a client — an ID token's audience is the client
 * that logged in — rather than *for* it as a resource). It stands in for the `typ: at+jwt` check
 * where a profile accepts `typ: JWT` or no `typ`, and runs in every profile.
 */
export function refuseIdToken(claims: Json, audiences: ReadonlySet<string>): void {
  const idToken =
    ID_TOKEN_CLAIMS.some((c) => claims[c] !== undefined) ||
    (typeof claims.typ === 'string' && claims.typ.toLowerCase() === 'id') ||
    (typeof claims.azp === 'string' && audiences.has(claims.azp));
  if (idToken) throw new AuthError('AUTH_TYP_INVALID', 'Token is an ID token, not an access token');
}
