// Serve one Runnable as an authenticated agent in one call: its identity in, a running service out.
import type { ZodType, z } from 'zod';
import { agentEnvSchema, DEV_ISSUER_PORT, spiffeId, type AgentEnvSchema } from '@baton/contract/env';
import type { AnyRunnable } from '@baton/runnable-server';
import type { AgentDefinition } from './config.js';
import { createAgentApp, fromDeps, type CreateAgentAppOptions } from './create-agent-app.js';
import { runAgent, type RunAgentOptions, type RunningAgent } from './run-agent.js';

export interface ServeAgentOptions<S extends z.ZodObject = AgentEnvSchema>
  extends AgentDefinition, Pick<RunAgentOptions<S>, 'env' | 'shutdownTimeoutMs' | 'onClose' | 'logDestination' | 'signals' | 'exit'> {
  /** What the agent does: any LangChain Runnable. */
  runnable: AnyRunnable;
  /** The input's schema: JSON Schema at `input_schema`, 422 `RUNNABLE_INPUT_INVALID` on a mismatch. */
  inputSchema?: ZodType;
  outputSchema?: ZodType;
  /** More `addRoutes` options (bodyLimit, maxBatchSize, configKeys, ...). */
  routes?: CreateAgentAppOptions['routes'];
  /** The issuer's defaults: ISSUER_URL `http://127.0.0.1:<port>` (default 4000, the dev issuer's), ISSUER_SPIFFE_ID (default `spiffe://baton.local/issuer`). */
  issuer?: { port?: number; spiffeId?: string };
  /** The environment schema when the agent has variables of its own: `agentEnvSchema(...).extend({...})` (default the shared agent variables). */
  schema?: S;
}

/**
 * Serves `runnable` as a Baton agent: the LangServe routes at `path` behind token verification
 * (the issuer's JWKS, `audience`, `scope`), the actor policy (`trustedActors`, ALLOWED_ACTORS),
 * one audit line per decision, run limits, optional mutual TLS (TLS_* variables), `/healthz`,
 * `/readyz`, `/metrics` and a graceful shutdown on SIGTERM/SIGINT. Configuration comes from the
 * environment (`agentEnvSchema`); a bad one prints the variables and exits 1. Resolves the running
 * service: `{ server, url, shutdown, close }`.
 */
export function serveAgent<S extends z.ZodObject = AgentEnvSchema>(options: ServeAgentOptions<S>): Promise<RunningAgent> {
  const { runnable, inputSchema, outputSchema, routes, issuer, passthrough } = options;
  const definition: AgentDefinition = {
    name: options.name,
    path: options.path,
    port: options.port,
    audience: options.audience,
    scope: options.scope,
    trustedActors: options.trustedActors,
    ...(passthrough ? { passthrough } : {}),
  };
  const schema =
    options.schema ??
    (agentEnvSchema(definition, {
      issuer: { port: issuer?.port ?? DEV_ISSUER_PORT, spiffeId: issuer?.spiffeId ?? spiffeId('issuer') },
      ...(passthrough ? { workflow: { audience: passthrough.audience } } : {}),
    }) as unknown as S);
  return runAgent({
    definition,
    schema,
    createApp: (deps) =>
      createAgentApp({
        ...fromDeps(deps),
        runnable,
        ...(inputSchema ? { inputSchema } : {}),
        ...(outputSchema ? { outputSchema } : {}),
        ...(routes ? { routes } : {}),
      }),
    ...(options.env ? { env: options.env } : {}),
    ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    ...(options.onClose ? { onClose: options.onClose } : {}),
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
}
