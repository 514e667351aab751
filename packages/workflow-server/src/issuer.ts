// The workflow's view of its issuer: one discovery (unless JWKS_URI and TOKEN_ENDPOINT are both
// set), the key store it feeds, and a token-exchange client made for the discovered token endpoint.
import {
  AuthError,
  createIssuerDiscovery,
  createIssuerKeyStore,
  type IssuerDiscovery,
  type IssuerKeyStore,
  type JwksKeyStoreOptions,
  type TokenExchangeClient,
} from '@baton/auth';
import type { Logger } from '@baton/service';
import type { WorkflowServerConfig as WorkflowConfig } from './config.js';

export interface WorkflowIssuer {
  readonly discovery: IssuerDiscovery | undefined;
  readonly keys: IssuerKeyStore;
  /** The token endpoint: TOKEN_ENDPOINT, else the discovered one (503 AUTH_EXCHANGE_UNAVAILABLE while unknown). */
  tokenEndpoint(): Promise<string>;
}

export function workflowIssuer(
  config: WorkflowConfig,
  logger: Pick<Logger, 'info' | 'warn'>,
  requestAgent: JwksKeyStoreOptions['requestAgent'] | undefined,
): WorkflowIssuer {
  const needsDiscovery = config.JWKS_URI === undefined || (config.TOKEN_FORWARDING === 'exchange' && config.TOKEN_ENDPOINT === undefined);
  const discovery = needsDiscovery
    ? createIssuerDiscovery({
        issuer: config.ISSUER_URL,
        cooldownMs: config.JWKS_COOLDOWN_MS,
        logger,
        ...(requestAgent ? { requestAgent } : {}),
      })
    : undefined;
  const keys = createIssuerKeyStore({
    issuer: config.ISSUER_URL,
    jwksUri: config.JWKS_URI,
    cooldownMs: config.JWKS_COOLDOWN_MS,
    logger,
    ...(discovery ? { discovery } : {}),
    ...(requestAgent ? { requestAgent } : {}),
  });
  return {
    discovery,
    keys,
    async tokenEndpoint() {
      if (config.TOKEN_ENDPOINT !== undefined) return config.TOKEN_ENDPOINT;
      let endpoint: string | undefined;
      try {
        endpoint = (await discovery!.metadata()).token_endpoint;
      } catch (err) {
        throw new AuthError('AUTH_EXCHANGE_UNAVAILABLE', 'The issuer metadata is unavailable', { cause: err });
      }
      if (endpoint === undefined) throw new AuthError('AUTH_EXCHANGE_UNAVAILABLE', 'The issuer metadata names no token endpoint');
      return endpoint;
    },
  };
}

/**
 * A TokenExchangeClient for an endpoint known only once discovery has answered: the real client is
 * made on the first exchange (`make(endpoint)`), and made again should a refresh move the endpoint.
 */
export function lazyExchangeClient(endpoint: () => Promise<string>, make: (endpoint: string) => TokenExchangeClient): TokenExchangeClient {
  let current: { endpoint: string; client: TokenExchangeClient } | undefined;
  return {
    async exchangeFor(caller, request) {
      const url = await endpoint();
      if (current?.endpoint !== url) {
        const previous = current;
        current = { endpoint: url, client: make(url) };
        void previous?.client.close();
      }
      return current.client.exchangeFor(caller, request);
    },
    async close() {
      await current?.client.close();
    },
  };
}
