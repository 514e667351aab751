import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface MetricsOptions {
  /** Path that serves the Prometheus text (default '/metrics'). */
  path?: string;
  /** Histogram buckets in seconds. */
  buckets?: number[];
  /** Gauges read at each scrape, by metric name (e.g. `{ baton_runs_active: () => gauge.active }`). */
  gauges?: Readonly<Record<string, () => number>>;
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * Where a router records its configured mount path on each request it serves (`mountPath(path)`
 * sets it; `addRoutes` of `@baton/runnable-server` does so for its own router). A global symbol:
 * a package sets it without importing this one.
 */
export const MOUNT_PATH: unique symbol = Symbol.for('baton.mountPath') as never;

/**
 * A router's first middleware: labels the metrics of the requests it serves with `path`, the path
 * it is mounted at, rather than the request's own spelling of it (Express matches mount paths
 * case-insensitively, so `/RESEARCH/invoke` reaches a router mounted at `/research`).
 */
export function mountPath(path: string): RequestHandler {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError("mountPath: path must start with '/'");
  return (req, _res, next) => {
    (req as Request & { [MOUNT_PATH]?: string })[MOUNT_PATH] = path;
    next();
  };
}

/**
 * The `route` label: the matched route's pattern under its router's configured mount path
 * (`mountPath`), `/*` + the pattern under a mount that did not say its path, `unmatched` when no
 * route matched. Never a part of the request's own URL: label values stay a fixed set.
 */
function routeLabel(req: Request): string {
  const routePath = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof routePath !== 'string') return 'unmatched';
  if (req.baseUrl === '') return routePath;
  const mount = (req as Request & { [MOUNT_PATH]?: unknown })[MOUNT_PATH];
  if (typeof mount === 'string' && mount.toLowerCase() === req.baseUrl.toLowerCase()) return `${mount === '/' ? '' : mount}${routePath}`;
  return `/*${routePath}`;
}

/**
 * Request metrics without a dependency: `http_requests_total{method,route,status}` and
 * `http_request_duration_seconds{method,route}` (histogram). `route` is the matched Express
 * route pattern under its router's configured mount path (e.g. `/research/invoke`, `/users/:id`;
 * see `routeLabel`), or `unmatched` — never the raw URL nor its casing, so label cardinality
 * stays bounded. The returned middleware also answers `GET {path}`.
 */
export function metrics(options: MetricsOptions = {}): RequestHandler {
  const metricsPath = options.path ?? '/metrics';
  const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b);
  const counters = new Map<string, number>();
  const histograms = new Map<string, Histogram>();
  const startedAt = Date.now();

  const render = (): string => {
    const out: string[] = [];
    out.push('# HELP http_requests_total Count of HTTP requests by method, route and status.');
    out.push('# TYPE http_requests_total counter');
    for (const [labels, n] of counters) out.push(`http_requests_total{${labels}} ${n}`);
    out.push('# HELP http_request_duration_seconds HTTP request duration in seconds.');
    out.push('# TYPE http_request_duration_seconds histogram');
    for (const [labels, h] of histograms) {
      buckets.forEach((b, i) => out.push(`http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      out.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    for (const [name, read] of Object.entries(options.gauges ?? {})) {
      out.push(`# TYPE ${name} gauge`);
      out.push(`${name} ${read()}`);
    }
    out.push('# HELP process_uptime_seconds Seconds since the metrics middleware was created.');
    out.push('# TYPE process_uptime_seconds gauge');
    out.push(`process_uptime_seconds ${(Date.now() - startedAt) / 1000}`);
    return out.join('\n') + '\n';
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && req.path === metricsPath) {
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.status(200).send(render());
      return;
    }
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(req);
      const base = `method="${escapeLabel(req.method)}",route="${escapeLabel(route)}"`;
      const ckey = `${base},status="${res.statusCode}"`;
      counters.set(ckey, (counters.get(ckey) ?? 0) + 1);
      let h = histograms.get(base);
      if (!h) {
        h = { counts: buckets.map(() => 0), sum: 0, count: 0 };
        histograms.set(base, h);
      }
      buckets.forEach((b, i) => {
        if (seconds <= b) h.counts[i] = (h.counts[i] ?? 0) + 1;
      });
      h.sum += seconds;
      h.count += 1;
    });
    next();
  };
}
