export { Caller, accessTokenOf, isCaller, tokenFingerprint } from '@baton/identity';
export type { Principal } from '@baton/identity';
export {
  AuthError,
  DEFAULT_REALM,
  authErrorStatus,
  bearerChallenge,
  isAuthError,
  isAuthErrorCode,
  quoteHeaderValue,
  withRealm,
} from './errors.js';
export type { AuthErrorCode, AuthErrorOptions } from './errors.js';
export { createJwksKeyStore, keyMatchesAlg, SUPPORTED_ALGORITHMS } from './jwks.js';
export type { Algorithm, JwksKeyStoreOptions, KeyStore, KeyStoreStats } from './jwks.js';
export { createVerifier } from './verify.js';
export type { Verifier, VerifierOptions } from './verify.js';
export { formatScope, hasScopes, isScopeToken, missingScopes, parseScope } from './scopes.js';
export { createAuditor, neutralise } from './audit.js';
export type { AuditDecision, AuditEvent, Auditor, AuditorOptions, TokenAuditDecision, TokenAuditEvent, TokenAuditor } from './audit.js';
export { createTokenExchangeClient, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from './token-exchange.js';
export type { ExchangedToken, TokenExchangeClient, TokenExchangeClientOptions } from './token-exchange.js';
