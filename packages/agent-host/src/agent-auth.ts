import { createAuditor, createJwksKeyStore, createVerifier, type Auditor, type KeyStore, type Verifier } from '@baton/auth';
import type { AgentSettings } from './config.js';

/** pino-compatible. */
export interface AgentAuthLogger {
  info(obj: object, msg?: string): void;
}

export interface AgentAuth {
  readonly keys: KeyStore;
  readonly verifier: Verifier;
  readonly auditor: Auditor;
}

/**
 * The long-lived auth clients of an agent: one JWKS key store, one verifier (the agent's
 * issuer and audience), one auditor (`service` = the agent's name). Create once per process.
 */
export function createAgentAuth(settings: AgentSettings, options: { logger: AgentAuthLogger }): AgentAuth {
  const keys = createJwksKeyStore({ jwksUri: settings.jwksUri, cooldownMs: settings.jwksCooldownMs });
  const verifier = createVerifier({ issuer: settings.issuer, audience: settings.audience, keys });
  const auditor = createAuditor({ logger: options.logger, service: settings.name });
  return { keys, verifier, auditor };
}
