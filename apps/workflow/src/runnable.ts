import { getCallbackManagerForConfig, Runnable, type RunnableConfig } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';
import type { WorkflowGraph } from './graph.js';
import type { WorkflowInput, WorkflowOutput } from '@baton/contract/wire';
import { toOutput, type WorkflowStateType } from './state.js';

/** One chunk of `/workflow/stream`. Keys avoid `text`/`page_content`: LangServe clients revive those. */
export type WorkflowChunk =
  | { event: 'update'; node: string; update: Record<string, unknown> }
  | { event: 'delta'; node: string; revision: number; delta: string }
  | { event: 'output'; output: WorkflowOutput };

export interface WorkflowRunnableOptions {
  /** The graph without a checkpointer: runs without a `thread_id`. */
  graph: WorkflowGraph;
  /** The graph with a checkpointer: runs with a `thread_id` (absent when threads are off). */
  threadedGraph?: WorkflowGraph;
  /** Called with the (scoped) thread id after every threaded run, finished or failed: history cap, size, index. */
  afterThreadedRun?: (threadId: string) => Promise<void>;
}

/**
 * A run's input: a topic starts the graph; `null` continues a thread from its last checkpoint (as
 * LangGraph does for a null input), which only a threaded run may ask for.
 */
export type WorkflowRunInput = WorkflowInput | null;

/** What a node update says on the wire: small and useful, not the whole state again. */
function summarize(node: string, update: Partial<WorkflowStateType>): Record<string, unknown> {
  switch (node) {
    case 'research':
      return { sources: (update.sources ?? []).map((s) => ({ id: s.id, title: s.title, url: s.url, score: s.score })) };
    case 'write':
      return { report_chars: update.report?.length ?? 0, revision: update.revisions ?? 0 };
    case 'review':
      return { review: update.verdict ?? null };
    default:
      return {};
  }
}

/**
 * The workflow as one LangChain Runnable, so `@baton/runnable-server` serves it like any agent:
 * invoke returns the final report; stream yields node updates, the writer's text as it is
 * written, and the final output last.
 */
export class WorkflowRunnable extends Runnable<WorkflowRunInput, WorkflowOutput | WorkflowChunk, RunnableConfig> {
  override lc_namespace = ['baton', 'workflow'];
  private readonly graph: WorkflowGraph;
  private readonly threadedGraph: WorkflowGraph | undefined;
  private readonly afterThreadedRun: ((threadId: string) => Promise<void>) | undefined;

  constructor(options: WorkflowRunnableOptions) {
    super();
    this.graph = options.graph;
    this.threadedGraph = options.threadedGraph;
    this.afterThreadedRun = options.afterThreadedRun;
  }

  static override lc_name() {
    return 'BatonWorkflow';
  }

  /** The thread id when this run is threaded (a `thread_id` and a checkpointed graph), else undefined. */
  private threadOf(config?: Partial<RunnableConfig>): string | undefined {
    const id: unknown = config?.configurable?.thread_id;
    return id !== undefined && this.threadedGraph ? String(id) : undefined;
  }

  /**
   * The graph and the options for a run. A threaded run writes each checkpoint before the next
   * step starts (`durability: 'sync'`), whatever tuning unthreaded runs get: a crash or a second
   * replica never sees a thread behind what its caller was told.
   */
  private plan(options: Partial<RunnableConfig> | undefined, extra: Record<string, unknown>) {
    const thread = this.threadOf(options);
    const graph = thread !== undefined ? this.threadedGraph! : this.graph;
    const config = { ...(options ?? {}), ...extra, ...(thread !== undefined ? { durability: 'sync' as const } : {}) };
    return { graph, config, thread };
  }

  /**
   * What goes into the graph: the topic, or `null` to resume a thread from its last checkpoint
   * (the app checks that the thread is the caller's and exists; a finished thread just answers
   * its final state again). A null input without a thread has nothing to resume: 422.
   */
  private graphInput(input: WorkflowRunInput, thread: string | undefined): { topic: string } | null {
    if (input !== null && input !== undefined) return { topic: input.topic };
    if (thread === undefined) {
      throw new BatonError('RUNNABLE_INPUT_INVALID', 'input may be null only to resume a thread: pass config.configurable.thread_id');
    }
    return null;
  }

  /** Runs the after-run hook of a threaded run; a failure of the hook is reported only when the run itself succeeded. */
  private async settle(thread: string | undefined, failed: boolean): Promise<void> {
    if (thread === undefined || !this.afterThreadedRun) return;
    if (failed) await this.afterThreadedRun(thread).catch(() => {});
    else await this.afterThreadedRun(thread);
  }

  override async invoke(input: WorkflowRunInput, options?: RunnableConfig): Promise<WorkflowOutput> {
    const { graph, config, thread } = this.plan(options, { runName: options?.runName ?? 'workflow' });
    const graphInput = this.graphInput(input, thread);
    let state: unknown;
    try {
      state = await graph.invoke(graphInput, config as never);
    } catch (err) {
      await this.settle(thread, true);
      throw err;
    }
    await this.settle(thread, false);
    return toOutput(state as WorkflowStateType);
  }

  /**
   * The stream is the workflow's own run (the graph's is its child), ending with the same output
   * as invoke: what `streamLog` reports as the root run's `final_output` (LangServe's stream_log).
   */
  override async *_streamIterator(input: WorkflowRunInput, options?: Partial<RunnableConfig>): AsyncGenerator<WorkflowChunk> {
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
      options?.runName ?? 'workflow',
    );
    let failed = true;
    let output: WorkflowOutput | undefined;
    try {
      for await (const chunk of this.streamGraph(
        graphInput,
        run ? { ...options, runId: undefined, runName: undefined, callbacks: run.getChild() } : options,
      )) {
        if (chunk.event === 'output') output = chunk.output;
        yield chunk;
      }
      failed = false;
    } catch (err) {
      await run?.handleChainError(err);
      throw err;
    } finally {
      await this.settle(thread, failed);
    }
    await run?.handleChainEnd(output ?? {});
  }

  private async *streamGraph(input: { topic: string } | null, options?: Partial<RunnableConfig>): AsyncGenerator<WorkflowChunk> {
    const { graph, config } = this.plan(options, { streamMode: ['updates', 'custom', 'values'] });
    const stream = await graph.stream(input, config as never);
    let last: Partial<WorkflowStateType> = {};
    for await (const item of stream as AsyncIterable<[string, unknown]>) {
      const [mode, chunk] = item;
      if (mode === 'custom') {
        const c = chunk as { node?: string; revision?: number; delta?: string };
        if (typeof c.delta === 'string') yield { event: 'delta', node: c.node ?? 'write', revision: c.revision ?? 0, delta: c.delta };
      } else if (mode === 'updates') {
        for (const [node, update] of Object.entries(chunk as Record<string, Partial<WorkflowStateType>>)) {
          yield { event: 'update', node, update: summarize(node, update ?? {}) };
        }
      } else if (mode === 'values') {
        last = chunk as Partial<WorkflowStateType>;
      }
    }
    yield { event: 'output', output: toOutput(last) };
  }
}
