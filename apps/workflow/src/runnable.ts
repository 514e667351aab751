import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
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
}

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
export class WorkflowRunnable extends Runnable<WorkflowInput, WorkflowOutput | WorkflowChunk, RunnableConfig> {
  override lc_namespace = ['baton', 'workflow'];
  private readonly graph: WorkflowGraph;
  private readonly threadedGraph: WorkflowGraph | undefined;

  constructor(options: WorkflowRunnableOptions) {
    super();
    this.graph = options.graph;
    this.threadedGraph = options.threadedGraph;
  }

  static override lc_name() {
    return 'BatonWorkflow';
  }

  private graphFor(config?: RunnableConfig): WorkflowGraph {
    return config?.configurable?.thread_id !== undefined && this.threadedGraph ? this.threadedGraph : this.graph;
  }

  override async invoke(input: WorkflowInput, options?: RunnableConfig): Promise<WorkflowOutput> {
    const config = { ...(options ?? {}), runName: options?.runName ?? 'workflow' };
    const state = await this.graphFor(options).invoke({ topic: input.topic }, config as never);
    return toOutput(state as WorkflowStateType);
  }

  override async *_streamIterator(input: WorkflowInput, options?: Partial<RunnableConfig>): AsyncGenerator<WorkflowChunk> {
    const graph = this.graphFor(options as RunnableConfig);
    const stream = await graph.stream({ topic: input.topic }, { ...(options ?? {}), streamMode: ['updates', 'custom', 'values'] } as never);
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
