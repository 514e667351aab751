import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ErrorCode, Logger } from '@baton/errors';
import { peerSpiffeId, type TlsOptions } from '@baton/mtls';

export interface ListenOptions {
  port: number;
  host: string;
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
  const server: http.Server | https.Server = options.tls
    ? https.createServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.ca,
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
          minVersion: options.tls.minVersion ?? 'TLSv1.3',
        },
        app,
      )
    : http.createServer(app);
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
