// The thread index and checkpoint-history seams: LangGraph's savers cannot list one user's threads
// or cap a thread's history, so each storage backend (memory, SQLite, Postgres) implements these
// two small interfaces beside its saver, in the same database.
import type { BaseCheckpointSaver } from '@langchain/langgraph';

/** One thread in the index. `owner` is the owner key (a hash of `iss` + `sub`), never a raw identity. */
export interface ThreadRecord {
  owner: string;
  threadId: string;
  createdAt: Date;
  updatedAt: Date;
  /** Checkpoints kept for the thread after its last run. */
  checkpoints: number;
  /** Bytes its kept checkpoints and pending writes take in the saver (serialized size). */
  sizeBytes: number;
}

/** Keyset position in an owner's list: newest `updatedAt` first, `threadId` breaking ties. */
export interface ThreadCursor {
  updatedAt: Date;
  threadId: string;
}

export type ReserveResult = 'created' | 'exists' | 'quota';

/** The index beside the checkpointer: who owns which thread, since when, how big. */
export interface ThreadIndex {
  /**
   * Adds the thread to the index unless the owner already has `quota` threads: atomic (a
   * transaction or a per-owner lock), so two concurrent new threads cannot both pass the check.
   */
  reserve(owner: string, threadId: string, quota: number, now: Date): Promise<ReserveResult>;
  /** Records a finished run: `updatedAt` and the measured size (adds the row if it is missing). */
  touch(owner: string, threadId: string, size: ThreadSize, now: Date): Promise<void>;
  get(owner: string, threadId: string): Promise<ThreadRecord | undefined>;
  /** The owner's threads, newest first, `limit` at most, after `cursor`. */
  list(owner: string, limit: number, cursor?: ThreadCursor): Promise<ThreadRecord[]>;
  count(owner: string): Promise<number>;
  /** True when a row was removed. */
  delete(owner: string, threadId: string): Promise<boolean>;
  /** Threads whose `updatedAt` is before `before`, oldest first, `limit` at most. */
  expired(before: Date, limit: number): Promise<Array<Pick<ThreadRecord, 'owner' | 'threadId'>>>;
}

export interface ThreadSize {
  checkpoints: number;
  sizeBytes: number;
}

/** What the savers lack: pruning a thread's older checkpoints, and measuring what a thread keeps. */
export interface CheckpointHistory {
  /** Keeps the newest `keep` checkpoints of each namespace of the (scoped) thread; deletes the rest and their writes. */
  prune(scopedThreadId: string, keep: number): Promise<void>;
  size(scopedThreadId: string): Promise<ThreadSize>;
}

/** A saver with its index and history beside it, in one store. */
export interface ThreadStore {
  kind: 'postgres' | 'sqlite' | 'memory';
  saver: BaseCheckpointSaver;
  index: ThreadIndex;
  history: CheckpointHistory;
  /** The SQLite file, for `kind: 'sqlite'`. */
  file?: string;
  close(): Promise<void>;
}
