// The workflow service process: Baton's demo graph on @baton/workflow-server.
import { WORKFLOW } from '@baton/contract/topology';
import { workflowInputSchema, workflowOutputSchema, type WorkflowInput, type WorkflowOutput } from '@baton/contract/wire';
import { serveWorkflow } from '@baton/workflow-server';
import { configSchema } from './config.js';
import { createWorkflowGraph, WORKFLOW_AGENTS, workflowRecursionLimit, type WorkflowAgents } from './graph.js';
import { WORKFLOW_MAPPING } from './runnable.js';

await serveWorkflow<typeof configSchema, WorkflowInput, WorkflowOutput>({
  name: WORKFLOW.name,
  path: WORKFLOW.path,
  port: WORKFLOW.port,
  audience: WORKFLOW.audience,
  scope: WORKFLOW.scope,
  schema: configSchema,
  agents: WORKFLOW_AGENTS,
  graph: ({ config, agents, retry, checkpointer }) =>
    createWorkflowGraph({
      agents: agents as unknown as WorkflowAgents,
      maxRevisions: config.MAX_REVISIONS,
      sourceLimit: config.SOURCE_LIMIT,
      retry,
      ...(checkpointer ? { checkpointer } : {}),
    }),
  ...WORKFLOW_MAPPING,
  inputSchema: workflowInputSchema,
  outputSchema: workflowOutputSchema,
  maxRecursionLimit: (config) => workflowRecursionLimit(config.MAX_REVISIONS),
});
