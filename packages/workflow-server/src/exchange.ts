import { createPrivateKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import type { TokenExchangeClientOptions } from '@baton/auth';
import { configError } from '@baton/errors';
import type { WorkflowServerConfig as WorkflowConfig } from './config.js';

/** The private_key_jwt signing key from EXCHANGE_CLIENT_KEY_FILE or EXCHANGE_CLIENT_KEY; a config error (naming no key material) otherwise. */
function clientKey(config: WorkflowConfig): KeyObject {
  const variable = config.EXCHANGE_CLIENT_KEY_FILE !== undefined ? 'EXCHANGE_CLIENT_KEY_FILE' : 'EXCHANGE_CLIENT_KEY';
  try {
    const pem =
      config.EXCHANGE_CLIENT_KEY_FILE !== undefined
        ? fs.readFileSync(config.EXCHANGE_CLIENT_KEY_FILE, 'utf8')
        : config.EXCHANGE_CLIENT_KEY!;
    return createPrivateKey(pem);
  } catch {
    throw configError('workflow', [{ variable, message: 'is not a readable PEM private key' }]);
  }
}

/**
 * The exchange client's options from the workflow's EXCHANGE_* settings: the flow (RFC 8693 or
 * Entra's on-behalf-of), the target parameters, requested_token_type, and client authentication
 * (the secret, or a private key read once here). Nothing of the key or secret is logged.
 */
export function exchangeClientOptions(config: WorkflowConfig, tokenEndpoint: string): TokenExchangeClientOptions {
  const common = {
    tokenEndpoint,
    clientId: config.WORKFLOW_CLIENT_ID,
    flow: config.EXCHANGE_FLOW,
    ...(config.EXCHANGE_FLOW === 'rfc8693'
      ? { target: config.EXCHANGE_TARGET, requestedTokenType: config.EXCHANGE_REQUESTED_TOKEN_TYPE }
      : {}),
    clientAuthMethod: config.EXCHANGE_CLIENT_AUTH,
  } satisfies TokenExchangeClientOptions;
  if (config.EXCHANGE_CLIENT_AUTH !== 'private_key_jwt') return { ...common, clientSecret: config.WORKFLOW_CLIENT_SECRET ?? '' };
  return {
    ...common,
    clientAssertionKey: {
      privateKey: clientKey(config),
      ...(config.EXCHANGE_CLIENT_KEY_ID !== undefined ? { kid: config.EXCHANGE_CLIENT_KEY_ID } : {}),
      ...(config.EXCHANGE_CLIENT_ASSERTION_ALG !== undefined ? { alg: config.EXCHANGE_CLIENT_ASSERTION_ALG } : {}),
      ...(config.EXCHANGE_CLIENT_ASSERTION_AUDIENCE !== undefined ? { audience: config.EXCHANGE_CLIENT_ASSERTION_AUDIENCE } : {}),
    },
  };
}

/** What the listening line says about the exchange (no secret, no key). */
export function exchangeSummary(config: WorkflowConfig): Record<string, string> | undefined {
  if (config.TOKEN_FORWARDING !== 'exchange') return undefined;
  return {
    flow: config.EXCHANGE_FLOW,
    target: config.EXCHANGE_FLOW === 'rfc8693' ? config.EXCHANGE_TARGET : 'scope',
    client_auth: config.EXCHANGE_CLIENT_AUTH,
    scope: config.EXCHANGE_SCOPE,
  };
}
