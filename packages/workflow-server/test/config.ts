// The package's tests parse configurations of a workflow that calls Baton's three demo agents.
import { workflowServerEnvSchema } from '@baton/contract/env';
import { TOPOLOGY } from '@baton/contract/topology';
import { parseConfig, type Env } from '@baton/service';
import { resolveWorkflowConfig } from '../src/config.js';

export const TEST_AGENTS = TOPOLOGY.agents;
export const testSchema = workflowServerEnvSchema(TOPOLOGY);

export function parseWorkflowConfig(env: Env) {
  return resolveWorkflowConfig(parseConfig(testSchema, { env, service: 'workflow' }), TEST_AGENTS);
}
