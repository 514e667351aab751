import type { TokenExchanger } from '@baton/identity';
import { RemoteRunnable, type RemoteCredentials, type RemoteRunnableOptions } from '@baton/remote';
import type { ResearchInput, ResearchOutput, ReviewInput, ReviewOutput, WriterInput, WriterOutput } from '@baton/contract/wire';
import type { WorkflowConfig } from './config.js';
import type { WorkflowAgents } from './graph.js';

/**
 * The three agent clients, created once per process. In exchange mode each one trades the
 * caller's token for a token minted for that agent alone; passthrough forwards it unchanged and
 * is only ever chosen explicitly (TOKEN_FORWARDING=passthrough).
 */
export type AgentName = 'research' | 'writer' | 'reviewer';

/**
 * `dispatcher`: one undici Dispatcher for all three, or one per agent (mutual TLS: each checks its
 * own agent's SPIFFE id; see main.ts).
 */
export function createAgentClients(
  config: WorkflowConfig,
  exchanger: TokenExchanger | undefined,
  dispatcher?: RemoteRunnableOptions['dispatcher'] | ((agent: AgentName) => NonNullable<RemoteRunnableOptions['dispatcher']>),
): WorkflowAgents {
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
  const common = (agent: AgentName) => ({
    timeouts,
    ...(dispatcher ? { dispatcher: typeof dispatcher === 'function' ? dispatcher(agent) : dispatcher } : {}),
  });
  return {
    // Research and review are retried by the graph (`nodeRetryPolicy`), the one layer that
    // decides their retries: their clients never retry, so attempts do not multiply.
    research: new RemoteRunnable<ResearchInput, ResearchOutput>({
      ...common('research'),
      retry: { attempts: 1 },
      url: config.RESEARCH_URL,
      name: 'research agent',
      credentials: credentials(config.RESEARCH_AUDIENCE, config.RESEARCH_SCOPE, config.RESEARCH_RESOURCE),
    }),
    // The writer's node is never retried: its client's own retry (a connection that never reached
    // the agent, 2 attempts) is the only one, and never after a request was sent.
    writer: new RemoteRunnable<WriterInput, WriterOutput>({
      ...common('writer'),
      url: config.WRITER_URL,
      name: 'writer agent',
      coalesceStrings: true, // the deltas that arrived together go through the graph as one (issue 18)
      credentials: credentials(config.WRITER_AUDIENCE, config.WRITER_SCOPE, config.WRITER_RESOURCE),
    }),
    reviewer: new RemoteRunnable<ReviewInput, ReviewOutput>({
      ...common('reviewer'),
      retry: { attempts: 1 },
      url: config.REVIEWER_URL,
      name: 'reviewer agent',
      credentials: credentials(config.REVIEWER_AUDIENCE, config.REVIEWER_SCOPE, config.REVIEWER_RESOURCE),
    }),
  };
}
