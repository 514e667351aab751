import type { Express } from 'express';
import type { z } from 'zod';
import type { JwksKeyStoreOptions } from '@baton/auth';
import { allowPeers, clientHttpsAgent, type TlsMaterial } from '@baton/mtls';
import { parseConfig, runService, type Env, type LogDestination, type Logger, type RunningService } from '@baton/service';
import { createAgentAuth, type AgentAuth } from './agent-auth.js';
import { PEER_POLICY } from './create-agent-app.js';
import { agentSettings, type AgentDefinition, type AgentEnv, type AgentSettings } from './config.js';

/** What an agent's `createApp(deps)` receives. */
export interface AgentDeps<C> extends AgentAuth {
  /** The app's whole parsed config (agent variables and its own). */
  readonly config: C;
  readonly settings: AgentSettings;
  readonly logger: Logger;
}

export interface RunAgentOptions<S extends z.ZodObject> {
  definition: AgentDefinition;
  /** `agentEnvSchema(definition)` from `@baton/contract`, possibly `.extend`ed with the agent's own variables. */
  schema: S;
  /** The app factory (`src/app.ts`). */
  createApp: (deps: AgentDeps<z.infer<S>>) => Express | Promise<Express>;
  /** Default `process.env`. */
  env?: Env;
  /** Graceful-shutdown deadline (default 10 000 ms). */
  shutdownTimeoutMs?: number;
  /** Runs after the server has closed (by `shutdown()` or `close()`; once). */
  onClose?: () => Promise<void>;
  /** Where log lines go (default stdout); tests pass a stream that captures them. */
  logDestination?: LogDestination;
  /** Signals that start the graceful shutdown (default SIGTERM, SIGINT); tests pass `[]`. */
  signals?: NodeJS.Signals[];
  /** What `shutdown()`, a bad configuration and a failed start end with (default `process.exit`); tests pass a no-op. */
  exit?: (code: number) => void;
}

/** An agent's running service (`runService`'s). */
export type RunningAgent = RunningService;

interface AgentRuntime<C> {
  readonly agent: AgentDeps<C>;
  /** Over mutual TLS with an https JWKS endpoint: the keep-alive agent of the JWKS requests. */
  readonly jwksAgent: JwksKeyStoreOptions['requestAgent'] | undefined;
  /** The connection-level allow-list (mutual TLS): ALLOWED_PEERS plus the agent's own identity. */
  readonly connectionPeers: string[];
}

/** What an agent's listening line says about it (no secrets). */
function listeningFields(settings: AgentSettings, url: string, tls: TlsMaterial | undefined, connectionPeers: string[]) {
  return {
    url,
    path: settings.path,
    auth_mode: settings.mode,
    issuer: settings.issuer,
    jwks_uri: settings.jwksUri ?? 'discovery',
    token_profile: settings.tokenProfile.name,
    audience: settings.audience,
    scope: settings.scopes,
    allowed_actors: settings.allowedActors,
    actor_claim: settings.actorClaim,
    mtls: tls ? { id: tls.id ?? null, allowed_peers: settings.allowedPeers, connection_peers: connectionPeers } : false,
  };
}

/**
 * An agent's `main.ts` in one call, on `runService`: config (exit 1 naming bad variables) ->
 * logger -> JWKS key store, verifier and auditor (once) -> app -> listen (mutual TLS with the
 * connection-level peer allow-list when TLS_* are set) -> graceful shutdown on SIGTERM/SIGINT.
 */
export function runAgent<S extends z.ZodObject>(options: RunAgentOptions<S>): Promise<RunningAgent> {
  const { definition } = options;
  type C = z.infer<S>;
  return runService<{ config: C; settings: AgentSettings }, AgentRuntime<C>>({
    name: definition.name,
    loadConfig: (env) => {
      const config = parseConfig(options.schema, { env, service: definition.name }) as C;
      return { config, settings: agentSettings(definition, config as unknown as AgentEnv) };
    },
    settings: ({ config, settings }) => ({
      port: settings.port,
      host: settings.host,
      logLevel: settings.logLevel,
      tls: config as unknown as AgentEnv,
      http: settings.http,
      relaxed: settings.relaxed,
      ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    }),
    createDeps: ({ config: { config, settings }, logger, tls }) => {
      // Over mutual TLS an https JWKS endpoint is the dev issuer: trust the CA, check its SPIFFE id.
      const jwksAgent =
        tls !== undefined && (settings.jwksUri ?? settings.issuer).startsWith('https:')
          ? clientHttpsAgent(tls, settings.issuerPeerId)
          : undefined;
      const auth = createAgentAuth(settings, { logger, ...(jwksAgent ? { requestAgent: jwksAgent } : {}) });
      // Connection-level allow-list: ALLOWED_PEERS plus this agent's own identity (health checks inside
      // its container / from the launcher present the service's own certificate). Any other peer is
      // disconnected right after the handshake; the routes still check ALLOWED_PEERS alone (peerGate).
      const connectionPeers = tls ? [...new Set([...(settings.allowedPeers ?? []), ...(tls.id !== undefined ? [tls.id] : [])])] : [];
      if (settings.mode === 'passthrough') {
        logger.warn(
          { audience: settings.audience, scope: settings.scopes },
          "AUTH_MODE=passthrough: accepting the workflow audience, not this agent's own",
        );
      }
      return { agent: { ...auth, config, settings, logger }, jwksAgent, connectionPeers };
    },
    // The JWKS key store holds no timers; its mutual-TLS https.Agent (keep-alive sockets) is destroyed here.
    closeDeps: async ({ jwksAgent }) => {
      jwksAgent?.destroy();
      await options.onClose?.();
    },
    createApp: async ({ agent }, { tls }) => {
      const app = await options.createApp(agent);
      if (tls && !Array.isArray(app.locals[PEER_POLICY])) {
        // Fail closed: over mutual TLS an app without the peer allow-list would serve any certificate the CA signed.
        throw new Error(
          `${definition.name}: mutual TLS is on but the app enforces no peer allow-list (pass allowedPeers: settings.allowedPeers to createAgentApp)`,
        );
      }
      return app;
    },
    serverTls: (_context, { connectionPeers }) => ({ allowPeer: allowPeers(connectionPeers) }),
    listening: {
      message: 'agent listening',
      fields: ({ context: { tls }, deps: { agent, connectionPeers }, url }) => listeningFields(agent.settings, url, tls, connectionPeers),
    },
    ...(options.env ? { env: options.env } : {}),
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
}
