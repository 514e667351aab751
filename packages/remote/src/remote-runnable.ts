import {
  Runnable,
  ensureConfig,
  getCallbackManagerForConfig,
  type RunnableBatchOptions,
  type RunnableConfig,
} from '@langchain/core/runnables';
import { concat } from '@langchain/core/utils/stream';
import type { Dispatcher } from 'undici';
import { accessTokenOf, w3cPropagator, type Caller, type RunContext } from '@baton/identity';
import { callerFor, bearerFor } from './credentials.js';
import { RemoteError, describeRemote, safeRemoteText, safeCode, codeForStatus } from './errors.js';
import { CallScope, send, toRemoteError, type Timeouts } from './http.js';
import { resolveOptions, type RemoteRunnableOptions, type ResolvedOptions } from './options.js';
import { SseParser } from './sse.js';

/** One LangChain stream event (v2) as the remote sent it. */
export interface RemoteStreamEvent {
  event: string;
  name?: string;
  run_id?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  data?: Record<string, unknown>;
  parent_ids?: string[];
  [key: string]: unknown;
}

/** A LangChain run config plus LangGraph's per-run `context` (`RunContext`: `{ caller }`). */
export interface RemoteCallOptions extends RunnableConfig {
  context?: Partial<RunContext>;
}

type Config = Partial<RemoteCallOptions>;

function toDict(value: unknown, key: string): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { [key]: value };
}

/**
 * A LangChain Runnable whose work is done by a remote LangServe-protocol endpoint, called as the
 * user the run is for: the `Caller` is read from each call's config (`config.context.caller`), its
 * token exchanged (or, explicitly, passed through) and sent as `Authorization: Bearer`, with its
 * request id and a child of its traceparent. No token state lives on the instance: one client
 * serves every user.
 */
export class RemoteRunnable<I = unknown, O = unknown> extends Runnable<I, O, RemoteCallOptions> {
  lc_namespace = ['baton', 'remote'];

  /** Base URL (no trailing slash). */
  readonly url: string;
  readonly #o: ResolvedOptions<O>;
  readonly #timeouts: Timeouts;

  static override lc_name(): string {
    return 'RemoteRunnable';
  }

  constructor(options: RemoteRunnableOptions<O>) {
    const resolved = resolveOptions(options);
    // Nothing is handed to Serializable: the options hold the exchanger and the dispatcher,
    // which have no business in a trace.
    super();
    this.#o = resolved;
    this.#timeouts = { connectMs: resolved.connectMs, firstByteMs: resolved.firstByteMs, idleMs: resolved.idleMs };
    this.url = resolved.url;
    this.name = resolved.name;
  }

  // ---------------------------------------------------------------------------------------
  // invoke

  override async invoke(input: I, options?: Config): Promise<O> {
    const config = ensureConfig(options) as RemoteCallOptions;
    const runManager = await this.#startRun(input, config);
    let output: O;
    try {
      output = await this.#invokeRemote(input, config);
    } catch (e) {
      await runManager?.handleChainError(e);
      throw e;
    }
    await runManager?.handleChainEnd(toDict(output, 'output'));
    return output;
  }

