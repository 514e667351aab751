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
// The pieces another route family (`@baton/platform-api`) shares with these routes, so one run
// limit, one live-run registry and one failure mapping hold across both surfaces.
export { admit, toldAbort, type Release } from './admission.js';
export { toRunError } from './run-error.js';
export { ownerKey as runOwnerKey } from './run-registry.js';
export { drainOrDestroy } from './sse.js';
