import { getCallbackManagerForConfig, Runnable, type RunnableConfig } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';

/**
 * What the server needs of a compiled LangGraph graph (a `CompiledStateGraph`): invoke, stream,
 * and, with a checkpointer, `getState` for threads and resume.
 */
export interface ServedGraph {
  invoke(input: unknown, options?: unknown): Promise<unknown>;
  stream(input: unknown, options?: unknown): Promise<AsyncIterable<unknown>>;
  getState(config: { configurable: { thread_id: string } }): Promise<{ values?: unknown; next: readonly string[]; createdAt?: string }>;
}

/** One chunk of `{path}/stream`. Keys avoid `text`/`page_content`: LangServe clients revive those. */
export type GraphChunk<O = unknown> =
  | { event: 'update'; node: string; update: Record<string, unknown> }
  | { event: 'output'; output: O }
  | ({ event: string } & Record<string, unknown>);

/** How a graph's state and stream become what the routes answer. Every mapping is optional. */
export interface GraphMapping<I = unknown, O = unknown> {
  /** The graph's input from a run's input (default: the input itself). */
  input?: (input: I) => unknown;
  /** The run's output from the graph's final state (default: the state itself). Also a thread's `values`. */
  output?: (state: Record<string, unknown>) => O;
  /** What a node's update says on the wire (default: the update itself). */
  update?: (node: string, update: Record<string, unknown>) => Record<string, unknown>;
  /** A chunk a node wrote with `config.writer(chunk)` (stream mode `custom`) as a stream chunk; undefined drops it. Default `{ event: 'custom', data }`. */
  custom?: (chunk: unknown) => GraphChunk<O> | undefined;
}

export interface GraphRunnableOptions<I = unknown, O = unknown> extends GraphMapping<I, O> {
  /** The graph without a checkpointer: runs without a `thread_id`. */
  graph: ServedGraph;
  /** The graph with a checkpointer: runs with a `thread_id` (absent when threads are off). */
  threadedGraph?: ServedGraph;
  /** Called with the (scoped) thread id after every threaded run, finished or failed: history cap, size, index. */
  afterThreadedRun?: (threadId: string) => Promise<void>;
  /** The run name in traces (default `workflow`). */
  name?: string;
}

const identity = <T>(x: T) => x;

/**
 * A compiled graph as one LangChain Runnable, so `@baton/runnable-server` serves it like any agent:
 * invoke returns the output of the final state; stream yields node updates, the chunks nodes write
 * (`config.writer`), and the final output last. A `null` input continues a thread from its last
 * checkpoint (as LangGraph does), which only a threaded run may ask for.
 */
export class GraphRunnable<I = unknown, O = unknown> extends Runnable<I | null, O | GraphChunk<O>, RunnableConfig> {
  override lc_namespace = ['baton', 'workflow'];
  private readonly options: GraphRunnableOptions<I, O>;

  constructor(options: GraphRunnableOptions<I, O>) {
    super();
    this.options = options;
  }

  static override lc_name() {
    return 'BatonWorkflow';
  }

  private output(state: Record<string, unknown>): O {
    return (this.options.output ?? (identity as (s: Record<string, unknown>) => O))(state);
  }

  /** The thread id when this run is threaded (a `thread_id` and a checkpointed graph), else undefined. */
  private threadOf(config?: Partial<RunnableConfig>): string | undefined {
    const id: unknown = config?.configurable?.thread_id;
    return id !== undefined && this.options.threadedGraph ? String(id) : undefined;
  }

  /**
   * The graph and the options for a run. A threaded run writes each checkpoint before the next
   * step starts (`durability: 'sync'`), whatever tuning unthreaded runs get: a crash or a second
   * replica never sees a thread behind what its caller was told.
   */
  private plan(options: Partial<RunnableConfig> | undefined, extra: Record<string, unknown>) {
    const thread = this.threadOf(options);
    const graph = thread !== undefined ? this.options.threadedGraph! : this.options.graph;
    const config = { ...(options ?? {}), ...extra, ...(thread !== undefined ? { durability: 'sync' as const } : {}) };
    return { graph, config, thread };
  }

