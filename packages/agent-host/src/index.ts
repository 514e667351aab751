export {
  agentConfigSchema,
  agentSettings,
  DEFAULT_ISSUER_URL,
  DEFAULT_ALLOWED_PEER,
  DEFAULT_WORKFLOW_AUDIENCE,
  WORKFLOW_SCOPE,
} from './config.js';
export type { AgentConfigSchema, AgentDefinition, AgentEnv, AgentSettings, AuthMode } from './config.js';
export { actorPolicy, ACTOR_NOT_ALLOWED } from './actor-policy.js';
export { peerGate, actorPeerBinding, PEER_NOT_ALLOWED, ACTOR_PEER_MISMATCH } from './peer-policy.js';
export type { PeerPolicyLogger } from './peer-policy.js';
export { createAgentAuth } from './agent-auth.js';
export type { AgentAuth, AgentAuthLogger } from './agent-auth.js';
export { createAgentApp, fromDeps, PEER_POLICY } from './create-agent-app.js';
export type { CreateAgentAppOptions } from './create-agent-app.js';
export { runAgent } from './run-agent.js';
export type { AgentDeps, LogDestination, RunAgentOptions, RunningAgent } from './run-agent.js';
