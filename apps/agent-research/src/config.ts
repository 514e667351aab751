import { agentConfigSchema, type AgentDefinition } from '@baton/agent-host';

export const RESEARCH: AgentDefinition = Object.freeze({
  name: 'agent-research',
  path: '/research',
  port: 3001,
  audience: 'agent-research',
  scope: 'research:invoke',
});

/** Environment of the research agent: only the shared agent variables. */
export const configSchema = agentConfigSchema(RESEARCH);
