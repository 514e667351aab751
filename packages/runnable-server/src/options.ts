import type { Request, RequestHandler } from 'express';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { ZodType } from 'zod';
import { isCaller, type RunContext } from '@baton/identity';
import type { ErrorCodeSet, Logger } from '@baton/errors';
import { MemoryRunRegistry, type MemoryRunRegistryOptions, type RunRegistry } from './run-registry.js';
import { ActiveRuns } from './active-runs.js';
import type { RunLimiter } from './run-limiter.js';

/**
 * What `addRoutes` puts in a run's `config.context` (LangGraph's per-run context, never
 * `configurable`): `@baton/identity`'s `RunContext` — `{ caller }` once `requireAuth` has run.
 */
export type ServerRunContext = Partial<RunContext>;

/** The run config `addRoutes` hands to the runnable (`context` is LangGraph's per-run context). */
export type ServerRunConfig = RunnableConfig & { context?: ServerRunContext };

export interface AddRoutesOptions {
  /** Mount path, e.g. `/research`: routes are `{path}/invoke`, `{path}/stream`, ... */
  path: string;
  /** Middleware run before every route (invoke, batch, stream, stream_log, stream_events and the schema GETs). */
  auth?: RequestHandler | RequestHandler[];
  /** Validates `input` (and each of `inputs`); failure is 422 `RUNNABLE_INPUT_INVALID`. Also served at `/input_schema`. */
  inputSchema?: ZodType;
  /** Only served at `/output_schema` (outputs are not validated). */
  outputSchema?: ZodType;
  /** Only served at `/config_schema`. Default: built from `configKeys` and `configurableKeys`. */
  configSchema?: ZodType;
  /**
   * Run-config keys accepted from the client, snake_case or camelCase.
   * Default `['tags', 'run_name', 'recursion_limit', 'max_concurrency']`; `metadata` may be
   * added explicitly. Everything else the client sends (`callbacks`, `runId`, `context`,
   * `signal`, `timeout`, unknown keys) is dropped.
   */
  configKeys?: string[];
  /** `configurable` keys accepted from the client (default none), e.g. `['thread_id']`. */
  configurableKeys?: string[];
  /** Builds the run's `config.context` from the request. Default `{ caller: req.auth }` (the `Caller` made by `requireAuth`), or `{}`. */
  context?: (req: Request) => ServerRunContext;
  /** Per-request config modifier (like LangServe's `per_req_config_modifier`); may throw a BatonError. */
  config?: (req: Request, config: ServerRunConfig) => ServerRunConfig | Promise<ServerRunConfig>;
  /** JSON body limit (default `'1mb'`); larger bodies get 413 `REQUEST_TOO_LARGE`. */
  bodyLimit?: string | number;
  /** Maximum `inputs` per `/batch` call (default 100). */
  maxBatchSize?: number;
  /** How many items of one `/batch` run at once (default 4); the rest wait for a free slot. */
  batchConcurrency?: number;
  /**
   * The largest `recursion_limit` a run gets (default 25, LangGraph's own default): a client's
   * larger value is lowered to it, and a run without one gets it.
   */
  maxRecursionLimit?: number;
  /** Interval of the `: ping` SSE comment (default 15 000 ms). */
  pingIntervalMs?: number;
  /** Where failures and client disconnects are logged (a pino logger is one). */
  logger?: Pick<Logger, 'error' | 'warn'>;
  /**
   * The service's own error codes (sets from `@baton/errors`' `defineErrorCodes`): a failure that
   * is not a BatonError but carries one of them as its `code` answers with that code and status
   * (instead of 500 `RUNNABLE_FAILED`). A BatonError keeps its code and status either way.
   */
  errorCodes?: readonly ErrorCodeSet[];
  /**
   * Resuming SSE runs with `Last-Event-ID` (on by default; `false` turns it off: every reconnect
   * is 204). The bounds are those of the default in-process registry.
   */
  resume?: false | SseResumeOptions;
  /**
   * Concurrent-run admission (default none: unlimited). Consulted by invoke, batch, stream,
   * stream_log and stream_events with the verified caller's `ownerKey`; a refusal is 429
   * `RUNNABLE_RUN_LIMIT_USER` / `RUNNABLE_RUN_LIMIT_GLOBAL` with `Retry-After`. A batch takes
   * `min(items, batchConcurrency)` slots, all or nothing (what it really runs at once).
   */
  limiter?: RunLimiter;
  /**
   * The live runs: what `POST {path}/runs/:run_id/cancel` aborts and what a graceful shutdown
   * drains (`beginDrain`: new runs 503 `SERVER_SHUTTING_DOWN`; `deadline`: streams get an
   * `error` event and end). Default: one of its own. Pass one to share it between services' routes.
   */
  runs?: ActiveRuns;
  /**
   * How long an SSE write may wait for a reader that stopped reading (default 30 000 ms); past it
   * the connection is closed and the run follows the disconnect path (grace, then abort).
   */
  writeDeadlineMs?: number;
}

