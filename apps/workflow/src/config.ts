import type { z } from 'zod';
import { workflowEnvSchema } from '@baton/contract/env';
import { WORKFLOW } from '@baton/contract/topology';
import { parseConfig, type Env } from '@baton/service';
import { resolveTokenProfile } from '@baton/auth';

/** The workflow's environment: `@baton/contract`'s `workflowEnvSchema`. */
export const configSchema = workflowEnvSchema;

function resolve(c: z.infer<typeof configSchema>) {
  return Object.freeze({
    ...c,
    // JWKS_URI / TOKEN_ENDPOINT stay undefined unless set: the issuer's discovery document names them.
    tokenProfile: resolveTokenProfile(c.TOKEN_PROFILE, {
      typ: c.TOKEN_TYP,
      scopeClaims: c.TOKEN_SCOPE_CLAIMS,
      clientClaims: c.TOKEN_CLIENT_CLAIMS,
    }),
    // RFC 8707: an agent's resource identifier defaults to its URL.
    RESEARCH_RESOURCE: c.RESEARCH_RESOURCE ?? c.RESEARCH_URL,
    WRITER_RESOURCE: c.WRITER_RESOURCE ?? c.WRITER_URL,
    REVIEWER_RESOURCE: c.REVIEWER_RESOURCE ?? c.REVIEWER_URL,
    // Renamed THREAD_TTL_MS / THREAD_SWEEP_INTERVAL_MS (the old names are deprecated aliases, read
    // by parseConfig); main.ts still reads these two keys.
    THREAD_TTL: c.THREAD_TTL_MS,
    THREAD_SWEEP_INTERVAL: c.THREAD_SWEEP_INTERVAL_MS,
  });
}

export type WorkflowConfig = ReturnType<typeof resolve>;

/** Environment -> configuration; throws a CONFIG_INVALID BatonError naming the wrong variables (main.ts: `runService` prints it and exits 1). */
export function parseWorkflowConfig(env: Env): WorkflowConfig {
  return resolve(parseConfig(configSchema, { env, service: WORKFLOW.name }));
}
