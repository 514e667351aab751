// Thread limits over a ThreadStore: the per-user quota (checked when a run starts a new thread),
// the history cap and size (applied when a threaded run ends), and retention (a periodic sweep).
import { BatonError } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';
import { decodeCursor, encodeCursor } from './thread-cursor.js';
import type { ThreadRecord, ThreadStore } from './thread-index.js';
import { splitScopedThreadId } from './threads.js';

export interface ThreadLimits {
  /** Most threads one owner may keep. */
  quotaPerUser: number;
  /** A thread not run for this long is deleted by the sweep. */
  ttlMs: number;
  /** Checkpoints kept per thread. */
  historyMax: number;
}

export interface ThreadPage {
  threads: ThreadRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Rows the sweep deletes per batch (it loops until none are left). */
const SWEEP_BATCH = 100;

export class ThreadManager {
  constructor(
    readonly store: ThreadStore,
    readonly limits: ThreadLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Before a threaded run: indexes a new thread, or refuses it when the owner is at the quota. */
  async begin(scopedThreadId: string): Promise<void> {
    const { owner, threadId } = splitScopedThreadId(scopedThreadId);
    const result = await this.store.index.reserve(owner, threadId, this.limits.quotaPerUser, this.now());
    if (result === 'quota') {
      throw new BatonError(
        WORKFLOW_ERRORS.WORKFLOW_THREAD_QUOTA_EXCEEDED,
        `thread quota reached (${this.limits.quotaPerUser} threads): delete a thread (DELETE /workflow/threads/:id) or reuse one`,
      );
    }
  }

  /** After a threaded run (finished or failed): prunes its history to the cap and records its size. */
  async finish(scopedThreadId: string): Promise<void> {
    const { owner, threadId } = splitScopedThreadId(scopedThreadId);
    await this.store.history.prune(scopedThreadId, this.limits.historyMax);
    const size = await this.store.history.size(scopedThreadId);
    await this.store.index.touch(owner, threadId, size, this.now());
  }

  async list(owner: string, limit: number, cursor?: string): Promise<ThreadPage> {
    const rows = await this.store.index.list(owner, limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
    const threads = rows.slice(0, limit);
    const last = threads[threads.length - 1];
    return rows.length > limit && last ? { threads, nextCursor: encodeCursor(last) } : { threads };
  }

  get(owner: string, threadId: string): Promise<ThreadRecord | undefined> {
    return this.store.index.get(owner, threadId);
  }

  /** Deletes a thread's checkpoints and its index row; false when the owner had no such thread. */
  async remove(owner: string, threadId: string): Promise<boolean> {
    const scoped = `${owner}/${threadId}`;
    const had = (await this.store.index.get(owner, threadId)) !== undefined || (await this.store.history.size(scoped)).checkpoints > 0;
    await this.store.saver.deleteThread(scoped);
    await this.store.index.delete(owner, threadId);
    return had;
  }

  /** Deletes every thread not run within the TTL; returns how many. */
  async sweep(): Promise<number> {
    const before = new Date(this.now().getTime() - this.limits.ttlMs);
    let deleted = 0;
    for (;;) {
      const batch = await this.store.index.expired(before, SWEEP_BATCH);
      for (const { owner, threadId } of batch) {
        await this.store.saver.deleteThread(`${owner}/${threadId}`);
        await this.store.index.delete(owner, threadId);
        deleted += 1;
      }
      if (batch.length < SWEEP_BATCH) return deleted;
    }
  }

  /**
   * Sweeps now and then every `intervalMs` (the timer does not keep the process alive; a sweep
   * never overlaps the previous one). Returns a stop function that waits for a running sweep.
   */
  startSweeper(intervalMs: number, report: (err: unknown, deleted: number) => void): () => Promise<void> {
    let running: Promise<void> = Promise.resolve();
    let busy = false;
    let stopped = false;
    const tick = () => {
      if (busy || stopped) return;
      busy = true;
      running = this.sweep()
        .then(
          (n) => report(undefined, n),
          (err: unknown) => report(err, 0),
        )
        .finally(() => {
          busy = false;
        });
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    };
  }
}
