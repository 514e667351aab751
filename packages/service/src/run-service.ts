import type { RequestListener, Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describeCause, type Logger } from '@baton/errors';
import { readTlsFiles, serverTlsOptions, type ServerTlsPolicy, type TlsEnv, type TlsMaterial } from '@baton/mtls';
import { collectDeprecated, configOrExit, type DeprecatedVariable, type Env } from './config.js';
import { createLogger, type LogDestination, type LogLevel } from './logger.js';
import { installShutdown, listen, type HttpServerLimits, type ShutdownDrain } from './server.js';

/** What the bootstrap reads from a service's parsed configuration. */
export interface ServiceSettings {
  port: number;
  host: string;
  logLevel: LogLevel;
  /** `TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CA_FILE` as configured: all three = HTTPS, none = HTTP. */
  tls: TlsEnv;
  /** Drain deadline of the graceful shutdown (default 10 000 ms). */
  shutdownTimeoutMs?: number;
  /** Header and request timeouts and the connection cap (default `DEFAULT_HTTP_LIMITS`). */
  http?: HttpServerLimits;
  /**
   * What this configuration relaxes against the production profile: each is written as one `warn`
   * line at start-up (`relaxed setting`), so a development start says what it leaves open.
   */
  relaxed?: readonly string[];
}

/** What `createDeps`, `createApp` and `serverTls` receive. */
export interface ServiceContext<C> {
  readonly name: string;
  readonly config: C;
  readonly logger: Logger;
  /** This service's TLS material, read once at start; undefined when TLS is off. */
  readonly tls: TlsMaterial | undefined;
}

/** What the `listening` line's fields are made from. */
export interface ListeningInfo<C, D> {
  readonly context: ServiceContext<C>;
  readonly deps: D;
  /** `http(s)://host:port` with the bound port. */
  readonly url: string;
  /** The bound port (PORT=0 picks one). */
  readonly port: number;
}

export interface RunServiceOptions<C, D> {
  /** The service's name: `service` on every log line, the prefix of start-up errors. */
  name: string;
  /**
   * Environment -> configuration (pure). Throw a `CONFIG_INVALID` error (`parseConfig`,
   * `configError`): the wrong variables are printed, never their values, and the process exits 1.
   */
  loadConfig: (env: Env) => C;
  /** Where the listen address, log level, TLS variables and drain deadline are in the config. */
  settings: (config: C) => ServiceSettings;
  /** The long-lived clients (JWKS key store, exchange client, checkpointer): made once, before the app. */
  createDeps: (context: ServiceContext<C>) => D | Promise<D>;
  /** Closes what `createDeps` opened. Runs once: after the server has drained, or after a failed start. */
  closeDeps?: (deps: D) => void | Promise<void>;
  /** The app factory (`src/app.ts`): no `listen`, no `process.env`. */
  createApp: (deps: D, context: ServiceContext<C>) => RequestListener | Promise<RequestListener>;
  /** Who may connect when TLS is on (default `{}`: mutual TLS, any client certificate the CA signed). */
  serverTls?: (context: ServiceContext<C>, deps: D) => ServerTlsPolicy;
  /** The one info line written once the server listens: `message` (default `<name> listening`) and its fields. */
  listening: { message?: string; fields: (info: ListeningInfo<C, D>) => Record<string, unknown> };
  /** Default `process.env`. */
  env?: Env;
  /** Where log lines go (default stdout); tests pass a stream that captures them. */
  logDestination?: LogDestination;
  /**
   * The service's own drain (runs, streams): readiness and admission at the start of a shutdown,
   * the listener kept open until it is idle, open streams told at the deadline. Default none.
   */
  drain?: (deps: D) => ShutdownDrain;
  /** Signals that start the graceful shutdown (default SIGTERM, SIGINT); tests pass `[]`. */
  signals?: NodeJS.Signals[];
  /** How the process ends (default `process.exit`): after shutdown, a bad configuration or a failed start. Tests pass a no-op. */
  exit?: (code: number) => void;
}

export interface RunningService {
  readonly server: Server | HttpsServer;
  readonly url: string;
  /** Graceful shutdown as on SIGTERM: drain, `closeDeps`, then `exit(code)`. */
  readonly shutdown: (reason?: string) => void;
  /**
   * Stops without exiting the process (tests): closes the listener and every connection, waits
   * for the server's `close`, then runs `closeDeps`. Idempotent.
   */
  readonly close: () => Promise<void>;
}