  /**
   * What goes into the graph: the mapped input, or `null` to resume a thread from its last
   * checkpoint (the app checks that the thread is the caller's and exists; a finished thread just
   * answers its final state again). A null input without a thread has nothing to resume: 422.
   */
  private graphInput(input: I | null, thread: string | undefined): unknown {
    if (input !== null && input !== undefined) return (this.options.input ?? identity)(input);
    if (thread === undefined) {
      throw new BatonError('RUNNABLE_INPUT_INVALID', 'input may be null only to resume a thread: pass config.configurable.thread_id');
    }
    return null;
  }

  /** Runs the after-run hook of a threaded run; a failure of the hook is reported only when the run itself succeeded. */
  private async settle(thread: string | undefined, failed: boolean): Promise<void> {
    const after = this.options.afterThreadedRun;
    if (thread === undefined || !after) return;
    if (failed) await after(thread).catch(() => {});
    else await after(thread);
  }

  override async invoke(input: I | null, options?: RunnableConfig): Promise<O> {
    const { graph, config, thread } = this.plan(options, { runName: options?.runName ?? this.options.name ?? 'workflow' });
    const graphInput = this.graphInput(input, thread);
    let state: unknown;
    try {
      state = await graph.invoke(graphInput, config);
    } catch (err) {
      await this.settle(thread, true);
      throw err;
    }
    await this.settle(thread, false);
    return this.output(state as Record<string, unknown>);
  }

  /**
   * The stream is the service's own run (the graph's is its child), ending with the same output as
   * invoke: what `streamLog` reports as the root run's `final_output` (LangServe's stream_log).
   */
  override async *_streamIterator(input: I | null, options?: Partial<RunnableConfig>): AsyncGenerator<GraphChunk<O>> {
    const { thread } = this.plan(options, {});
    const graphInput = this.graphInput(input, thread);
    const callbacks = await getCallbackManagerForConfig(options);
    const run = await callbacks?.handleChainStart(
      this.toJSON(),
      { input },
      options?.runId,
      undefined,
      undefined,
      undefined,
      options?.runName ?? this.name,
    );
    let failed = true;
    let output: O | undefined;
    try {
      const childOptions = run ? { ...options, runId: undefined, runName: undefined, callbacks: run.getChild() } : options;
      for await (const chunk of this.streamGraph(graphInput, childOptions)) {
        if (chunk.event === 'output') output = chunk.output as O;
        yield chunk;
      }
      failed = false;
    } catch (err) {
      await run?.handleChainError(err);
      throw err;
    } finally {
      await this.settle(thread, failed);
    }
    await run?.handleChainEnd((output ?? {}) as Record<string, unknown>);
  }

  private async *streamGraph(input: unknown, options?: Partial<RunnableConfig>): AsyncGenerator<GraphChunk<O>> {
    const { graph, config } = this.plan(options, { streamMode: ['updates', 'custom', 'values'] });
    const stream = await graph.stream(input, config);
    const custom = this.options.custom ?? ((data: unknown) => ({ event: 'custom', data }));
    const update = this.options.update ?? ((_node: string, u: Record<string, unknown>) => u);
    let last: Record<string, unknown> = {};
    for await (const item of stream as AsyncIterable<[string, unknown]>) {
      const [mode, chunk] = item;
      if (mode === 'custom') {
        const c = custom(chunk);
        if (c !== undefined) yield c;
      } else if (mode === 'updates') {
        for (const [node, u] of Object.entries(chunk as Record<string, Record<string, unknown> | undefined>)) {
          yield { event: 'update', node, update: update(node, u ?? {}) };
        }
      } else if (mode === 'values') {
        last = chunk as Record<string, unknown>;
      }
    }
    yield { event: 'output', output: this.output(last) };
  }
}
