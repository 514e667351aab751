import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { scrubSecrets } from '@baton/errors';
import type { Logger } from './logger.js';
import { isValidRequestId, newTraceparent, parseTraceparent, w3cPropagator } from '@baton/identity';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requestContext()`: the incoming valid `x-request-id` or a new uuid. */
      requestId: string;
      /** Set by `requestContext()`: the incoming valid W3C `traceparent` or a new one. */
      traceparent: string;
      /** Set by `requestContext()`: the trace id of `traceparent`. */
      traceId: string;
      /** Set by `requestContext()`: child logger with `request_id` and `trace_id`. */
      log: Logger;
    }
  }
}

/** A request id is accepted from the client only if it is 1-128 chars of [A-Za-z0-9._:-] (`@baton/identity`). */
export { isValidRequestId };

const MAX_LOGGED_PATH = 512;

/**
 * The path as the access log shows it: no query string, anything token-shaped redacted (a caller
 * may put a token in a path segment, percent-encoded or not), cut at 512 characters.
 */
export function loggablePath(url: string): string {
  const raw = url.split('?')[0] ?? '';
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // malformed escapes: check the raw text only
  }
  const scrubbed = scrubSecrets(raw);
  const path = scrubbed === raw && scrubSecrets(decoded) !== decoded ? scrubSecrets(decoded) : scrubbed;
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

export interface RequestContextOptions {
  logger: Logger;
  /** Skip the access log line for some requests (e.g. health probes). Default: log all. */
  skipAccessLog?: (req: Request) => boolean;
}

/**
 * Sets `req.requestId` (echoed as `x-request-id`), `req.traceparent`, `req.traceId` and `req.log`,
 * and writes one access log line per request when it finishes: method, path (no query string,
 * tokens redacted: `loggablePath`), status, duration_ms, request_id. Never headers.
 */
export function requestContext(options: RequestContextOptions): RequestHandler {
  const { logger, skipAccessLog } = options;
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    // The one correlation module: a malformed incoming value is replaced, never carried.
    const incoming = w3cPropagator.extract(req.headers);
    req.requestId = incoming.requestId ?? randomUUID();
    req.traceparent = incoming.traceparent ?? newTraceparent();
    req.traceId = parseTraceparent(req.traceparent)!.traceId;
    req.log = logger.child({ request_id: req.requestId, trace_id: req.traceId });
    res.setHeader('x-request-id', req.requestId);

    const path = loggablePath(req.originalUrl ?? req.url);
    let logged = false;
    const done = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      if (skipAccessLog?.(req)) return;
      const duration_ms = Number(process.hrtime.bigint() - start) / 1e6;
      const status = res.statusCode;
      const line = {
        method: req.method,
        path,
        status,
        duration_ms: Math.round(duration_ms * 1000) / 1000,
        ...(aborted ? { aborted: true } : {}),
      };
      if (status >= 500) req.log.error(line, 'request');
      else req.log.info(line, 'request');
    };
    res.on('finish', () => done(false));
    res.on('close', () => done(!res.writableFinished));
    next();
  };
}
