import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type IRouter, type Request, type RequestHandler, type Response } from 'express';
import type { Runnable } from '@langchain/core/runnables';
import { BatonError, describeCause, errorBody } from '@baton/errors';
import { errorHandler } from '@baton/errors/express';
import { isCaller } from '@baton/identity';
import { resolveOptions, type AddRoutesOptions, type ResolvedOptions, type ServerRunConfig } from './options.js';
import { filterClientConfig } from './run-config.js';
import { parseBatchBody, parseInvokeBody, validateInput } from './request-body.js';
import { toRunError } from './run-error.js';
import { defaultConfigSchema, jsonSchemaOf, type JsonSchema } from './schemas.js';
import { toWire } from './serialize.js';
import { acceptsEventStream, SseWriter } from './sse.js';
import { eventId, ownerKey, parseEventId, type RunEventLog } from './run-registry.js';
import { admit, toldAbort } from './admission.js';
import { openApiDocument, type RouteSpec } from './openapi.js';
import { runLogPatchToWire, streamEventsVersion, streamFilters, wantsMetadataEvent } from './stream-params.js';

export type AnyRunnable = Runnable<any, any, any>;

const SSE_ROUTE = Symbol('baton.runnableServer.sse');

/** Aborts the run when the client goes away before the response is finished. */
const clientClosed = () => new BatonError('REQUEST_ABORTED', 'The client closed the connection');

function abortOnClose(res: Response): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) {
      controller.abort(clientClosed());
    }
  });
  return controller;
}

/**
 * How long a streamed run outlives its connection. A run buffered for a spec client (`attach`
 * with `keepAlive`) survives a disconnect for the grace window, and for as long as a resumed
 * reader is attached; any other run is aborted as soon as its client leaves.
 */
class StreamLifetime {
  readonly abort = new AbortController();
  private log: RunEventLog | undefined;
  private keepAlive = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private gone = false;
  private done = false;

  constructor(
    res: Response,
    private readonly graceMs: number,
  ) {
    res.on('close', () => {
      if (res.writableFinished) return;
      this.gone = true;
      if (!this.keepAlive) this.abortRun();
      else if (this.log?.readers === 0) this.startGrace();
    });
  }

  /** The client left before the run was registered. */
  get clientGone(): boolean {
    return this.gone;
  }

  /** The run's events go to `log`; with `keepAlive` the run survives a disconnect (spec clients). */
  attach(log: RunEventLog, keepAlive: boolean): void {
    this.log = log;
    this.keepAlive = keepAlive;
    log.onReaders((readers) => {
      if (readers > 0 && this.graceTimer) {
        clearTimeout(this.graceTimer);
        this.graceTimer = undefined;
      } else if (readers === 0 && this.gone) {
        this.startGrace();
      }
    });
  }

  /** Whether the run must stop: aborted, or its client left and nobody may resume it (then it is aborted now). */
  stopped(sse: SseWriter): boolean {
    if (sse.isClosed && !this.keepAlive) this.abortRun();
    return this.abort.signal.aborted;
  }

  /** Stops the run now (cancel, shutdown): whether or not a reader is attached. */
  stop(reason: BatonError): void {
    if (!this.abort.signal.aborted) this.abort.abort(reason);
  }

  finish(): void {
    this.done = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.log?.finish();
  }

  private abortRun(): void {
    if (!this.abort.signal.aborted) this.abort.abort(clientClosed());
  }

  private startGrace(): void {
    if (this.graceTimer || this.done) return;
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if ((this.log?.readers ?? 0) === 0) this.abortRun();
    }, this.graceMs);
  }
}

/**
 * Runs `run(0..count-1)` with at most `concurrency` in flight, in order of index; starts no more
 * once `signal` is aborted or an item failed. Resolves when every started item has settled: the
 * outputs, or undefined when any item failed or the signal was aborted.
 */
