// The workflow's run bounds: concurrent-run limits, the live-run registry (cancel, drain), SSE
// write deadline and resume windows, from the configuration. Kept apart from app.ts and main.ts.
import { ActiveRuns, MemoryRunLimiter, type AddRoutesOptions, type RunLimiter, type RunRegistry } from '@baton/runnable-server';
import type { ShutdownDrain } from '@baton/service';
import type { WorkflowServerConfig as WorkflowConfig } from './config.js';

/** What `createApp` passes on to `addRoutes` for the workflow's routes. */
export type WorkflowRunOptions = Pick<AddRoutesOptions, 'limiter' | 'runs' | 'writeDeadlineMs' | 'resume'>;

export interface WorkflowRuns {
  readonly limiter: RunLimiter;
  readonly runs: ActiveRuns;
  readonly routeOptions: WorkflowRunOptions;
  /** Readiness: false from the first moment of a shutdown. */
  readonly ready: () => boolean;
  /** The graceful shutdown's drain (`runService`'s `drain`). */
  readonly drain: ShutdownDrain;
}

type RunsConfig = Pick<
  WorkflowConfig,
  | 'MAX_RUNS_PER_USER'
  | 'MAX_RUNS_TOTAL'
  | 'SSE_WRITE_DEADLINE_MS'
  | 'STREAM_RESUME_RETENTION_MS'
  | 'STREAM_RESUME_GRACE_MS'
  | 'STREAM_RESUME_MAX_RUNS'
  | 'STREAM_RESUME_MAX_RUNS_PER_USER'
>;

/** The resume registry's run bounds from the configuration (the per-user share at most the total). */
export function resumeBounds(config: Pick<WorkflowConfig, 'STREAM_RESUME_MAX_RUNS' | 'STREAM_RESUME_MAX_RUNS_PER_USER'>): {
  maxRuns: number;
  maxRunsPerOwner: number;
} {
  return {
    maxRuns: config.STREAM_RESUME_MAX_RUNS,
    maxRunsPerOwner: Math.min(config.STREAM_RESUME_MAX_RUNS_PER_USER, config.STREAM_RESUME_MAX_RUNS),
  };
}

/**
 * One per process: the limiter and the resume registry (in-process unless shared ones are given:
 * Redis, for replicas) and the live runs.
 */
export function createWorkflowRuns(config: RunsConfig, shared: { limiter?: RunLimiter; registry?: RunRegistry } = {}): WorkflowRuns {
  const theLimiter = shared.limiter ?? new MemoryRunLimiter({ maxPerUser: config.MAX_RUNS_PER_USER, maxTotal: config.MAX_RUNS_TOTAL });
  const runs = new ActiveRuns();
  return {
    limiter: theLimiter,
    runs,
    routeOptions: {
      limiter: theLimiter,
      runs,
      writeDeadlineMs: config.SSE_WRITE_DEADLINE_MS,
      resume: {
        retentionMs: config.STREAM_RESUME_RETENTION_MS,
        graceMs: config.STREAM_RESUME_GRACE_MS,
        ...resumeBounds(config),
        ...(shared.registry ? { registry: shared.registry } : {}),
      },
    },
    ready: () => !runs.draining,
    drain: { begin: () => runs.beginDrain(), idle: () => runs.whenIdle(), deadline: () => runs.deadline() },
  };
}
