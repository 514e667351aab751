import { GraphRunnable, type GraphChunk, type GraphRunnableOptions } from '@baton/workflow-server';
import type { WorkflowInput, WorkflowOutput } from '@baton/contract/wire';
import { toOutput, type WorkflowStateType } from './state.js';

/** One chunk of `/workflow/stream`. Keys avoid `text`/`page_content`: LangServe clients revive those. */
export type WorkflowChunk =
  | { event: 'update'; node: string; update: Record<string, unknown> }
  | { event: 'delta'; node: string; revision: number; delta: string }
  | { event: 'output'; output: WorkflowOutput };

/** What a node update says on the wire: small and useful, not the whole state again. */
export function summarize(node: string, update: Partial<WorkflowStateType>): Record<string, unknown> {
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

/** The writer's text as the write node passes it to `config.writer`: a `delta` chunk. */
export function deltaChunk(chunk: unknown): GraphChunk<WorkflowOutput> | undefined {
  const c = chunk as { node?: string; revision?: number; delta?: string };
  return typeof c?.delta === 'string' ? { event: 'delta', node: c.node ?? 'write', revision: c.revision ?? 0, delta: c.delta } : undefined;
}

/** How the workflow's state and stream are put on the wire (the server's `GraphMapping`). */
export const WORKFLOW_MAPPING = {
  input: (input: WorkflowInput) => ({ topic: input.topic }),
  output: (state: Record<string, unknown>) => toOutput(state as Partial<WorkflowStateType>),
  update: (node: string, update: Record<string, unknown>) => summarize(node, update as Partial<WorkflowStateType>),
  custom: deltaChunk,
};

/**
 * The workflow as one LangChain Runnable (`@baton/workflow-server`'s `GraphRunnable` with the
 * workflow's mapping): invoke returns the final report; stream yields node updates, the writer's
 * text as it is written, and the final output last.
 */
export class WorkflowRunnable extends GraphRunnable<WorkflowInput, WorkflowOutput> {
  constructor(options: Pick<GraphRunnableOptions, 'graph' | 'threadedGraph' | 'afterThreadedRun'>) {
    super({ ...options, ...WORKFLOW_MAPPING });
  }
}
