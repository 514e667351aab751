export type { AgentDefinition } from './config.js';
export { createAgentApp, fromDeps } from './create-agent-app.js';
export { runAgent } from './run-agent.js';
export type { AgentDeps, RunningAgent } from './run-agent.js';
