export { addRoutes, type AnyRunnable } from './add-routes.js';
export type { AddRoutesOptions, ServerRunConfig, SseResumeOptions } from './options.js';
export {
  MemoryRunRegistry,
  type MemoryRunRegistryOptions,
  type RunEvent,
  type RunEventLog,
  type RunRegistry,
  type RunResume,
  type RunResumeQuery,
} from './run-registry.js';
export type { RunAdmission, RunLease, RunLimiter, RunRefusal } from './run-limiter.js';
export { MemoryRunLimiter, type MemoryRunLimiterOptions } from './memory-run-limiter.js';
export { ActiveRuns, type ActiveRun } from './active-runs.js';
