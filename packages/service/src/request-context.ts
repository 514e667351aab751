import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { scrubSecrets } from '@baton/errors';
import type { Logger } from './logger.js';
import { isValidRequestId, newTraceparent, parseTraceparent, w3cPropagator } from '@baton/identity';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * Set by `requestContext()`: a new uuid made here, echoed as `x-request-id`; the caller's own
       * only once `adoptIncomingCorrelation` accepted it (an authenticated service call).
       */
      requestId: string;
      /** Set by `requestContext()`: a new W3C `traceparent` (the caller's once adopted, as `requestId`). */
      traceparent: string;
      /** The caller's valid `x-request-id` when it was not adopted: logged as `client_request_id`. */
      clientRequestId?: string;
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

/** What `adoptIncomingCorrelation` may adopt, per request (the caller's valid headers and the base logger). */
const incomingOf = new WeakMap<Request, { requestId?: string; traceparent?: string; logger: Logger }>();

function setCorrelation(req: Request, res: Response, logger: Logger, requestId: string, traceparent: string): void {
  req.requestId = requestId;
  req.traceparent = traceparent;
  req.traceId = parseTraceparent(traceparent)!.traceId;
  const client = req.clientRequestId !== undefined ? { client_request_id: req.clientRequestId } : {};
  req.log = logger.child({ request_id: req.requestId, trace_id: req.traceId, ...client });
  if (!res.headersSent) res.setHeader('x-request-id', req.requestId);
}

/**
 * Adopt the caller's `x-request-id` and `traceparent` as this request's own: call it only once the
 * request is authenticated as a service hop of a run (an agent: a token whose `act` names the
 * workflow; the issuer: the workflow's client authenticated), so one run follows across hops while
 * no other caller can splice its requests into someone's audit trail. Returns whether anything was
 * adopted. Values are adopted separately (a missing one keeps the value made here).
 */
export function adoptIncomingCorrelation(req: Request): boolean {
  const incoming = incomingOf.get(req);
  if (!incoming || (incoming.requestId === undefined && incoming.traceparent === undefined)) return false;
  incomingOf.delete(req);
  delete req.clientRequestId;
  setCorrelation(req, req.res!, incoming.logger, incoming.requestId ?? req.requestId, incoming.traceparent ?? req.traceparent);
  return true;
}

export interface RequestContextOptions {
  logger: Logger;
  /** Skip the access log line for some requests (e.g. health probes). Default: log all. */
  skipAccessLog?: (req: Request) => boolean;
}

/**
 * Sets `req.requestId` (a new uuid, echoed as `x-request-id`), `req.traceparent` (new),
 * `req.traceId` and `req.log`, and writes one access log line per request when it finishes:
 * method, path (no query string, tokens redacted: `loggablePath`), status, duration_ms, request_id.
 * Never headers. Ids are made here, at every edge: a caller's valid `x-request-id` is kept as
 * `client_request_id` (logged, `req.clientRequestId`) until `adoptIncomingCorrelation` accepts it
 * and its `traceparent` for an authenticated service call.
 */
export function requestContext(options: RequestContextOptions): RequestHandler {
  const { logger, skipAccessLog } = options;
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    // The one correlation module: a malformed incoming value is replaced, never carried.
    const incoming = w3cPropagator.extract(req.headers);
    if (incoming.requestId !== undefined) req.clientRequestId = incoming.requestId;
    incomingOf.set(req, { ...incoming, logger });
    setCorrelation(req, res, logger, randomUUID(), newTraceparent());

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
