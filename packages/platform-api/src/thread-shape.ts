// The SDK's `Thread` and `ThreadState` shapes, built from LangGraph's `StateSnapshot` and the
// thread index; the thread is named by the caller's own id, never by its checkpoint key.
import type { PlatformStateSnapshot, PlatformThreadRecord } from './options.js';
import type { ThreadRef } from './run-plan.js';
import type { ThreadMetadata } from './thread-metadata.js';

export type ThreadStatus = 'idle' | 'busy' | 'interrupted' | 'error';

interface CheckpointRef {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string | null;
  checkpoint_map: Record<string, unknown> | null;
}

function checkpointOf(threadId: string, config: PlatformStateSnapshot['config'] | undefined): CheckpointRef | null {
  const c = config?.configurable;
  if (!c) return null;
  return {
    thread_id: threadId,
    checkpoint_ns: typeof c.checkpoint_ns === 'string' ? c.checkpoint_ns : '',
    checkpoint_id: typeof c.checkpoint_id === 'string' ? c.checkpoint_id : null,
    checkpoint_map: null,
  };
}

/** A task's error as text: its message (a node error's message is already client-safe and scrubbed of tokens by the node). */
function taskError(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  if (typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message;
  return typeof error === 'string' ? error : 'error';
}

/** The SDK's `ThreadState` of one snapshot. */
export function threadState(threadId: string, s: PlatformStateSnapshot) {
  return {
    values: s.values ?? {},
    next: [...(s.next ?? [])],
    checkpoint: checkpointOf(threadId, s.config) ?? { thread_id: threadId, checkpoint_ns: '', checkpoint_id: null, checkpoint_map: null },
    metadata: s.metadata ?? null,
    created_at: s.createdAt ?? null,
    parent_checkpoint: checkpointOf(threadId, s.parentConfig),
    tasks: (s.tasks ?? []).map((t) => ({
      id: t.id,
      name: t.name,
      error: taskError(t.error),
      interrupts: [...(t.interrupts ?? [])],
      checkpoint: null,
      state: null,
    })),
  };
}

/** The thread's status: a run in progress here, stopped by an error, stopped before its end (an interrupt), else idle. */
export function threadStatus(s: PlatformStateSnapshot | undefined, busy: boolean): ThreadStatus {
  if (busy) return 'busy';
  const tasks = s?.tasks ?? [];
  if (tasks.some((t) => t.error !== undefined && t.error !== null)) return 'error';
  // Stopped before its end with nothing running: at an interrupt (interrupt_before/after, or interrupt()).
  if (tasks.some((t) => (t.interrupts?.length ?? 0) > 0) || (s?.next.length ?? 0) > 0) return 'interrupted';
  return 'idle';
}

/** The SDK's `Thread`. */
export function threadShape(
  ref: Pick<ThreadRef, 'threadId'>,
  row: PlatformThreadRecord,
  snapshot: PlatformStateSnapshot | undefined,
  metadata: ThreadMetadata | undefined,
  busy: boolean,
) {
  const interrupts: Record<string, unknown[]> = {};
  for (const t of snapshot?.tasks ?? []) if ((t.interrupts?.length ?? 0) > 0) interrupts[t.id] = [...t.interrupts!];
  const hasState = snapshot?.createdAt !== undefined;
  return {
    thread_id: ref.threadId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    state_updated_at: snapshot?.createdAt ?? row.updatedAt.toISOString(),
    metadata: metadata ?? {},
    status: threadStatus(snapshot, busy),
    values: hasState ? (snapshot.values ?? {}) : null,
    interrupts,
  };
}
