export type { AgentDefinition } from './config.js';
export { createAgentApp, fromDeps } from './create-agent-app.js';
export type { CreateAgentAppOptions } from './create-agent-app.js';
export { runAgent } from './run-agent.js';
export type { AgentDeps, RunAgentOptions, RunningAgent } from './run-agent.js';
export { serveAgent } from './serve-agent.js';
export type { ServeAgentOptions } from './serve-agent.js';
