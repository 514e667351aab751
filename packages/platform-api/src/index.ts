export { platformApi } from './router.js';
export { PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS } from './error-codes.js';
export type {
  PlatformApiOptions,
  PlatformGraph,
  PlatformGraphRunnable,
  PlatformStateSnapshot,
  PlatformThreadManager,
  PlatformThreadRecord,
  PlatformThreads,
} from './options.js';
export {
  MemoryThreadMetadata,
  type MemoryThreadMetadataOptions,
  type ThreadMetadata,
  type ThreadMetadataStore,
} from './thread-metadata.js';
export { STREAM_MODES, UNSUPPORTED_STREAM_MODES, type StreamMode } from './run-request.js';
export type { RunStoreOptions } from './run-store.js';
