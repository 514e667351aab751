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
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting, close idle keep-alive connections, let
 * in-flight requests finish (their responses carry `Connection: close`) up to `timeoutMs`, run
 * `onClose`, exit 0 (1 on timeout or if `onClose` throws). Returns a function that starts the
 * same shutdown programmatically.
 */
export function installShutdown(server: http.Server | https.Server, options: ShutdownOptions): (reason?: string) => void {
  const { logger, timeoutMs = 10_000, onClose, signals = ['SIGTERM', 'SIGINT'] } = options;
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
    logger.info({ reason, in_flight: active.size, timeout_ms: timeoutMs }, 'shutting down');
    for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');

    let finished = false;
    const deadline = setTimeout(() => {
      if (finished) return;
      finished = true;
      clearInterval(sweeper);
      logger.error({ in_flight: active.size, timeout_ms: timeoutMs }, 'shutdown deadline passed; closing connections');
      server.closeAllConnections();
      exit(1);
    }, timeoutMs);
    // Connections that finish their last request become idle; close them as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);

    server.close(() => {
      clearInterval(sweeper);
      const finish = async () => {
        let code = 0;
        try {
          await onClose?.();
        } catch (err) {
          code = 1;
          logger.error({ err: { message: (err as Error)?.message } }, 'onClose failed');
        }
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        logger.info({ code }, 'shutdown complete');
        exit(code);
      };
      void finish();
    });
    server.closeIdleConnections();
  };

  for (const signal of signals) process.on(signal, () => shutdown(signal));
  return shutdown;
}
