export { addRoutes, type AnyRunnable } from './add-routes.js';
export { DEFAULT_CONFIG_KEYS, type AddRoutesOptions, type ServerRunConfig, type SseResumeOptions } from './options.js';
export {
  MemoryRunRegistry,
  ownerKey,
  parseEventId,
  eventId,
  type MemoryRunRegistryOptions,
  type RunEvent,
  type RunEventLog,
  type RunRegistry,
  type RunResume,
  type RunResumeQuery,
} from './run-registry.js';
export { filterClientConfig } from './run-config.js';
export { toWire } from './serialize.js';
export { toRunError } from './run-error.js';
