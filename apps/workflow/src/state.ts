import { Annotation } from '@langchain/langgraph';
import { RunContext } from '@baton/identity';
import { upgradeReviewNote, type Review, type Source, type WorkflowOutput } from '@baton/contract/wire';

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
 * The graph's per-run context (LangGraph's `context`): who the run is for, `{ caller }`, as
 * `@baton/identity` defines it for every service. Never checkpointed, never copied into traces,
 * read by the remote clients in each node.
 */
export const WorkflowContext = RunContext;

/** The verdict with its notes in the current shape (a checkpoint saved before notes had `message` has `text`). */
export function currentVerdict(verdict: Review | null | undefined): Review | null {
  return verdict ? { ...verdict, notes: verdict.notes.map(upgradeReviewNote) } : null;
}

export function toOutput(state: Partial<WorkflowStateType>): WorkflowOutput {
  return {
    topic: state.topic ?? '',
    report: state.report ?? '',
    sources: state.sources ?? [],
    review: currentVerdict(state.verdict),
    revisions: state.revisions ?? 0,
  };
}
