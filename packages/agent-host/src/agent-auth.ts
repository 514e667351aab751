import {
  createAuditor,
  createJwksKeyStore,
  createVerifier,
  type Auditor,
  type JwksKeyStoreOptions,
  type KeyStore,
  type Verifier,
} from '@baton/auth';
import type { Logger } from '@baton/errors';
import type { AgentSettings } from './config.js';

export interface AgentAuth {
  readonly keys: KeyStore;
  readonly verifier: Verifier;
  readonly auditor: Auditor;
}

/**
 * The long-lived auth clients of an agent: one JWKS key store, one verifier (the agent's
 * issuer and audience), one auditor (`service` = the agent's name). Create once per process.
 * `requestAgent`: the https.Agent for the JWKS requests (mutual TLS: the dev CA and this agent's
 * certificate, see `clientHttpsAgent`).
 */
export function createAgentAuth(
  settings: AgentSettings,
  options: { logger: Pick<Logger, 'info'>; requestAgent?: JwksKeyStoreOptions['requestAgent'] },
): AgentAuth {
  const keys = createJwksKeyStore({
    jwksUri: settings.jwksUri,
    cooldownMs: settings.jwksCooldownMs,
    ...(options.requestAgent ? { requestAgent: options.requestAgent } : {}),
  });
  const verifier = createVerifier({ issuer: settings.issuer, audience: settings.audience, keys });
  const auditor = createAuditor({ logger: options.logger, service: settings.name });
  return { keys, verifier, auditor };
}
