import { Annotation } from '@langchain/langgraph';
import { z } from 'zod';
import type { Review, Source, WorkflowOutput } from '@baton/contract/wire';

/** The shapes the workflow keeps: `@baton/contract`'s wire schemas (`Source`, `Review` with structured notes). */
export type { Review, Source };

const replace = <T>(fallback: () => T) => ({ reducer: (_: T, next: T) => next, default: fallback });

export const WorkflowState = Annotation.Root({
  topic: Annotation<string>(),
  sources: Annotation<Source[]>(replace<Source[]>(() => [])),
  report: Annotation<string>(replace(() => '')),
  /** The reviewer's latest verdict (`review` in the output; a node is named `review`). */
  verdict: Annotation<Review | null>(replace<Review | null>(() => null)),
  /** How many times the report was rewritten after a review asked for changes. */
  revisions: Annotation<number>(replace(() => 0)),
});

export type WorkflowStateType = typeof WorkflowState.State;

/**
 * The graph's per-run context (LangGraph's `context`): who the run is for. It is never
 * checkpointed, never copied into traces, and read by the remote clients in each node.
 */
export const WorkflowContext = z.object({
  principal: z.custom<{ sub: string }>(
    (v) => typeof v === 'object' && v !== null && typeof (v as { sub?: unknown }).sub === 'string',
    'the run has no authenticated principal',
  ),
  requestId: z.string().optional(),
  traceparent: z.string().optional(),
});

export function toOutput(state: Partial<WorkflowStateType>): WorkflowOutput {
  return {
    topic: state.topic ?? '',
    report: state.report ?? '',
    sources: state.sources ?? [],
    review: state.verdict ?? null,
    revisions: state.revisions ?? 0,
  };
}
