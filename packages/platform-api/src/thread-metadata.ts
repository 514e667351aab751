// Thread metadata (`POST /threads`'s and `PATCH /threads/{id}`'s `metadata`): LangGraph's savers
// and Baton's thread index keep none, so it lives beside them behind this small interface.

export type ThreadMetadata = Record<string, unknown>;

/** Where thread metadata is kept, by the owner-scoped thread key (never by a bare thread id). */
export interface ThreadMetadataStore {
  get(scopedThreadId: string): Promise<ThreadMetadata | undefined>;
  set(scopedThreadId: string, metadata: ThreadMetadata): Promise<void>;
  delete(scopedThreadId: string): Promise<void>;
}

export interface MemoryThreadMetadataOptions {
  /** Most threads with metadata kept; past it the least recently written is dropped. Default 10 000. */
  maxThreads?: number;
}

/**
 * In this process only (a replica does not see another's metadata, and a restart forgets it),
 * bounded: the default until the workflow server keeps metadata in its thread store.
 */
export class MemoryThreadMetadata implements ThreadMetadataStore {
  private readonly entries = new Map<string, ThreadMetadata>();
  private readonly maxThreads: number;

  constructor(options: MemoryThreadMetadataOptions = {}) {
    const max = options.maxThreads ?? 10_000;
    if (!Number.isInteger(max) || max <= 0) throw new TypeError('MemoryThreadMetadata: maxThreads must be a positive integer');
    this.maxThreads = max;
  }

  async get(scopedThreadId: string): Promise<ThreadMetadata | undefined> {
    return this.entries.get(scopedThreadId);
  }

  async set(scopedThreadId: string, metadata: ThreadMetadata): Promise<void> {
    this.entries.delete(scopedThreadId);
    this.entries.set(scopedThreadId, metadata);
    while (this.entries.size > this.maxThreads) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async delete(scopedThreadId: string): Promise<void> {
    this.entries.delete(scopedThreadId);
  }
}