async function runBounded<T>(
  count: number,
  concurrency: number,
  signal: AbortSignal,
  run: (i: number) => Promise<T>,
): Promise<T[] | undefined> {
  const outputs = new Array<T>(count);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed && !signal.aborted) {
      const i = next++;
      try {
        outputs[i] = await run(i);
      } catch {
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return failed || signal.aborted ? undefined : outputs;
}

/** A LangChain stream event as LangServe sends it: internal (`__`) metadata keys stripped. */
function eventToWire(event: unknown): unknown {
  const wire = toWire(event) as Record<string, unknown> | null;
  if (wire && typeof wire.metadata === 'object' && wire.metadata !== null) {
    wire.metadata = Object.fromEntries(Object.entries(wire.metadata).filter(([k]) => !k.startsWith('__')));
  }
  return wire;
}

/** The `error` event's data: LangServe's `{status_code, message}` plus our stable `code`. */
function errorEvent(be: BatonError): string {
  const { message } = errorBody(be).error;
  return JSON.stringify({ status_code: be.status, message, code: be.code });
}

interface OpenStream {
  readonly runId: string;
  readonly sse: SseWriter;
  readonly emit: (event: string, data?: string) => Promise<void>;
  readonly lifetime: StreamLifetime;
  readonly unregister: () => void;
}

class RouteHandlers {
  private readonly schemas: { input: JsonSchema; output: JsonSchema; config: JsonSchema };
  private readonly name: string;
  private openApiDoc: JsonSchema | undefined;
  /**
   * The one error handler (`@baton/errors/express`): `{error: {code, message, detail?}}` with the
   * error's headers (RFC 6750 for auth). On the SSE routes the body also carries a top-level
   * `message`, the field the official client reads from a failed stream response.
   */
  readonly errors: ErrorRequestHandler;

  constructor(
    private readonly runnable: AnyRunnable,
    private readonly opts: ResolvedOptions,
  ) {
    const name = typeof runnable.getName === 'function' ? runnable.getName() : 'Runnable';
    this.name = name;
    this.schemas = {
      input: opts.inputSchema ? jsonSchemaOf(opts.inputSchema, 'input') : { title: `${name}Input` },
      output: opts.outputSchema ? jsonSchemaOf(opts.outputSchema, 'output') : { title: `${name}Output` },
      config: opts.configSchema
        ? jsonSchemaOf(opts.configSchema, 'input')
        : defaultConfigSchema(`${name}Config`, opts.configKeys, opts.configurableKeys),
    };
    this.errors = errorHandler({
      ...(opts.logger ? { logger: opts.logger } : {}),
      withMessage: (_req, res) => res.locals[SSE_ROUTE as unknown as string] === true,
      codes: opts.errorCodes,
    });
  }

  /** Client config (filtered) + fresh run id + abort signal + identity context, then the per-request modifier. */
  private async runConfig(req: Request, clientConfig: unknown, signal: AbortSignal): Promise<ServerRunConfig & { runId: string }> {
    const runId = randomUUID();
    const { maxRecursionLimit } = this.opts;
    const client = filterClientConfig(clientConfig, this.opts.configKeys, this.opts.configurableKeys, maxRecursionLimit);
    let config: ServerRunConfig = {
      ...client,
      recursionLimit: client.recursionLimit ?? maxRecursionLimit,
      runId,
      signal,
      context: this.opts.context(req),
    };
    if (this.opts.config) {
      config = await this.opts.config(req, config);
      if (typeof config !== 'object' || config === null) throw new TypeError('addRoutes: the config option must return a RunnableConfig');
    }
    return typeof config.runId === 'string' ? (config as ServerRunConfig & { runId: string }) : { ...config, runId };
  }

  private logRunFailure(err: BatonError, route: string, aborted = false): void {
    if (aborted) {
      this.opts.logger?.warn({ route, code: 'REQUEST_ABORTED' }, 'client disconnected; run aborted');
    } else if (err.status >= 500) {
      this.opts.logger?.error({ route, code: err.code, err: describeCause(err.cause ?? err) }, 'runnable failed');
    }
  }

  /**
   * One run; it is aborted at once when the client disconnects (no response then), and answers
   * the cancel (409 `RUNNABLE_RUN_CANCELLED`) or shutdown reason when it was stopped for one.
   */
  invoke: RequestHandler = async (req, res) => {
    const body = parseInvokeBody(req.body);
    const input = validateInput(this.opts.inputSchema, body.input);
    const owner = this.ownerOf(req);
    const release = await admit(this.opts.runs, this.opts.limiter, owner, 1);
    const abort = abortOnClose(res);
    let unregister = () => {};
    let output: unknown;
    let runId: string;
    try {
      const config = await this.runConfig(req, body.config, abort.signal);
      runId = config.runId;
      unregister = this.opts.runs.register(runId, { owner, abort: (r) => abort.abort(r) });
      output = await this.runnable.invoke(input, config);
    } catch (err) {
      const told = toldAbort(abort.signal.reason);
      if (told) throw told;
      if (abort.signal.aborted) return this.logRunFailure(toRunError(err, this.opts.errorCodes), 'invoke', true);
      throw toRunError(err, this.opts.errorCodes);
    } finally {
      unregister();
      await release();
    }
    res.json({ output: toWire(output), metadata: { run_id: runId, feedback_tokens: [] } });
  };

  /**
   * Runs the items `batchConcurrency` at a time, each with one signal combined from the request's
   * (the client left) and the batch's (an item failed): the first failure aborts every sibling,
   * starts no more items, and is the response once all of them have settled.
   */
  batch: RequestHandler = async (req, res) => {
    const body = parseBatchBody(req.body, this.opts.maxBatchSize);
    const inputs = body.inputs.map((input, i) => validateInput(this.opts.inputSchema, input, ['inputs', i]));
    const owner = this.ownerOf(req);
    const release = await admit(this.opts.runs, this.opts.limiter, owner, Math.min(inputs.length, this.opts.batchConcurrency));
    const client = abortOnClose(res);
    const batch = new AbortController();
    const signal = AbortSignal.any([client.signal, batch.signal]);
    const unregister: Array<() => void> = [];
    try {
      const configs = await Promise.all(
        inputs.map((_, i) => this.runConfig(req, Array.isArray(body.config) ? body.config[i] : body.config, signal)),
      );
      for (const c of configs) unregister.push(this.opts.runs.register(c.runId, { owner, abort: (r) => batch.abort(r) }));
      let outputs: unknown[];
      try {
        outputs = await this.runBatch(inputs, configs, signal, batch);
      } catch (err) {
        if (client.signal.aborted) return this.logRunFailure(clientClosed(), 'batch', true);
        throw err;
      }
      const runIds = configs.map((c) => c.runId);
      res.json({
        output: outputs.map((o) => toWire(o)),
        metadata: { run_ids: runIds, responses: runIds.map((run_id) => ({ run_id, feedback_tokens: [] })) },
      });
    } finally {
      for (const u of unregister) u();
      await release();
    }
  };

  /** The items, bounded; throws the first failure (or the cancel/shutdown reason) once every started item settled. */
  private async runBatch(inputs: unknown[], configs: ServerRunConfig[], signal: AbortSignal, batch: AbortController): Promise<unknown[]> {
    let failure: { err: unknown } | undefined;
    const outputs = await runBounded(inputs.length, this.opts.batchConcurrency, signal, async (i) => {
      try {
        return await this.runnable.invoke(inputs[i], configs[i]);
      } catch (err) {
        if (!failure && !signal.aborted) failure = { err };
        if (!batch.signal.aborted) batch.abort(new BatonError('REQUEST_ABORTED', 'Another item of the batch failed'));
        throw err;
      }
    });
    const told = toldAbort(batch.signal.reason);
    if (told && !failure) throw told;
    if (failure || !outputs) throw toRunError(failure?.err, this.opts.errorCodes);
    return outputs;
  }

  /** The verified caller's key (`iss` + `sub`), or undefined when the request has no `Caller`. */
  private ownerOf(req: Request): string | undefined {
    const auth = (req as Request & { auth?: unknown }).auth;
    return isCaller(auth) ? ownerKey(auth) : undefined;
  }

  /**
   * Shared by /stream and /stream_events: request errors are JSON (a refused admission is 429 or
   * 503); once the SSE starts, failures are `error` events. Every event has the id
   * `<run_id>:<seq>`. A request with `Last-Event-ID` is a reconnect and never starts a run (see
   * `resumeSse`). The admission is given back however the run ends.
   */
  private async sse(
    req: Request,
    res: Response,
    route: string,
    iterate: (input: unknown, config: ServerRunConfig) => Promise<AsyncIterable<unknown>>,
    frame: (item: unknown) => unknown,
    metadataEvent = true,
  ): Promise<void> {
    if (req.headers['last-event-id'] !== undefined) return this.resumeSse(req, res, route);
    const body = parseInvokeBody(req.body);
    const input = validateInput(this.opts.inputSchema, body.input);
    const owner = this.ownerOf(req);
    const release = await admit(this.opts.runs, this.opts.limiter, owner, 1);
    try {
      const lifetime = new StreamLifetime(res, this.opts.resume?.graceMs ?? 0);
      const config = await this.runConfig(req, body.config, lifetime.abort.signal);
      const run = this.openStream(req, res, route, owner, config.runId, lifetime);
      try {
        await this.pump(run, route, () => iterate(input, config), frame, metadataEvent);
      } finally {
        run.unregister();
        lifetime.finish();
        run.sse.end();
      }
    } finally {
      await release();
    }
  }

  /** The SSE writer, the resume log and the run's registration (cancel, shutdown) of a new stream. */
  private openStream(
    req: Request,
    res: Response,
    route: string,
    owner: string | undefined,
    runId: string,
    lifetime: StreamLifetime,
  ): OpenStream {
    const specClient = acceptsEventStream(req.get('accept'));
    const resume = this.opts.resume;
    let log: RunEventLog | undefined;
    if (resume && owner !== undefined && !lifetime.clientGone) {
      log = resume.registry.start({ runId, owner, route: `${this.opts.path}/${route}` });
      lifetime.attach(log, specClient);
    }
    const sse = new SseWriter(res, {
      pingIntervalMs: this.opts.pingIntervalMs,
      specClient,
      retryMs: log ? resume?.retryMs : undefined,
      writeDeadlineMs: this.opts.writeDeadlineMs,
      onStall: () =>
        this.opts.logger?.warn({ route, code: 'REQUEST_ABORTED' }, 'SSE reader stopped reading past the write deadline; connection closed'),
    });
    let seq = 0;
    let ended = false;
    const emit = async (event: string, data?: string) => {
      if (ended) return;
      if (event === 'end' || event === 'error') ended = true;
      const s = seq++;
      log?.append(data === undefined ? { seq: s, event } : { seq: s, event, data });
      await sse.send(event, data, eventId(runId, s));
    };
    const unregister = this.opts.runs.register(runId, {
      owner,
      abort: (reason) => lifetime.stop(reason),
      // The drain deadline: the client is told, the response ends, then the run is stopped.
      shutdown: () => {
        const reason = new BatonError('SERVER_SHUTTING_DOWN', 'The service is shutting down', { expose: true });
        void emit('error', errorEvent(reason));
        sse.end();
        lifetime.stop(reason);
      },
    });
    return { runId, sse, emit, lifetime, unregister };
  }

  /** The run's events onto the stream: metadata (when asked), data per item, then `end` or `error`. */
  private async pump(
    run: OpenStream,
    route: string,
    iterate: () => Promise<AsyncIterable<unknown>>,
    frame: (item: unknown) => unknown,
    metadataEvent: boolean,
  ): Promise<void> {
    const { sse, emit, lifetime } = run;
    try {
      if (metadataEvent) await emit('metadata', JSON.stringify({ run_id: run.runId }));
      const stream = await iterate();
      for await (const item of stream) {
        if (lifetime.stopped(sse)) break;
        await emit('data', JSON.stringify(frame(item)));
      }
      if (!lifetime.stopped(sse)) return void (await emit('end'));
      const told = toldAbort(lifetime.abort.signal.reason);
      if (told) await emit('error', errorEvent(told));
      else this.opts.logger?.warn({ route, code: 'REQUEST_ABORTED' }, 'client disconnected; run aborted');
    } catch (err) {
      const told = toldAbort(lifetime.abort.signal.reason);
      const be = told ?? toRunError(err, this.opts.errorCodes);
      const aborted = !told && lifetime.stopped(sse);
      this.logRunFailure(be, route, aborted);
      if (!aborted) await emit('error', errorEvent(be));
    }
  }

  /**
   * `POST {path}/runs/:run_id/cancel`: aborts the caller's own live run (and every agent call
   * it has open) and answers 202. An unknown, finished or other user's run is the same 404
   * `RUNNABLE_RUN_NOT_FOUND`: the route tells nobody which run ids exist.
   */
  cancel: RequestHandler = (req, res) => {
    const owner = this.ownerOf(req);
    const runId = String(req.params.run_id);
    if (owner === undefined || !this.opts.runs.cancel(runId, owner)) throw new BatonError('RUNNABLE_RUN_NOT_FOUND', 'No such run');
    res.status(202).json({ run_id: runId, status: 'cancelling' });
  };

  /**
   * A reconnect (`Last-Event-ID: <run_id>:<seq>`): the events after that id, from the run's
   * buffer and then live, for the run's owner on the same route. Anything else — a malformed id,
   * an unknown, expired or foreign run, an id no longer buffered, a finished run with nothing
   * after the id, no verified caller — is 204, which tells an EventSource client to stop.
   * Never starts a run.
   */
  private async resumeSse(req: Request, res: Response, route: string): Promise<void> {
    const header = req.headers['last-event-id'];
    const parsed = typeof header === 'string' ? parseEventId(header) : undefined;
    const owner = this.ownerOf(req);
    const registry = this.opts.resume?.registry;
    const reader =
      parsed && owner !== undefined && registry
        ? await registry.resume({ runId: parsed.runId, owner, route: `${this.opts.path}/${route}`, after: parsed.seq })
        : undefined;
    if (!reader || !parsed) {
      res.status(204).setHeader('cache-control', 'no-store').end();
      return;
    }
    const sse = new SseWriter(res, {
      pingIntervalMs: this.opts.pingIntervalMs,
      specClient: acceptsEventStream(req.get('accept')),
      retryMs: this.opts.resume?.retryMs,
      writeDeadlineMs: this.opts.writeDeadlineMs,
    });
    res.on('close', () => reader.close());
    try {
      for await (const e of reader.events) {
        if (sse.isClosed) break;
        await sse.send(e.event, e.data, eventId(parsed.runId, e.seq));
      }
    } finally {
      reader.close();
      sse.end();
    }
  }

  stream: RequestHandler = (req, res) => this.sse(req, res, 'stream', (input, config) => this.runnable.stream(input, config), toWire);

  /**
   * LangChain's stream events, v2 unless the request asks for `version: "v1"` (see
   * `streamEventsVersion`); a `metadata` event first only when the body has `metadata_event: true`.
   */
  streamEvents: RequestHandler = (req, res) => {
    const version = streamEventsVersion(req.body);
    const filters = streamFilters(req.body);
    return this.sse(
      req,
      res,
      'stream_events',
      async (input, config) => this.runnable.streamEvents(input, { ...config, version }, filters) as AsyncIterable<unknown>,
      eventToWire,
      wantsMetadataEvent(req.body),
    );
  };

  /**
   * LangChain's own `Runnable.streamLog` (always as diffs: LangServe ignores the client's `diff`,
   * and the official clients rebuild the run with `RunLog.concat`), one `{ops}` data event per
   * `RunLogPatch`; no `metadata` event unless the body has `metadata_event: true`.
   */
  streamLog: RequestHandler = (req, res) => {
    const filters = streamFilters(req.body);
    return this.sse(
      req,
      res,
      'stream_log',
      async (input, config) => this.runnable.streamLog(input, config, filters) as AsyncIterable<unknown>,
      runLogPatchToWire,
      wantsMetadataEvent(req.body),
    );
  };

  /** `GET {path}/openapi.json`, built once from the route table (`ROUTES`) and the schemas. */
  openApi: RequestHandler = (_req, res) => {
    this.openApiDoc ??= openApiDocument({
      path: this.opts.path,
      title: `${this.name} (LangServe routes)`,
      schemas: this.schemas,
      routes: ROUTES,
      bearer: this.opts.auth.length > 0,
    });
    res.json(this.openApiDoc);
  };

  inputSchema: RequestHandler = (_req, res) => void res.json(this.schemas.input);
  outputSchema: RequestHandler = (_req, res) => void res.json(this.schemas.output);
  configSchema: RequestHandler = (_req, res) => void res.json(this.schemas.config);
}

/** `@baton/service`'s `MOUNT_PATH`: where its metrics read a router's configured mount path (a global symbol, no import). */
const MOUNT_PATH = Symbol.for('baton.mountPath');

const markSse: RequestHandler = (_req, res, next) => {
  res.locals[SSE_ROUTE as unknown as string] = true;
  next();
};

/** The routes `addRoutes` mounts, in one table: the router and `openapi.json` are both built from it. */
const ROUTES: readonly RouteSpec[] = [
  { method: 'post', route: '/invoke', summary: 'Run once', body: 'invoke', reply: 'invoke' },
  { method: 'post', route: '/batch', summary: 'Run once per input', body: 'batch', reply: 'batch' },
  {
    method: 'post',
    route: '/stream',
    summary: 'Stream the output chunks (SSE: metadata, data per chunk, end)',
    body: 'invoke',
    reply: 'sse',
  },
  {
    method: 'post',
    route: '/stream_log',
    summary: 'Stream the run log as JSON-patch operations (SSE: data {ops} per patch, end)',
    body: 'stream_log',
    reply: 'sse',
  },
  { method: 'post', route: '/stream_events', summary: 'Stream LangChain stream events (SSE)', body: 'stream_events', reply: 'sse' },
  { method: 'post', route: '/runs/:run_id/cancel', summary: "Cancel the caller's own live run", reply: 'cancel' },
  { method: 'get', route: '/input_schema', summary: 'The input JSON Schema', reply: 'input_schema' },
  { method: 'get', route: '/output_schema', summary: 'The output JSON Schema', reply: 'output_schema' },
  { method: 'get', route: '/config_schema', summary: 'The config JSON Schema', reply: 'config_schema' },
  { method: 'get', route: '/openapi.json', summary: 'This OpenAPI document', reply: 'openapi' },
];

/** Which handler of `RouteHandlers` serves a route: by its reply, or for SSE by its body (`invoke`: `/stream`). */
const ROUTE_HANDLERS: Record<string, keyof RouteHandlers> = {
  invoke: 'invoke',
  batch: 'batch',
  stream: 'stream',
  stream_log: 'streamLog',
  stream_events: 'streamEvents',
  cancel: 'cancel',
  input_schema: 'inputSchema',
  output_schema: 'outputSchema',
  config_schema: 'configSchema',
  openapi: 'openApi',
};

function methodNotAllowed(allow: string[]): RequestHandler {
  const header = allow.join(', ');
  return (req, _res, next) =>
    next(
      new BatonError('REQUEST_INVALID', `${req.method} is not allowed here; use ${header}`, {
        status: 405,
        expose: true,
        headers: { Allow: header },
      }),
    );
}

/**
 * Serves `runnable` over the LangServe wire protocol under `options.path`:
 * `POST invoke | batch | stream | stream_log | stream_events | runs/:run_id/cancel`,
 * `GET input_schema | output_schema | config_schema | openapi.json` (the table `ROUTES`); another
 * method on one of them is 405 with `Allow`.
 * Options are checked now (a bad one is a TypeError); `options.auth` runs before every route,
 * then the JSON body parser (`bodyLimit`). The caller's identity reaches the runnable as
 * `config.context` (LangGraph's per-run context), never through `configurable`.
 */
export function addRoutes(app: IRouter, runnable: AnyRunnable, options: AddRoutesOptions): void {
  if (typeof runnable !== 'object' || runnable === null || typeof runnable.invoke !== 'function' || typeof runnable.stream !== 'function') {
    throw new TypeError('addRoutes: runnable must be a LangChain Runnable');
  }
  const opts = resolveOptions(options);
  const h = new RouteHandlers(runnable, opts);
  const json = express.json({ limit: opts.bodyLimit });
  const router = express.Router();
  // Metrics label these routes with the configured path, never the request's casing of it.
  router.use((req, _res, next) => {
    (req as unknown as Record<symbol, string>)[MOUNT_PATH] = opts.path;
    next();
  });
  for (const spec of ROUTES) {
    const key = spec.reply !== 'sse' ? spec.reply : spec.body === 'invoke' ? 'stream' : spec.body!;
    const handler = h[ROUTE_HANDLERS[key]!] as RequestHandler;
    const pre = spec.reply === 'sse' ? [markSse] : [];
    router[spec.method](spec.route, ...pre, ...opts.auth, ...(spec.body ? [json] : []), handler);
  }
  // Another method on a known route: 405 with `Allow` (before auth: it reveals nothing the document does not).
  for (const route of new Set(ROUTES.map((r) => r.route))) {
    const allow = ROUTES.filter((r) => r.route === route).flatMap((r) => (r.method === 'get' ? ['GET', 'HEAD'] : ['POST']));
    router.all(route, methodNotAllowed(allow));
  }
  router.use(h.errors);
  app.use(opts.path, router);
}
