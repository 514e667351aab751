import { workflowEnvSchema } from '@baton/contract/env';
import { WORKFLOW } from '@baton/contract/topology';
import { parseConfig, type Env } from '@baton/service';
import { resolveWorkflowConfig, type WorkflowServerConfig } from '@baton/workflow-server';
import { WORKFLOW_AGENTS } from './graph.js';

/** The workflow's environment: `@baton/contract`'s `workflowEnvSchema` (the server's variables, one set per agent, MAX_REVISIONS, SOURCE_LIMIT). */
export const configSchema = workflowEnvSchema;

export type WorkflowConfig = WorkflowServerConfig<ReturnType<typeof configSchema.parse>>;

/** Environment -> configuration; throws a CONFIG_INVALID BatonError naming the wrong variables. */
export function parseWorkflowConfig(env: Env): WorkflowConfig {
  return resolveWorkflowConfig(parseConfig(configSchema, { env, service: WORKFLOW.name }), WORKFLOW_AGENTS);
}