export interface SseResumeOptions extends MemoryRunRegistryOptions {
  /** Where runs keep their events (default: a `MemoryRunRegistry` with the bounds given here). */
  registry?: RunRegistry;
  /**
   * How long a spec client's (`Accept: text/event-stream`) run outlives its connection when no
   * resumed reader is attached (default 10 000 ms); then it is aborted.
   */
  graceMs?: number;
  /** A `retry:` field (ms) sent to spec clients with the first event (default none: clients wait ~3 s). */
  retryMs?: number;
}

export interface ResolvedResume {
  registry: RunRegistry;
  graceMs: number;
  retryMs?: number;
}

/** snake_case name -> the RunnableConfig field it sets. */
export const CONFIG_KEY_FIELDS = {
  tags: 'tags',
  run_name: 'runName',
  recursion_limit: 'recursionLimit',
  max_concurrency: 'maxConcurrency',
  metadata: 'metadata',
} as const;

export type ConfigKey = keyof typeof CONFIG_KEY_FIELDS;

const DEFAULT_CONFIG_KEYS: readonly ConfigKey[] = ['tags', 'run_name', 'recursion_limit', 'max_concurrency'];

const CAMEL_TO_SNAKE: Record<string, ConfigKey> = {
  tags: 'tags',
  runName: 'run_name',
  recursionLimit: 'recursion_limit',
  maxConcurrency: 'max_concurrency',
  metadata: 'metadata',
};

/** `runName` or `run_name` -> `run_name`; undefined for keys the server never accepts. */
export function canonicalConfigKey(key: string): ConfigKey | undefined {
  if (Object.prototype.hasOwnProperty.call(CONFIG_KEY_FIELDS, key)) return key as ConfigKey;
  return CAMEL_TO_SNAKE[key];
}

export interface ResolvedOptions {
  path: string;
  auth: RequestHandler[];
  inputSchema?: ZodType;
  outputSchema?: ZodType;
  configSchema?: ZodType;
  configKeys: ReadonlySet<ConfigKey>;
  configurableKeys: ReadonlySet<string>;
  context: (req: Request) => ServerRunContext;
  config?: AddRoutesOptions['config'];
  bodyLimit: string | number;
  maxBatchSize: number;
  batchConcurrency: number;
  maxRecursionLimit: number;
  pingIntervalMs: number;
  logger?: Pick<Logger, 'error' | 'warn'>;
  errorCodes: readonly ErrorCodeSet[];
  resume?: ResolvedResume;
  limiter?: RunLimiter;
  runs: ActiveRuns;
  writeDeadlineMs: number;
}

/** The caller (with its request id and traceparent) is the whole of a run's identity. */
function defaultContext(req: Request): ServerRunContext {
  const auth = (req as Request & { auth?: unknown }).auth;
  return isCaller(auth) ? { caller: auth } : {};
}

function isZod(value: unknown): value is ZodType {
  return typeof value === 'object' && value !== null && typeof (value as ZodType).safeParse === 'function';
}

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`addRoutes: ${name} must be a positive integer`);
  }
  return value;
}

