// @baton/workflow-server/threads: the thread stores and their limits, for a server assembled by hand
// (`createWorkflowApp`) and for running the thread spec against a store of one's own.
export { createCheckpointer, scopedThreadId, ownerKey, THREAD_ID } from './threads.js';
export type { Checkpointer, CheckpointerKind, CheckpointerOptions } from './threads.js';
export { ThreadManager } from './thread-manager.js';
export type { ThreadLimits, ThreadPage } from './thread-manager.js';
export { openMemoryThreadStore } from './thread-store-memory.js';
export type { ThreadStore, ThreadIndex, ThreadRecord, ThreadCursor, ThreadSize, ReserveResult, CheckpointHistory } from './thread-index.js';
