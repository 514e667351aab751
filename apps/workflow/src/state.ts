import { Annotation } from '@langchain/langgraph';
import { RunContext } from '@baton/identity';
import { z } from 'zod';

/** A passage the research agent found (the research agent's output contract). */
export interface Source {
  id: string;
  title: string;
  url: string;
  excerpt: string;
  score: number;
}

/** The reviewer agent's verdict. */
export interface Review {
  approved: boolean;
  notes: string[];
  checks?: Record<string, boolean>;
}

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

export const WorkflowInput = z.object({
  topic: z.string().trim().min(1, 'topic must not be empty').max(500, 'topic is at most 500 characters'),
});
export type WorkflowInput = z.infer<typeof WorkflowInput>;

export interface WorkflowOutput {
  topic: string;
  report: string;
  sources: Source[];
  review: Review | null;
  revisions: number;
}

export const WorkflowOutputSchema = z.object({
  topic: z.string(),
  report: z.string(),
  sources: z.array(z.object({ id: z.string(), title: z.string(), url: z.string(), excerpt: z.string(), score: z.number() })),
  review: z.object({ approved: z.boolean(), notes: z.array(z.string()), checks: z.record(z.string(), z.boolean()).optional() }).nullable(),
  revisions: z.number().int(),
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