/** Validates options at start-up: a bad option is a TypeError, never a request-time surprise. */
export function resolveOptions(options: AddRoutesOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('addRoutes: options are required');
  const { path } = options;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path) || (path.length > 1 && path.endsWith('/'))) {
    throw new TypeError("addRoutes: path must start with '/', not end with '/', and contain only URL-safe characters");
  }
  const auth = options.auth === undefined ? [] : Array.isArray(options.auth) ? options.auth : [options.auth];
  for (const h of auth) if (typeof h !== 'function') throw new TypeError('addRoutes: auth must be middleware functions');
  for (const name of ['inputSchema', 'outputSchema', 'configSchema'] as const) {
    if (options[name] !== undefined && !isZod(options[name])) throw new TypeError(`addRoutes: ${name} must be a zod schema`);
  }
  const configKeys = new Set<ConfigKey>();
  for (const key of options.configKeys ?? DEFAULT_CONFIG_KEYS) {
    const canonical = typeof key === 'string' ? canonicalConfigKey(key) : undefined;
    if (!canonical) {
      throw new TypeError(
        `addRoutes: configKeys may only name ${Object.keys(CONFIG_KEY_FIELDS).join(', ')} (configurable keys go in configurableKeys)`,
      );
    }
    configKeys.add(canonical);
  }
  const configurableKeys = new Set<string>();
  for (const key of options.configurableKeys ?? []) {
    if (typeof key !== 'string' || key.length === 0 || key.startsWith('__')) {
      throw new TypeError('addRoutes: configurableKeys must be non-empty strings not starting with "__"');
    }
    configurableKeys.add(key);
  }
  for (const name of ['context', 'config'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`addRoutes: ${name} must be a function`);
  }
  const bodyLimit = options.bodyLimit ?? '1mb';
  if (typeof bodyLimit !== 'string' && typeof bodyLimit !== 'number')
    throw new TypeError('addRoutes: bodyLimit must be a string or number');
  return {
    path,
    auth,
    inputSchema: options.inputSchema,
    outputSchema: options.outputSchema,
    configSchema: options.configSchema,
    configKeys,
    configurableKeys,
    context: options.context ?? defaultContext,
    config: options.config,
    bodyLimit,
    maxBatchSize: positiveInt('maxBatchSize', options.maxBatchSize, 100),
    batchConcurrency: positiveInt('batchConcurrency', options.batchConcurrency, 4),
    maxRecursionLimit: positiveInt('maxRecursionLimit', options.maxRecursionLimit, 25),
    pingIntervalMs: positiveInt('pingIntervalMs', options.pingIntervalMs, 15_000),
    logger: options.logger,
    errorCodes: options.errorCodes ?? [],
    resume: resolveResume(options.resume),
    ...resolveRuns(options),
  };
}

function resolveResume(resume: AddRoutesOptions['resume']): ResolvedResume | undefined {
  if (resume === false) return undefined;
  if (resume !== undefined && (typeof resume !== 'object' || resume === null))
    throw new TypeError('addRoutes: resume must be an object or false');
  const { registry, graceMs, retryMs, ...bounds } = resume ?? {};
  if (registry !== undefined && (typeof registry !== 'object' || registry === null || typeof registry.start !== 'function')) {
    throw new TypeError('addRoutes: resume.registry must be a RunRegistry');
  }
  return {
    registry: registry ?? new MemoryRunRegistry(bounds),
    graceMs: positiveInt('resume.graceMs', graceMs, 10_000),
    ...(retryMs !== undefined ? { retryMs: positiveInt('resume.retryMs', retryMs, 0) } : {}),
  };
}

function resolveRuns(options: AddRoutesOptions): Pick<ResolvedOptions, 'limiter' | 'runs' | 'writeDeadlineMs'> {
  const { limiter, runs } = options;
  if (limiter !== undefined && (typeof limiter !== 'object' || limiter === null || typeof limiter.acquire !== 'function')) {
    throw new TypeError('addRoutes: limiter must be a RunLimiter');
  }
  if (runs !== undefined && !(runs instanceof ActiveRuns)) throw new TypeError('addRoutes: runs must be an ActiveRuns');
  return {
    ...(limiter ? { limiter } : {}),
    runs: runs ?? new ActiveRuns(),
    writeDeadlineMs: positiveInt('writeDeadlineMs', options.writeDeadlineMs, 30_000),
  };
}
