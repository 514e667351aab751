import type { z } from 'zod';
import { workflowEnvSchema } from '@baton/contract/env';
import { WORKFLOW } from '@baton/contract/topology';
import { loadConfig, parseConfig, type Env } from '@baton/service';

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

/** For tests: throws a CONFIG_INVALID BatonError naming the wrong variables. */
export function parseWorkflowConfig(env: Env): WorkflowConfig {
  return resolve(parseConfig(configSchema, { env, service: WORKFLOW.name }));
}

/** For main.ts: prints the wrong variables (never their values) and exits 1. */
export function loadWorkflowConfig(): WorkflowConfig {
  return resolve(loadConfig(configSchema, { service: WORKFLOW.name }));
}
