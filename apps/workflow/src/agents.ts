import { RemoteRunnable, type RemoteCredentials, type RemoteRunnableOptions, type TokenExchanger } from '@baton/remote';
import type { WorkflowConfig } from './config.js';
import type { WorkflowAgents } from './graph.js';

/**
 * The three agent clients, created once per process. In exchange mode each one trades the
 * caller's token for a token minted for that agent alone; passthrough forwards it unchanged and
 * is only ever chosen explicitly (TOKEN_FORWARDING=passthrough).
 */
export function createAgentClients(config: WorkflowConfig, exchanger: TokenExchanger | undefined, dispatcher?: RemoteRunnableOptions['dispatcher']): WorkflowAgents {
  const credentials = (audience: string, scope: string): RemoteCredentials => {
    if (config.TOKEN_FORWARDING === 'passthrough') return { strategy: 'passthrough' };
    if (!exchanger) throw new TypeError('exchange mode needs a token exchanger');
    return { strategy: 'exchange', exchanger, audience, scope };
  };
  const timeouts = {
    connectMs: config.REMOTE_CONNECT_TIMEOUT_MS,
    firstByteMs: config.REMOTE_FIRST_BYTE_TIMEOUT_MS,
    idleMs: config.REMOTE_IDLE_TIMEOUT_MS,
  };
  const common = { timeouts, ...(dispatcher ? { dispatcher } : {}) };
  return {
    research: new RemoteRunnable({ ...common, url: config.RESEARCH_URL, name: 'research agent', credentials: credentials(config.RESEARCH_AUDIENCE, config.RESEARCH_SCOPE) }),
    writer: new RemoteRunnable({ ...common, url: config.WRITER_URL, name: 'writer agent', credentials: credentials(config.WRITER_AUDIENCE, config.WRITER_SCOPE) }),
    reviewer: new RemoteRunnable({ ...common, url: config.REVIEWER_URL, name: 'reviewer agent', credentials: credentials(config.REVIEWER_AUDIENCE, config.REVIEWER_SCOPE) }),
  } as unknown as WorkflowAgents;
}
