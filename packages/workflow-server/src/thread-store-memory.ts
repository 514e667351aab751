// The in-memory thread store: MemorySaver with a Map index (one process, gone at exit).
import { MemorySaver } from '@langchain/langgraph';
import type { CheckpointHistory, ReserveResult, ThreadCursor, ThreadIndex, ThreadRecord, ThreadSize, ThreadStore } from './thread-index.js';

/** Newest first: `updatedAt` descending, then `threadId` descending. */
export function compareNewestFirst(a: ThreadCursor, b: ThreadCursor): number {
  const d = b.updatedAt.getTime() - a.updatedAt.getTime();
  if (d !== 0) return d;
  return a.threadId < b.threadId ? 1 : a.threadId > b.threadId ? -1 : 0;
}

class MemoryThreadIndex implements ThreadIndex {
  private readonly rows = new Map<string, Map<string, ThreadRecord>>();

  private of(owner: string): Map<string, ThreadRecord> {
    let m = this.rows.get(owner);
    if (!m) this.rows.set(owner, (m = new Map()));
    return m;
  }

  async reserve(owner: string, threadId: string, quota: number, now: Date): Promise<ReserveResult> {
    const m = this.of(owner);
    if (m.has(threadId)) return 'exists';
    if (m.size >= quota) return 'quota';
    m.set(threadId, { owner, threadId, createdAt: now, updatedAt: now, checkpoints: 0, sizeBytes: 0 });
    return 'created';
  }

  async touch(owner: string, threadId: string, size: ThreadSize, now: Date): Promise<void> {
    const m = this.of(owner);
    const row = m.get(threadId) ?? { owner, threadId, createdAt: now, updatedAt: now, checkpoints: 0, sizeBytes: 0 };
    m.set(threadId, { ...row, ...size, updatedAt: now });
  }

  async get(owner: string, threadId: string): Promise<ThreadRecord | undefined> {
    return this.rows.get(owner)?.get(threadId);
  }

  async list(owner: string, limit: number, cursor?: ThreadCursor): Promise<ThreadRecord[]> {
    const all = [...(this.rows.get(owner)?.values() ?? [])].sort(compareNewestFirst);
    return (cursor ? all.filter((r) => compareNewestFirst(cursor, r) < 0) : all).slice(0, limit);
  }

  async count(owner: string): Promise<number> {
    return this.rows.get(owner)?.size ?? 0;
  }

  async delete(owner: string, threadId: string): Promise<boolean> {
    return this.rows.get(owner)?.delete(threadId) ?? false;
  }

  async expired(before: Date, limit: number): Promise<Array<Pick<ThreadRecord, 'owner' | 'threadId'>>> {
    const all = [...this.rows.values()].flatMap((m) => [...m.values()]).filter((r) => r.updatedAt < before);
    return all
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
      .slice(0, limit)
      .map(({ owner, threadId }) => ({ owner, threadId }));
  }
}

const writesKey = (threadId: string, ns: string, id: string) => JSON.stringify([threadId, ns, id]);

function memoryHistory(saver: MemorySaver): CheckpointHistory {
  return {
    async prune(threadId, keep) {
      for (const [ns, byId] of Object.entries(saver.storage[threadId] ?? {})) {
        // Checkpoint ids are uuid6: their string order is their time order.
        for (const id of Object.keys(byId).sort().reverse().slice(keep)) {
          delete byId[id];
          delete saver.writes[writesKey(threadId, ns, id)];
        }
      }
    },
    async size(threadId) {
      let checkpoints = 0;
      let sizeBytes = 0;
      for (const [ns, byId] of Object.entries(saver.storage[threadId] ?? {})) {
        for (const [id, [checkpoint, metadata]] of Object.entries(byId)) {
          checkpoints += 1;
          sizeBytes += checkpoint.byteLength + metadata.byteLength;
          for (const w of Object.values(saver.writes[writesKey(threadId, ns, id)] ?? {})) sizeBytes += w[2].byteLength;
        }
      }
      return { checkpoints, sizeBytes };
    },
  };
}

export function openMemoryThreadStore(): ThreadStore {
  const saver = new MemorySaver();
  return { kind: 'memory', saver, index: new MemoryThreadIndex(), history: memoryHistory(saver), close: async () => {} };
}
