import type express from 'express';
import { workflowInputSchema, workflowOutputSchema } from '@baton/contract/wire';
import { createWorkflowApp, type WorkflowAppDeps as ServerAppDeps } from '@baton/workflow-server';
import { workflowRecursionLimit, type WorkflowGraph } from './graph.js';
import { WORKFLOW_MAPPING, type WorkflowRunnable } from './runnable.js';

export interface WorkflowAppDeps extends Omit<
  ServerAppDeps,
  'workflow' | 'threadedGraph' | 'path' | 'inputSchema' | 'outputSchema' | 'threadValues'
> {
  workflow: WorkflowRunnable;
  /** The checkpointed graph, when threads are on: serves `GET /workflow/threads/:thread_id`. */
  threadedGraph?: WorkflowGraph;
}

/**
 * The workflow service's app: `@baton/workflow-server`'s `createWorkflowApp` at `/workflow` with
 * the workflow's input and output schemas; the recursion limit defaults to what a run with the
 * default `maxRevisions` needs.
 */
export function createApp(deps: WorkflowAppDeps): express.Express {
  return createWorkflowApp({
    path: '/workflow',
    inputSchema: workflowInputSchema,
    outputSchema: workflowOutputSchema,
    threadValues: WORKFLOW_MAPPING.output,
    maxRecursionLimit: workflowRecursionLimit(),
    ...deps,
  });
}
