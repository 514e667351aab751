import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ErrorCode, Logger } from '@baton/errors';
import { peerSpiffeId, type TlsOptions } from '@baton/mtls';

/** Limits on receiving requests (`HTTP_*` variables): they bound the request, never the response. */
export interface HttpServerLimits {
  /** Time to receive a request's headers (Node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (Node's `requestTimeout`); a stream's response may run longer. */
  requestTimeoutMs: number;
  /** Most connections open at once (Node's `maxConnections`); past it new ones are dropped. */
  maxConnections: number;
}

/** The limits when a service names none (the `HTTP_*` variables' defaults). */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 1024,
});

/** The limits from a configuration with the `HTTP_*` variables (`@baton/contract`'s `httpServerEnvFields`). */
export function httpLimits(config: {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_MAX_CONNECTIONS: number;
}): HttpServerLimits {
  return {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
  };
}

/**
 * How often Node checks the header and request timeouts (its default, 30 s, would let a trickling
 * client hold a socket up to 30 s past the limit): a tenth of the shortest limit, 50 ms to 1 s.
 */
function checkIntervalMs(limits: HttpServerLimits): number {
  return Math.min(1000, Math.max(50, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10)));
}

export interface ListenOptions {
  port: number;
  host: string;
  /** Default `DEFAULT_HTTP_LIMITS`. */
  limits?: HttpServerLimits;
  tls?: TlsOptions;
  /** Where `tls.allowPeer` refusals are logged (none = silent). */
  logger?: Pick<Logger, 'warn'>;
}

/** The reason logged when `tls.allowPeer` refuses a connection (the agents' HTTP-level code too). */
const PEER_NOT_ALLOWED_REASON = 'AUTH_PEER_NOT_ALLOWED' satisfies ErrorCode;

/**
 * Start an HTTP (or HTTPS, with `tls`) server for `app`; resolves once it is listening. With
 * `tls.allowPeer`, a connection whose verified peer is not allowed is destroyed right after the
 * handshake: it never gets an HTTP exchange.
 */
export function listen(app: http.RequestListener, options: ListenOptions): Promise<http.Server | https.Server> {
  const limits = options.limits ?? DEFAULT_HTTP_LIMITS;
  // headersTimeout must not exceed requestTimeout (Node refuses it otherwise).
  const timeouts = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    connectionsCheckingInterval: checkIntervalMs(limits),
  };
  const server: http.Server | https.Server = options.tls
    ? https.createServer(
        {
          ...timeouts,
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.ca,
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
          minVersion: options.tls.minVersion ?? 'TLSv1.3',
        },
        app,
      )
    : http.createServer(timeouts, app);
  server.maxConnections = limits.maxConnections;
  const allowPeer = options.tls?.allowPeer;
  if (allowPeer) {
    const { logger } = options;
    // Prepended: runs before https' own listener hands the socket to the HTTP parser.
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      let peer: string | undefined;
      let allowed: boolean;
      try {
        peer = peerSpiffeId(socket);
        allowed = allowPeer(peer) === true;
      } catch {
        allowed = false; // fail closed
      }
      if (allowed) return;
      socket.destroy();
      logger?.warn({ peer: peer ?? null, reason: PEER_NOT_ALLOWED_REASON }, 'peer refused at connection');
    });
  }
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/**
 * What a service hands the graceful shutdown so it can drain its own work (runs, streams): the
 * listener stays open until `idle` resolves (readiness answers 503, new work is refused by the
 * app), and at the deadline `deadline` tells open streams before connections are cut.
 */
export interface ShutdownDrain {
  /** Shutdown began: readiness goes false, new runs are refused. */
  begin(): void;
  /** Resolves once no work is in flight. */
  idle(): Promise<void>;
  /** The drain deadline passed: end open streams with a message the client can read. */
  deadline(): void;
}

export interface ShutdownOptions {
  logger: Pick<Logger, 'info' | 'error'>;
  /** Deadline for in-flight requests (default 10 000 ms); past it connections are cut, exit 1. */
  timeoutMs?: number;
  /** Runs after the server has closed (close pools, flush). */
  onClose?: () => Promise<void>;
  /** Default ['SIGTERM', 'SIGINT']. */
  signals?: NodeJS.Signals[];
  /** Default `process.exit`; injectable for tests. */
  exit?: (code: number) => void;
  /** The service's own drain (see `ShutdownDrain`); without one the listener closes at once. */
  drain?: ShutdownDrain;
}

/** After `drain.deadline()`, how long the ended streams get to flush before connections are cut. */
const FLUSH_MS = 1_000;

/**
 * Graceful shutdown on SIGTERM/SIGINT: `drain.begin()`; keep listening until `drain.idle()` (at
 * once without a drain), then stop accepting, close idle keep-alive connections, let in-flight
 * requests finish (their responses carry `Connection: close`) up to `timeoutMs`, run `onClose`,
 * exit 0. At the deadline `drain.deadline()` ends open streams, then connections are cut: exit 1
 * (1 too if `onClose` throws). Returns a function that starts the same shutdown programmatically.
 */
export function installShutdown(server: http.Server | https.Server, options: ShutdownOptions): (reason?: string) => void {
  const { logger, timeoutMs = 10_000, onClose, signals = ['SIGTERM', 'SIGINT'], drain } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const active = new Set<http.ServerResponse>();
  let closing = false;

  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.setHeader('connection', 'close');
    active.add(res);
    res.on('close', () => active.delete(res));
  });

  const shutdown = (reason = 'shutdown') => {
    if (closing) {
      logger.info({ reason }, 'shutdown already in progress');
      return;
    }
    closing = true;
    drain?.begin();
    logger.info({ reason, in_flight: active.size, timeout_ms: timeoutMs }, 'shutting down');
    for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
    const state = { finished: false, deadlinePassed: false, sweeper: undefined as NodeJS.Timeout | undefined };
    const cut = () => {
      if (state.finished) return;
      state.finished = true;
      clearInterval(state.sweeper);
      server.closeAllConnections();
      exit(1);
    };
    const deadline = setTimeout(() => {
      state.deadlinePassed = true;
      logger.error({ in_flight: active.size, timeout_ms: timeoutMs }, 'shutdown deadline passed; closing connections');
      if (!drain) return cut();
      drain.deadline();
      setTimeout(cut, FLUSH_MS);
    }, timeoutMs);
    const stopListening = () => {
      if (state.finished) return;
      // Connections that finish their last request become idle; close them as they do.
      state.sweeper = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(state.sweeper);
        void finishShutdown({ logger, onClose, exit, state, deadline });
      });
      server.closeIdleConnections();
    };
    if (drain) void drain.idle().then(stopListening, stopListening);
    else stopListening();
  };

  for (const signal of signals) process.on(signal, () => shutdown(signal));
  return shutdown;
}

async function finishShutdown(s: {
  logger: Pick<Logger, 'info' | 'error'>;
  onClose: (() => Promise<void>) | undefined;
  exit: (code: number) => void;
  state: { finished: boolean; deadlinePassed: boolean };
  deadline: NodeJS.Timeout;
}): Promise<void> {
  let code = s.state.deadlinePassed ? 1 : 0;
  try {
    await s.onClose?.();
  } catch (err) {
    code = 1;
    s.logger.error({ err: { message: (err as Error)?.message } }, 'onClose failed');
  }
  if (s.state.finished) return;
  s.state.finished = true;
  clearTimeout(s.deadline);
  s.logger.info({ code }, 'shutdown complete');
  s.exit(code);
}
