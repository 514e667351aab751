import type { TokenExchanger } from '@baton/identity';
import { RemoteRunnable, type RemoteCredentials, type RemoteRetry, type RemoteRunnableOptions } from '@baton/remote';
import type { WorkflowAgentDefinition, WorkflowServerConfig } from './config.js';

/** The agent clients by key (`research`, `writer`, ...): `@baton/remote` Runnables, created once per process. */
export type AgentClients = Readonly<Record<string, RemoteRunnable<unknown, unknown>>>;

/** A dispatcher for every agent, or one per agent (mutual TLS: each checks its own agent's SPIFFE id). */
export type AgentDispatcher =
  NonNullable<RemoteRunnableOptions['dispatcher']> | ((agent: WorkflowAgentDefinition) => NonNullable<RemoteRunnableOptions['dispatcher']>);

/**
 * One client per agent the workflow calls, in one loop over the agents' definitions. In exchange
 * mode each trades the caller's token for a token minted for that agent alone (its `<PREFIX>_AUDIENCE`,
 * `_SCOPE`, `_RESOURCE`); passthrough forwards it unchanged and is only ever chosen explicitly
 * (TOKEN_FORWARDING=passthrough). Each client retries only as `clientRetry` says (default: never,
 * `{ attempts: 1 }`: the graph's `nodeRetryPolicy` is the one layer that retries a node's call);
 * `coalesceStrings` passes to `@baton/remote` (string chunks of one network read as one chunk).
 */
export function createAgentClients(
  config: WorkflowServerConfig,
  agents: readonly (WorkflowAgentDefinition & { clientRetry?: RemoteRetry; coalesceStrings?: boolean })[],
  exchanger: TokenExchanger | undefined,
  dispatcher?: AgentDispatcher,
): AgentClients {
  const credentials = (audience: string, scope: string, resource: string): RemoteCredentials => {
    if (config.TOKEN_FORWARDING === 'passthrough') return { strategy: 'passthrough' };
    if (!exchanger) throw new TypeError('exchange mode needs a token exchanger');
    // EXCHANGE_SCOPE=omit leaves the scope to the provider; the exchanger sends resource only when EXCHANGE_TARGET asks.
    return { strategy: 'exchange', exchanger, audience, resource, ...(config.EXCHANGE_SCOPE === 'agent' ? { scope } : {}) };
  };
  const timeouts = {
    connectMs: config.REMOTE_CONNECT_TIMEOUT_MS,
    firstByteMs: config.REMOTE_FIRST_BYTE_TIMEOUT_MS,
    idleMs: config.REMOTE_IDLE_TIMEOUT_MS,
  };
  const clients: Record<string, RemoteRunnable<unknown, unknown>> = {};
  for (const agent of agents) {
    const endpoint = config.agents[agent.key];
    if (!endpoint) throw new TypeError(`workflow: no configuration for the ${agent.key} agent`);
    clients[agent.key] = new RemoteRunnable<unknown, unknown>({
      timeouts,
      ...(dispatcher ? { dispatcher: typeof dispatcher === 'function' ? dispatcher(agent) : dispatcher } : {}),
      retry: agent.clientRetry ?? { attempts: 1 },
      // A streaming agent's string chunks that arrive in one read go through the graph as one.
      ...(agent.coalesceStrings ? { coalesceStrings: true } : {}),
      url: endpoint.url,
      name: `${agent.key} agent`,
      credentials: credentials(endpoint.audience, endpoint.scope, endpoint.resource),
    });
  }
  return Object.freeze(clients);
}
