import {
  createAuditor,
  createIssuerKeyStore,
  createVerifier,
  relaxations,
  type Auditor,
  type IssuerKeyStore,
  type JwksKeyStoreOptions,
  type Verifier,
} from '@baton/auth';
import type { Logger } from '@baton/errors';
import type { AgentSettings } from './config.js';

export interface AgentAuth {
  readonly keys: IssuerKeyStore;
  readonly verifier: Verifier;
  readonly auditor: Auditor;
}

/**
 * The long-lived auth clients of an agent: one key store (JWKS_URI, else the issuer's discovery
 * document), one verifier (the agent's issuer, audience and token profile), one auditor (`service` = the agent's name). Create once per process.
 * `requestAgent`: the https.Agent for the JWKS requests (mutual TLS: the dev CA and this agent's
 * certificate, see `clientHttpsAgent`).
 */
export function createAgentAuth(
  settings: AgentSettings,
  options: { logger: Pick<Logger, 'info' | 'warn'>; requestAgent?: JwksKeyStoreOptions['requestAgent'] },
): AgentAuth {
  const keys = createIssuerKeyStore({
    issuer: settings.issuer,
    jwksUri: settings.jwksUri,
    cooldownMs: settings.jwksCooldownMs,
    discoveryOptions: { cooldownMs: settings.jwksCooldownMs },
    logger: options.logger,
    ...(options.requestAgent ? { requestAgent: options.requestAgent } : {}),
  });
  const verifier = createVerifier({ issuer: settings.issuer, audience: settings.audience, keys, profile: settings.tokenProfile });
  // One line per relaxed setting of the token profile; never loosened silently.
  for (const line of relaxations(settings.tokenProfile)) options.logger.warn({ token_profile: settings.tokenProfile.name }, line);
  keys.ready(); // start discovery and the first JWKS fetch now: a failure is logged before any request
  const auditor = createAuditor({ logger: options.logger, service: settings.name });
  return { keys, verifier, auditor };
}
