import type { RequestHandler } from 'express';

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`, `http://127.0.0.1:5173`) allowed to call; empty = none. */
  allowedOrigins: readonly string[];
  /** Request headers a page may send. Default: what Baton's routes read. */
  allowedHeaders?: readonly string[];
  /** Response headers a page may read. Default: `x-request-id`, `www-authenticate`, `content-location`, `location` (the Platform API's run and reconnect locations), `retry-after`. */
  exposedHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer, seconds. Default 600. */
  maxAgeSec?: number;
}

const DEFAULT_ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', 'last-event-id', 'x-request-id', 'traceparent'];
// content-location, location: the LangGraph SDK reads a created run's id and its reconnect location from them; retry-after: a 429/503 says when to come back.
const DEFAULT_EXPOSED_HEADERS = ['x-request-id', 'www-authenticate', 'content-location', 'location', 'retry-after'];
/** Every method a route answers: a browser app deletes threads (DELETE) and the LangGraph SDK updates them (PATCH). */
const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE';

/**
 * CORS for an allow-list of exact origins, closed by default. A request from a listed origin gets
 * `Access-Control-Allow-Origin: <that origin>` (never `*`, never credentials: callers send a
 * bearer token, not cookies) and its preflight (`OPTIONS` with `Access-Control-Request-Method`)
 * is answered 204 here, before any auth; any other origin gets no CORS header at all, so the
 * browser keeps the response from the page. Requests without `Origin` are untouched.
 */
export function cors(options: CorsOptions): RequestHandler {
  const allowed = new Set(options.allowedOrigins);
  const allowHeaders = (options.allowedHeaders ?? DEFAULT_ALLOWED_HEADERS).join(', ');
  const exposeHeaders = (options.exposedHeaders ?? DEFAULT_EXPOSED_HEADERS).join(', ');
  const maxAge = String(options.maxAgeSec ?? 600);
  return function corsMiddleware(req, res, next) {
    const origin = req.headers.origin;
    if (allowed.size === 0 || origin === undefined) return next();
    res.vary('Origin');
    if (!allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', exposeHeaders);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      res.setHeader('Access-Control-Max-Age', maxAge);
      res.status(204).end();
      return;
    }
    next();
  };
}
