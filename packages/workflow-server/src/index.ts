// @baton/workflow-server: serve your own LangGraph.js graph as an authenticated Baton workflow.
export { serveWorkflow, workflowServerSchema } from './serve-workflow.js';
export type { ServeWorkflowOptions, GraphDeps, WorkflowAgent, WorkflowGraphLike } from './serve-workflow.js';
export { agentNode, guarded, nodeError, nodeRetryPolicy, EXPIRY_SKEW_SEC } from './node.js';
export type { AgentNodeOptions, NodeRetryOptions } from './node.js';
export { GraphRunnable } from './graph-runnable.js';
export type { GraphChunk, GraphMapping, GraphRunnableOptions, ServedGraph } from './graph-runnable.js';
export { createWorkflowApp, DEFAULT_MAX_RECURSION_LIMIT } from './app.js';
export { WORKFLOW_ERRORS } from './error-codes.js';
export type { WorkflowAppDeps } from './app.js';
export type { AgentClients } from './agents.js';
export { resolveWorkflowConfig } from './config.js';
export type { WorkflowAgentDefinition, WorkflowServerConfig } from './config.js';
export type { WorkflowRunOptions } from './runs.js';