/**
 * The one way a Baton service starts (every `main.ts`): configuration (a bad one prints the wrong
 * variables and exits 1) -> TLS files -> logger -> long-lived deps -> app -> listen (HTTPS when
 * TLS_* are set) -> graceful shutdown on SIGTERM/SIGINT (stop accepting, drain up to the deadline,
 * close the deps, exit 0; 1 past the deadline) -> one `listening` line. A failure after the
 * configuration closes what was made, prints `<name>: failed to start: <message>`, exits 1 and
 * rejects (when `exit` returns).
 */
export async function runService<C, D>(options: RunServiceOptions<C, D>): Promise<RunningService> {
  const { name } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const { config, settings, tls, deprecated } = configOrExit(
    name,
    () => {
      const { value: config, deprecated } = collectDeprecated(() => options.loadConfig(options.env ?? process.env));
      const settings = options.settings(config);
      return { config, settings, tls: readTlsFiles(settings.tls, name), deprecated };
    },
    exit,
  );
  const logger = createLogger({
    service: name,
    level: settings.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  warnDeprecated(logger, deprecated);
  const context: ServiceContext<C> = { name, config, logger, tls };
  let closeDeps: (() => Promise<void>) | undefined;
  try {
    const deps = await options.createDeps(context);
    closeDeps = once(async () => {
      await options.closeDeps?.(deps);
    });
    const app = await options.createApp(deps, context);
    for (const setting of settings.relaxed ?? []) logger.warn({ relaxed: setting }, 'relaxed setting (BATON_PROFILE is not production)');
    const server = await listen(app, {
      port: settings.port,
      host: settings.host,
      ...(settings.http ? { limits: settings.http } : {}),
      logger,
      ...(tls ? { tls: serverTlsOptions(tls, options.serverTls?.(context, deps) ?? {}) } : {}),
    });
    return started(options, { server, context, deps, closeDeps, exit, host: settings.host, timeoutMs: settings.shutdownTimeoutMs });
  } catch (err) {
    await closeDeps?.().catch(() => {});
    process.stderr.write(`${name}: failed to start: ${describeCause(err).message}\n`);
    exit(1);
    throw err;
  }
}

function started<C, D>(
  options: RunServiceOptions<C, D>,
  s: {
    server: Server | HttpsServer;
    context: ServiceContext<C>;
    deps: D;
    closeDeps: () => Promise<void>;
    exit: (code: number) => void;
    host: string;
    timeoutMs: number | undefined;
  },
): RunningService {
  const { server, context, deps, closeDeps } = s;
  const serverClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const shutdown = installShutdown(server, {
    logger: context.logger,
    onClose: closeDeps,
    exit: s.exit,
    ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.drain ? { drain: options.drain(deps) } : {}),
  });
  const close = once(async () => {
    if (server.listening) server.close();
    server.closeAllConnections();
    await serverClosed;
    await closeDeps();
  });
  const { port } = server.address() as AddressInfo;
  const { host } = s;
  const url = `${context.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  context.logger.info(options.listening.fields({ context, deps, url, port }), options.listening.message ?? `${context.name} listening`);
  tellSupervisor({ baton: 'listening', service: context.name, pid: process.pid, port, url });
  return { server, url, shutdown, close };
}

/**
 * A supervisor that started this process with an IPC channel (`pnpm start`) learns that it listens
 * and on which port whatever the log level: one object message. Without a channel, nothing.
 */
function tellSupervisor(message: { baton: 'listening'; service: string; pid: number; port: number; url: string }): void {
  if (typeof process.send !== 'function' || !process.connected) return;
  process.send(message, undefined, {}, () => undefined); // a closed channel is no failure of the service
}

/** One `warn` line per deprecated variable name the configuration was read from. */
function warnDeprecated(logger: Logger, deprecated: readonly DeprecatedVariable[]): void {
  for (const { variable, use } of deprecated)
    logger.warn({ variable, use }, `deprecated variable: ${variable} is now ${use} (the old name still works; set ${use})`);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