  async #invokeRemote(input: I, config: RemoteCallOptions): Promise<O> {
    const caller = callerFor(config, this.#o.credentials, this.#o.name);
    const body = JSON.stringify({ input, config: this.#configBody(config), kwargs: {} });
    const { res, scope } = await this.#post('/invoke', body, config, caller, 'application/json', true);
    try {
      const json = await this.#readJson(res, scope);
      if (typeof json !== 'object' || json === null || !('output' in json)) {
        throw this.#protocol('invoke response has no output');
      }
      return this.#parse((json as { output: unknown }).output);
    } finally {
      scope.dispose();
    }
  }

  // ---------------------------------------------------------------------------------------
  // batch

  override async batch(
    inputs: I[],
    options?: Config | Config[],
    batchOptions?: RunnableBatchOptions & { returnExceptions?: false },
  ): Promise<O[]>;
  override async batch(
    inputs: I[],
    options?: Config | Config[],
    batchOptions?: RunnableBatchOptions & { returnExceptions: true },
  ): Promise<(O | Error)[]>;
  override async batch(inputs: I[], options?: Config | Config[], batchOptions?: RunnableBatchOptions): Promise<(O | Error)[]>;
  override async batch(inputs: I[], options?: Config | Config[], batchOptions?: RunnableBatchOptions): Promise<(O | Error)[]> {
    if (inputs.length === 0) return [];
    if (Array.isArray(options) && options.length !== inputs.length) {
      throw new TypeError(`RemoteRunnable.batch: got ${options.length} configs for ${inputs.length} inputs`);
    }
    const configs = inputs.map((_, i) => ensureConfig(Array.isArray(options) ? options[i] : options) as RemoteCallOptions);
    const runManagers = await Promise.all(configs.map((config, i) => this.#startRun(inputs[i] as I, config)));

    const results: (O | Error)[] = new Array(inputs.length);
    const failed = new Set<number>();
    // One HTTP request carries one Authorization: inputs of different callers' tokens go separately.
    const groups = new Map<string | undefined, number[]>();
    const callers: (Caller | undefined)[] = [];
    configs.forEach((config, i) => {
      try {
        callers[i] = callerFor(config, this.#o.credentials, this.#o.name);
        const key = this.#o.credentials.strategy === 'none' ? undefined : accessTokenOf(callers[i]);
        const group = groups.get(key);
        if (group) group.push(i);
        else groups.set(key, [i]);
      } catch (e) {
        results[i] = e as Error;
        failed.add(i);
      }
    });
    await Promise.all(
      [...groups.values()].map(async (idx) => {
        try {
          const outs = await this.#batchRemote(
            idx.map((i) => inputs[i] as I),
            idx.map((i) => configs[i] as RemoteCallOptions),
            callers[idx[0]!],
          );
          idx.forEach((i, k) => (results[i] = outs[k] as O));
        } catch (e) {
          for (const i of idx) {
            results[i] = e as Error;
            failed.add(i);
          }
        }
      }),
    );
    await Promise.all(
      runManagers.map((rm, i) => (failed.has(i) ? rm?.handleChainError(results[i]) : rm?.handleChainEnd(toDict(results[i], 'output')))),
    );
    if (!batchOptions?.returnExceptions) {
      const first = [...failed].sort((a, b) => a - b)[0];
      if (first !== undefined) throw results[first];
    }
    return results;
  }

  async #batchRemote(inputs: I[], configs: RemoteCallOptions[], caller: Caller | undefined): Promise<O[]> {
    const lead = configs[0] as RemoteCallOptions;
    const body = JSON.stringify({ inputs, config: configs.map((c) => this.#configBody(c)), kwargs: {} });
    const { res, scope } = await this.#post('/batch', body, lead, caller, 'application/json', true);
    try {
      const json = await this.#readJson(res, scope);
      const output = (json as { output?: unknown } | null)?.output;
      if (!Array.isArray(output) || output.length !== inputs.length) {
        throw this.#protocol(`batch response must have an output array of ${inputs.length}`);
      }
      return output.map((o) => this.#parse(o));
    } finally {
      scope.dispose();
    }
  }

  // ---------------------------------------------------------------------------------------
  // stream

  override _streamIterator(input: I, options?: Config): AsyncGenerator<O> {
    // A generator cannot be returned while it awaits the network, and LangChain's stream reads
    // ahead: so `return()` (consumer stopped, stream cancelled) first cuts the connection.
    const stop = new AbortController();
    const generator = this.#streamTraced(input, options, stop.signal);
    const returnFn = generator.return.bind(generator);
    generator.return = (value) => {
      stop.abort();
      return returnFn(value);
    };
    return generator;
  }

  async *#streamTraced(input: I, options: Config | undefined, stop: AbortSignal): AsyncGenerator<O> {
    const config = ensureConfig(options) as RemoteCallOptions;
    const runManager = await this.#startRun(input, config);
    let final: unknown;
    // The aggregate is only for the callbacks' chain end: none listening, none built.
    let concatenable = runManager !== undefined;
    try {
      for await (const chunk of this.#streamRemote(input, config, stop)) {
        yield chunk;
        if (concatenable) {
          try {
            final = final === undefined ? chunk : concat(final as never, chunk as never);
          } catch {
            final = undefined;
            concatenable = false;
          }
        }
      }
    } catch (e) {
      await runManager?.handleChainError(e);
      throw e;
    }
    await runManager?.handleChainEnd(toDict(final ?? {}, 'output'));
  }

  async *#streamRemote(input: I, config: RemoteCallOptions, stop: AbortSignal): AsyncGenerator<O> {
    const body = JSON.stringify({ input, config: this.#configBody(config), kwargs: {} });
    if (!this.#o.coalesceStrings) {
      for await (const value of this.#sse('/stream', body, config, stop)) yield this.#parse(value);
      return;
    }
    for await (const batch of this.#sseBatches('/stream', body, config, stop)) {
      let text: string | undefined;
      for (const value of batch) {
        const chunk = this.#parse(value);
        if (typeof chunk === 'string') {
          text = text === undefined ? chunk : text + chunk;
          continue;
        }
        if (text !== undefined) yield text as O;
        text = undefined;
        yield chunk;
      }
      if (text !== undefined) yield text as O;
    }
  }

  /**
   * The remote's own LangChain stream events (`POST {url}/stream_events`, v2 shape), passed
   * through as they arrive. Unlike `streamEvents()` — which reports this client as one chain
   * run — this shows what happened inside the agent. Filters are sent as LangServe expects.
   */
  streamRemoteEvents(
    input: I,
    options?: Config,
    filters: {
      includeNames?: string[];
      includeTypes?: string[];
      includeTags?: string[];
      excludeNames?: string[];
      excludeTypes?: string[];
      excludeTags?: string[];
    } = {},
  ): AsyncGenerator<RemoteStreamEvent> {
    const stop = new AbortController();
    const config = ensureConfig(options) as RemoteCallOptions;
    const body = JSON.stringify({
      input,
      config: this.#configBody(config),
      kwargs: {},
      include_names: filters.includeNames,
      include_types: filters.includeTypes,
      include_tags: filters.includeTags,
      exclude_names: filters.excludeNames,
      exclude_types: filters.excludeTypes,
      exclude_tags: filters.excludeTags,
    });
    const generator = this.#remoteEvents(body, config, stop.signal);
    const returnFn = generator.return.bind(generator);
    generator.return = (value) => {
      stop.abort();
      return returnFn(value);
    };
    return generator;
  }

  async *#remoteEvents(body: string, config: RemoteCallOptions, stop: AbortSignal): AsyncGenerator<RemoteStreamEvent> {
    for await (const value of this.#sse('/stream_events', body, config, stop)) {
      if (typeof value !== 'object' || value === null || typeof (value as { event?: unknown }).event !== 'string') {
        throw this.#protocol('stream_events data is not a stream event');
      }
      yield value as RemoteStreamEvent;
    }
  }

  /** POSTs and yields each `data` event's JSON as it arrives; `error` events throw. */
  async *#sse(path: string, body: string, config: RemoteCallOptions, stop: AbortSignal): AsyncGenerator<unknown> {
    for await (const batch of this.#sseBatches(path, body, config, stop)) yield* batch;
  }

  /** POSTs and yields, per network read, the JSON of the `data` events it completed; `error` events throw (after what came before them). */
  async *#sseBatches(path: string, body: string, config: RemoteCallOptions, stop: AbortSignal): AsyncGenerator<unknown[]> {
    const caller = callerFor(config, this.#o.credentials, this.#o.name);
    // Never retried once the request may have reached the agent: no 503 retry for streams.
    const { res, scope } = await this.#post(path, body, config, caller, 'text/event-stream', false, stop);
    let done = false;
    try {
      const type = String(res.headers['content-type'] ?? '');
      if (type && !type.toLowerCase().startsWith('text/event-stream')) {
        throw this.#protocol('stream response is not text/event-stream');
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const iterator = res.body[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<unknown>;
        try {
          next = await iterator.next();
        } catch (err) {
          throw toRemoteError(err, this.#o.name, scope, this.#timeouts, 'body');
        }
        if (next.done) break;
        let events;
        try {
          events = parser.push(decoder.decode(next.value as Buffer, { stream: true }));
        } catch {
          throw this.#protocol('invalid event stream');
        }
        const batch: unknown[] = [];
        for (const event of events) {
          if (event.event === 'data' || event.event === 'message') {
            try {
              batch.push(JSON.parse(event.data));
            } catch {
              if (batch.length > 0) yield batch;
              throw this.#protocol('stream data event is not JSON');
            }
          } else if (event.event === 'error') {
            if (batch.length > 0) yield batch;
            throw this.#streamError(event.data);
          } else if (event.event === 'end') {
            done = true;
          }
          // `metadata` and unknown events are ignored.
        }
        if (batch.length > 0) yield batch;
        if (done) break;
      }
      done = true;
    } finally {
      // Stopped early (consumer broke out, error): close the connection so the agent sees it.
      if (!done) res.body.destroy();
      else res.body.resume();
      scope.dispose();
    }
  }

  #streamError(data: string): RemoteError {
    let status: number | undefined;
    let code: string | undefined;
    let message: string | undefined;
    try {
      const json = JSON.parse(data) as Record<string, unknown> | null;
      const inner = (typeof json?.error === 'object' && json.error !== null ? json.error : json) as Record<string, unknown> | null;
      const s = json?.status_code ?? json?.status ?? inner?.status;
      status = typeof s === 'number' && Number.isInteger(s) && s >= 400 && s <= 599 ? s : undefined;
      code = safeCode(inner?.code);
      message = safeRemoteText(inner?.message ?? json?.message);
    } catch {
      // An unparseable error event is still an error.
    }
    let text = `${describeRemote(this.#o.name)}: stream failed`;
    if (status) text += ` with ${status}`;
    if (code) text += ` (${code})`;
    if (message) text += `: ${message}`;
    return new RemoteError(status ? codeForStatus(status) : 'REMOTE_UNAVAILABLE', text, {
      remote: this.#o.name,
      ...(status ? { remoteStatus: status } : {}),
      ...(code ? { remoteCode: code } : {}),
    });
  }

  // ---------------------------------------------------------------------------------------
  // plumbing

  /** Opens this call's traced run (callbacks from the config), as LangChain's own runnables do. */
  async #startRun(input: I, config: RemoteCallOptions) {
    const callbacks = await getCallbackManagerForConfig(config);
    // No handler (no tracer, no callback): no run to open, no ids to draw, nothing to aggregate.
    if (!callbacks || callbacks.handlers.length === 0) return undefined;
    return callbacks.handleChainStart(
      this.toJSON(),
      toDict(input, 'input'),
      config.runId,
      undefined,
      undefined,
      undefined,
      config.runName ?? this.getName(),
    );
  }

  /** Only allow-listed keys of the caller's config go downstream; never configurable or context. */
  #configBody(config: RemoteCallOptions): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of this.#o.forwardConfig) {
      if (key === 'tags' && Array.isArray(config.tags)) out.tags = config.tags.filter((t) => typeof t === 'string');
      if (key === 'run_name' && typeof config.runName === 'string') out.run_name = config.runName;
      if (key === 'recursion_limit' && typeof config.recursionLimit === 'number') out.recursion_limit = config.recursionLimit;
    }
    return out;
  }

  #headers(hop: Record<string, string>, bearer: string | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { ...this.#o.headers, 'content-type': 'application/json', accept, ...hop };
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
    return headers;
  }

  async #post(
    path: string,
    body: string,
    config: RemoteCallOptions,
    caller: Caller | undefined,
    accept: string,
    retry503: boolean,
    stop?: AbortSignal,
  ): Promise<{ res: Dispatcher.ResponseData; scope: CallScope }> {
    const scope = new CallScope([config.signal, stop], this.#o.totalMs);
    try {
      if (scope.cancelled) throw scope.signal.reason;
      // This hop's correlation, minted once: the agent and the issuer see the same child traceparent.
      const hop: Record<string, string> = {};
      w3cPropagator.inject(caller ?? {}, hop);
      const bearer = await bearerFor(caller, this.#o.credentials, this.#o.name, scope.signal, hop.traceparent!);
      const res = await send({
        url: `${this.#o.url}${path}`,
        body,
        headers: this.#headers(hop, bearer, accept),
        dispatcher: this.#o.dispatcher,
        timeouts: this.#timeouts,
        remote: this.#o.name,
        scope,
        attempts: this.#o.attempts,
        backoffMs: this.#o.backoffMs,
        retry503,
      });
      return { res, scope };
    } catch (err) {
      scope.dispose();
      throw toRemoteError(err, this.#o.name, scope, this.#timeouts, 'request');
    }
  }

  async #readJson(res: Dispatcher.ResponseData, scope: CallScope): Promise<unknown> {
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw toRemoteError(err, this.#o.name, scope, this.#timeouts, 'body');
    }
    try {
      return JSON.parse(text);
    } catch {
      throw this.#protocol('response is not JSON');
    }
  }

  #parse(value: unknown): O {
    if (!this.#o.parseOutput) return value as O;
    try {
      return this.#o.parseOutput(value);
    } catch (err) {
      throw new RemoteError('REMOTE_PROTOCOL', `${describeRemote(this.#o.name)}: output rejected by parseOutput`, {
        remote: this.#o.name,
        cause: err,
      });
    }
  }

  #protocol(what: string): RemoteError {
    return new RemoteError('REMOTE_PROTOCOL', `${describeRemote(this.#o.name)}: ${what}`, { remote: this.#o.name });
  }
}
