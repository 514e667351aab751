/**
 * Token profiles: the access-token shapes a verifier accepts, for the identity providers Baton is
 * documented with (docs/IDENTITY-PROVIDERS.md). `strict` (the default) is RFC 9068 exactly; every
 * other profile names the relaxations it makes, and nothing else is relaxed.
 */

/** Where a token's scopes may live. */
export const SCOPE_CLAIMS = ['scope', 'scope-array', 'scp', 'permissions', 'roles'] as const;
/**
 * - `scope`: RFC 9068 / RFC 8693, a space-delimited string (the only strict one);
 * - `scope-array`: `scope` as a string or an array of strings;
 * - `scp`: a space-delimited string (Entra ID) or an array of strings (Okta);
 * - `permissions`: an array of strings (Auth0 RBAC); `roles`: an array of strings (Entra ID app roles, Keycloak-style).
 */
export type ScopeClaim = (typeof SCOPE_CLAIMS)[number];

/** Which claim names the client the token was issued to (the Principal's `client_id`), first present wins. */
export const CLIENT_CLAIMS = ['client_id', 'azp', 'cid', 'appid'] as const;
export type ClientClaim = (typeof CLIENT_CLAIMS)[number];

export const TOKEN_PROFILE_NAMES = ['strict', 'dev', 'keycloak', 'auth0', 'okta', 'entra'] as const;
export type TokenProfileName = (typeof TOKEN_PROFILE_NAMES)[number];

/** The token's header `typ` value meaning "no typ header". */
export const TYP_NONE = 'none';

export interface TokenProfile {
  readonly name: string;
  /** Accepted `typ` header values, lower-case; `none` = a token without `typ` is accepted. */
  readonly typ: readonly string[];
  readonly scopeClaims: readonly ScopeClaim[];
  readonly clientClaims: readonly ClientClaim[];
}

const RFC9068_TYP = ['at+jwt', 'application/at+jwt'];

const PROFILES: Readonly<Record<TokenProfileName, TokenProfile>> = Object.freeze({
  strict: { name: 'strict', typ: RFC9068_TYP, scopeClaims: ['scope'], clientClaims: ['client_id'] },
  // The bundled dev issuer issues RFC 9068 tokens: the strict profile under its own name.
  dev: { name: 'dev', typ: RFC9068_TYP, scopeClaims: ['scope'], clientClaims: ['client_id'] },
  // Keycloak 26: header typ JWT (at+jwt when the realm asks for it), scope string, the client in azp.
  keycloak: { name: 'keycloak', typ: [...RFC9068_TYP, 'jwt'], scopeClaims: ['scope'], clientClaims: ['azp', 'client_id'] },
  // Auth0: typ JWT (its "Auth0" profile) or at+jwt (its RFC 9068 profile); scope string plus RBAC permissions; azp or client_id.
  auth0: { name: 'auth0', typ: [...RFC9068_TYP, 'jwt'], scopeClaims: ['scope', 'permissions'], clientClaims: ['client_id', 'azp'] },
  // Okta custom authorization servers: no typ header, scp an array, the client in cid.
  okta: { name: 'okta', typ: [...RFC9068_TYP, TYP_NONE], scopeClaims: ['scp'], clientClaims: ['cid', 'client_id'] },
  // Entra ID v2 access tokens: typ JWT, scp a space-delimited string (delegated), roles an array (app-only), azp.
  entra: { name: 'entra', typ: [...RFC9068_TYP, 'jwt'], scopeClaims: ['scp', 'roles'], clientClaims: ['azp', 'appid'] },
});

export function isTokenProfileName(name: string): name is TokenProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

export interface TokenProfileOverrides {
  /** `TOKEN_TYP`: accepted typ values (`none` for a token without typ). */
  typ?: readonly string[] | undefined;
  /** `TOKEN_SCOPE_CLAIMS`. */
  scopeClaims?: readonly string[] | undefined;
  /** `TOKEN_CLIENT_CLAIMS`. */
  clientClaims?: readonly string[] | undefined;
}

const TYP_VALUE = /^[\x21-\x7e]{1,64}$/;

function nonEmpty<T extends string>(what: string, values: readonly string[], allowed?: readonly T[]): T[] {
  if (!Array.isArray(values) || values.length === 0) throw new TypeError(`token profile: ${what} must not be empty`);
  for (const v of values) {
    if (typeof v !== 'string' || (allowed ? !allowed.includes(v as T) : !TYP_VALUE.test(v))) {
      throw new TypeError(`token profile: ${what} has an unknown value${allowed ? ` (one of ${allowed.join(', ')})` : ''}`);
    }
  }
  return [...new Set(values)] as T[];
}

/** The profile `name` with each knob overridden where given; a TypeError for an unknown name or value. */
export function resolveTokenProfile(name: string = 'strict', overrides: TokenProfileOverrides = {}): TokenProfile {
  if (!isTokenProfileName(name)) throw new TypeError(`token profile: unknown profile (one of ${TOKEN_PROFILE_NAMES.join(', ')})`);
  const base = PROFILES[name];
  return Object.freeze({
    name,
    typ: Object.freeze(overrides.typ ? nonEmpty('typ', overrides.typ).map((t) => t.toLowerCase()) : [...base.typ]),
    scopeClaims: Object.freeze(
      overrides.scopeClaims ? nonEmpty('scope claims', overrides.scopeClaims, SCOPE_CLAIMS) : [...base.scopeClaims],
    ),
    clientClaims: Object.freeze(
      overrides.clientClaims ? nonEmpty('client claims', overrides.clientClaims, CLIENT_CLAIMS) : [...base.clientClaims],
    ),
  });
}

/**
 * What `profile` accepts beyond the strict profile, one human line per relaxed setting (a service
 * logs each at start-up). Empty for the strict profile.
 */
export function relaxations(profile: TokenProfile): string[] {
  const strict = PROFILES.strict;
  const lines: string[] = [];
  const extraTyp = profile.typ.filter((t) => !strict.typ.includes(t));
  if (extraTyp.length > 0) {
    lines.push(
      `token profile ${profile.name}: accepts typ ${extraTyp.map((t) => (t === TYP_NONE ? '(none)' : t)).join(', ')} besides at+jwt; ID tokens are refused by their claims (nonce, at_hash, c_hash, s_hash, typ=ID, azp naming this resource)`,
    );
  }
  const extraScope = profile.scopeClaims.filter((c) => c !== 'scope');
  if (extraScope.length > 0) lines.push(`token profile ${profile.name}: reads scopes from ${extraScope.join(', ')}`);
  if (!profile.scopeClaims.includes('scope')) lines.push(`token profile ${profile.name}: ignores the scope claim`);
  const extraClient = profile.clientClaims.filter((c) => c !== 'client_id');
  if (extraClient.length > 0) lines.push(`token profile ${profile.name}: reads the client from ${profile.clientClaims.join(', ')}`);
  return lines;
}
