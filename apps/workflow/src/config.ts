import type { z } from 'zod';
import { workflowEnvSchema } from '@baton/contract/env';
import { WORKFLOW } from '@baton/contract/topology';
import { parseConfig, type Env } from '@baton/service';

/** The workflow's environment: `@baton/contract`'s `workflowEnvSchema`. */
export const configSchema = workflowEnvSchema;

function resolve(c: z.infer<typeof configSchema>) {
  return Object.freeze({
    ...c,
    JWKS_URI: c.JWKS_URI ?? `${c.ISSUER_URL}/.well-known/jwks.json`,
    TOKEN_ENDPOINT: c.TOKEN_ENDPOINT ?? `${c.ISSUER_URL}/oauth/token`,
  });
}

export type WorkflowConfig = ReturnType<typeof resolve>;

/** Environment -> configuration; throws a CONFIG_INVALID BatonError naming the wrong variables (main.ts: `runService` prints it and exits 1). */
export function parseWorkflowConfig(env: Env): WorkflowConfig {
  return resolve(parseConfig(configSchema, { env, service: WORKFLOW.name }));
}
