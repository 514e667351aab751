export { Caller, accessTokenOf, isCaller, tokenFingerprint } from '@baton/identity';
export type { Principal } from '@baton/identity';
export { AuthError, isAuthError } from './errors.js';
export type { AuthErrorCode, AuthErrorOptions } from './errors.js';
export { createJwksKeyStore } from './jwks.js';
export type { Algorithm, JwksKeyStoreOptions, KeyStore, KeyStoreStats } from './jwks.js';
export { createVerifier } from './verify.js';
export type { Verifier, VerifierOptions } from './verify.js';
export { parseScope } from './scopes.js';
export { createAuditor } from './audit.js';
export type { AuditDecision, AuditEvent, Auditor, AuditorOptions, TokenAuditDecision, TokenAuditEvent, TokenAuditor } from './audit.js';
export { createTokenExchangeClient, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT } from './token-exchange.js';
export type { ExchangeFlow, ExchangeTarget, ExchangedToken, TokenExchangeClient, TokenExchangeClientOptions } from './token-exchange.js';
export { CLIENT_AUTH_METHODS, keyThumbprint } from './client-auth.js';
export type { ClientAssertionAlg, ClientAssertionKey, ClientAuthMethod } from './client-auth.js';
export { createIssuerDiscovery, discoveryUrls } from './discovery.js';
export type { IssuerDiscovery, IssuerDiscoveryOptions, IssuerMetadata } from './discovery.js';
export { createIssuerKeyStore } from './issuer-keys.js';
export type { IssuerKeyStore, IssuerKeyStoreOptions } from './issuer-keys.js';
export {
  CLIENT_CLAIMS,
  SCOPE_CLAIMS,
  TOKEN_PROFILE_NAMES,
  TYP_NONE,
  isTokenProfileName,
  relaxations,
  resolveTokenProfile,
} from './profiles.js';
export type { ClientClaim, ScopeClaim, TokenProfile, TokenProfileName, TokenProfileOverrides } from './profiles.js';
