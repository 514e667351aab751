// The workflow server's configuration: an environment parsed with `workflowServerEnvSchema` (or
// an extension of it), resolved once: the token profile and one endpoint per agent it calls.
import { resolveTokenProfile, type TokenProfile } from '@baton/auth';
import { workflowAgentEndpoint, type AgentEndpoint, type CalledAgent, type WorkflowServerEnv } from '@baton/contract/env';
import type { AgentDefinition } from '@baton/contract/topology';

/** An agent the workflow calls: `key` names its client, `envPrefix` its variables (`RESEARCH_URL`, ...). */
export type WorkflowAgentDefinition = CalledAgent & Pick<AgentDefinition, 'key'>;

/** A resolved configuration: the parsed environment, its token profile, and each agent's endpoint by key. */
export type WorkflowServerConfig<E extends WorkflowServerEnv = WorkflowServerEnv> = Readonly<
  E & {
    tokenProfile: TokenProfile;
    /** Each agent's URL, audience, scope, resource (RFC 8707, default its URL) and SPIFFE id, by `key`. */
    agents: Readonly<Record<string, AgentEndpoint>>;
  }
>;

/** Resolves a parsed environment: the token profile and `<PREFIX>_*` of every agent (JWKS_URI / TOKEN_ENDPOINT stay undefined unless set: discovery names them). */
export function resolveWorkflowConfig<E extends WorkflowServerEnv>(
  env: E,
  agents: readonly WorkflowAgentDefinition[],
): WorkflowServerConfig<E> {
  return Object.freeze({
    ...env,
    tokenProfile: resolveTokenProfile(env.TOKEN_PROFILE, {
      typ: env.TOKEN_TYP,
      scopeClaims: env.TOKEN_SCOPE_CLAIMS,
      clientClaims: env.TOKEN_CLIENT_CLAIMS,
    }),
    agents: Object.freeze(Object.fromEntries(agents.map((a) => [a.key, workflowAgentEndpoint(env, a)]))),
  });
}
