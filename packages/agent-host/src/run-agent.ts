import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { z } from 'zod';
import type { BatonError } from '@baton/errors';
import {
  allowPeers,
  clientHttpsAgent,
  createLogger,
  installShutdown,
  listen,
  loadConfig,
  loadTlsFiles,
  serverTlsOptions,
  type ConfigIssue,
  type Env,
  type Logger,
} from '@baton/service';
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
  /** What `shutdown()` ends with (default `process.exit`); tests pass a no-op. */
  exit?: (code: number) => void;
}

/** A pino destination: anything with `write(line)`. */
export interface LogDestination {
  write(msg: string): void;
}

export interface RunningAgent {
  readonly server: Server | HttpsServer;
  readonly url: string;
  /** Graceful shutdown as on SIGTERM: drain, `onClose`, then `exit(code)`. */
  readonly shutdown: (reason?: string) => void;
  /**
   * Stops without exiting the process (tests): closes the listener and every connection, waits
   * for the server's `close`, then runs `onClose`. Idempotent.
   */
  readonly close: () => Promise<void>;
}

/**
 * `main.ts` in one call: config (exit 1 naming bad variables) -> logger -> JWKS key store,
 * verifier and auditor (once) -> app -> listen -> graceful shutdown on SIGTERM/SIGINT.
 */
export async function runAgent<S extends z.ZodObject>(options: RunAgentOptions<S>): Promise<RunningAgent> {
  const { definition } = options;
  const config = loadConfig(options.schema, { service: definition.name, env: options.env ?? process.env }) as z.infer<S>;
  const settings = settingsOrExit(definition, config as unknown as AgentEnv);
  const tls = loadTlsFiles(config as unknown as AgentEnv, definition.name);
  const logger = createLogger({
    service: definition.name,
    level: settings.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  // Over mutual TLS an https JWKS endpoint is the dev issuer: trust the CA, check its SPIFFE id.
  const jwksOverMtls = tls !== undefined && settings.jwksUri.startsWith('https:');
  const jwksAgent = jwksOverMtls ? clientHttpsAgent(tls, settings.issuerPeerId) : undefined;
  const auth = createAgentAuth(settings, { logger, ...(jwksAgent ? { requestAgent: jwksAgent } : {}) });
  const app = await options.createApp({ ...auth, config, settings, logger });
  if (tls && !Array.isArray(app.locals[PEER_POLICY])) {
    // Fail closed: over mutual TLS an app without the peer allow-list would serve any certificate the CA signed.
    throw new Error(
      `${definition.name}: mutual TLS is on but the app enforces no peer allow-list (pass allowedPeers: settings.allowedPeers to createAgentApp)`,
    );
  }
  // Connection-level allow-list: ALLOWED_PEERS plus this agent's own identity (health checks inside
  // its container / from the launcher present the service's own certificate). Any other peer is
  // disconnected right after the handshake; the routes still check ALLOWED_PEERS alone (peerGate).
  const connectionPeers = tls ? [...new Set([...(settings.allowedPeers ?? []), ...(tls.id !== undefined ? [tls.id] : [])])] : [];
  const server = await listen(app, {
    port: settings.port,
    host: settings.host,
    ...(tls ? { tls: serverTlsOptions(tls, { allowPeer: allowPeers(connectionPeers) }), logger } : {}),
  });
  const serverClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  // The JWKS key store holds no timers; its mutual-TLS https.Agent (keep-alive sockets) is destroyed here.
  const closeResources = once(async () => {
    jwksAgent?.destroy();
    await options.onClose?.();
  });
  const shutdown = installShutdown(server, {
    logger,
    onClose: closeResources,
    ...(options.shutdownTimeoutMs !== undefined ? { timeoutMs: options.shutdownTimeoutMs } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
  const close = once(async () => {
    if (server.listening) server.close();
    server.closeAllConnections();
    await serverClosed;
    await closeResources();
  });
  const address = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${address.port}`;
  if (settings.mode === 'passthrough') {
    logger.warn(
      { audience: settings.audience, scope: settings.scopes },
      "AUTH_MODE=passthrough: accepting the workflow audience, not this agent's own",
    );
  }
  logger.info(
    {
      url,
      path: settings.path,
      auth_mode: settings.mode,
      issuer: settings.issuer,
      jwks_uri: settings.jwksUri,
      audience: settings.audience,
      scope: settings.scopes,
      allowed_actors: settings.allowedActors,
      mtls: tls ? { id: tls.id ?? null, allowed_peers: settings.allowedPeers, connection_peers: connectionPeers } : false,
    },
    'agent listening',
  );
  return { server, url, shutdown, close };
}

/** `agentSettings`, printing the wrong variables and exiting 1 like `loadConfig`. */
function settingsOrExit(definition: AgentDefinition, env: AgentEnv): AgentSettings {
  try {
    return agentSettings(definition, env);
  } catch (err) {
    const issues = ((err as BatonError).detail as { issues?: ConfigIssue[] } | undefined)?.issues;
    if (!issues) throw err;
    process.stderr.write(
      `${definition.name}: invalid configuration (values not shown):\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}\n`,
    );
    process.exit(1);
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
