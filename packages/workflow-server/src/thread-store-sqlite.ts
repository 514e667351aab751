// The SQLite thread store: SqliteSaver and the thread index in one file, on one connection
// (better-sqlite3 is synchronous; each statement here is one indexed query on one owner or thread).
import { chmodSync, closeSync, openSync } from 'node:fs';
import type { Database, Transaction } from 'better-sqlite3';
import type { CheckpointHistory, ReserveResult, ThreadCursor, ThreadIndex, ThreadRecord, ThreadSize, ThreadStore } from './thread-index.js';

const INDEX_DDL = `
CREATE TABLE IF NOT EXISTS baton_threads (
  owner TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  checkpoints INTEGER NOT NULL DEFAULT 0,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, thread_id)
);
CREATE INDEX IF NOT EXISTS baton_threads_by_owner ON baton_threads (owner, updated_at DESC, thread_id DESC);
CREATE INDEX IF NOT EXISTS baton_threads_by_age ON baton_threads (updated_at);`;

interface Row {
  owner: string;
  thread_id: string;
  created_at: number;
  updated_at: number;
  checkpoints: number;
  size_bytes: number;
}

const toRecord = (r: Row): ThreadRecord => ({
  owner: r.owner,
  threadId: r.thread_id,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  checkpoints: r.checkpoints,
  sizeBytes: r.size_bytes,
});

export class SqliteThreadIndex implements ThreadIndex {
  private readonly reserveTx: Transaction<(owner: string, threadId: string, quota: number, now: number) => ReserveResult>;

  constructor(private readonly db: Database) {
    db.exec(INDEX_DDL);
    const exists = db.prepare('SELECT 1 FROM baton_threads WHERE owner = ? AND thread_id = ?');
    const count = db.prepare('SELECT count(*) AS n FROM baton_threads WHERE owner = ?');
    const insert = db.prepare('INSERT INTO baton_threads (owner, thread_id, created_at, updated_at) VALUES (?, ?, ?, ?)');
    // A better-sqlite3 transaction is synchronous: nothing interleaves between the count and the insert.
    this.reserveTx = db.transaction((owner: string, threadId: string, quota: number, now: number): ReserveResult => {
      if (exists.get(owner, threadId)) return 'exists';
      if ((count.get(owner) as { n: number }).n >= quota) return 'quota';
      insert.run(owner, threadId, now, now);
      return 'created';
    });
  }

  async reserve(owner: string, threadId: string, quota: number, now: Date): Promise<ReserveResult> {
    return this.reserveTx.immediate(owner, threadId, quota, now.getTime());
  }

  async touch(owner: string, threadId: string, size: ThreadSize, now: Date): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO baton_threads (owner, thread_id, created_at, updated_at, checkpoints, size_bytes) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (owner, thread_id) DO UPDATE SET updated_at = excluded.updated_at, checkpoints = excluded.checkpoints, size_bytes = excluded.size_bytes`,
      )
      .run(owner, threadId, now.getTime(), now.getTime(), size.checkpoints, size.sizeBytes);
  }

  async get(owner: string, threadId: string): Promise<ThreadRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM baton_threads WHERE owner = ? AND thread_id = ?').get(owner, threadId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  async list(owner: string, limit: number, cursor?: ThreadCursor): Promise<ThreadRecord[]> {
    const rows = cursor
      ? this.db
          .prepare(
            `SELECT * FROM baton_threads WHERE owner = ? AND (updated_at < ? OR (updated_at = ? AND thread_id < ?))
             ORDER BY updated_at DESC, thread_id DESC LIMIT ?`,
          )
          .all(owner, cursor.updatedAt.getTime(), cursor.updatedAt.getTime(), cursor.threadId, limit)
      : this.db.prepare('SELECT * FROM baton_threads WHERE owner = ? ORDER BY updated_at DESC, thread_id DESC LIMIT ?').all(owner, limit);
    return (rows as Row[]).map(toRecord);
  }

  async count(owner: string): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM baton_threads WHERE owner = ?').get(owner) as { n: number }).n;
  }

  async delete(owner: string, threadId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM baton_threads WHERE owner = ? AND thread_id = ?').run(owner, threadId).changes > 0;
  }

  async expired(before: Date, limit: number): Promise<Array<Pick<ThreadRecord, 'owner' | 'threadId'>>> {
    const rows = this.db
      .prepare('SELECT owner, thread_id FROM baton_threads WHERE updated_at < ? ORDER BY updated_at LIMIT ?')
      .all(before.getTime(), limit) as Array<Pick<Row, 'owner' | 'thread_id'>>;
    return rows.map((r) => ({ owner: r.owner, threadId: r.thread_id }));
  }
}

/** The checkpoints of a thread older than the newest `keep` of their namespace (uuid6 ids sort by time). */
const OLD_CHECKPOINTS = `SELECT checkpoint_ns, checkpoint_id FROM (
  SELECT checkpoint_ns, checkpoint_id, row_number() OVER (PARTITION BY checkpoint_ns ORDER BY checkpoint_id DESC) AS rn
  FROM checkpoints WHERE thread_id = @thread) WHERE rn > @keep`;

/** History pruning and sizing over SqliteSaver's own tables (`checkpoints`, `writes`). */
export function sqliteHistory(db: Database): CheckpointHistory {
  const pruneTx = db.transaction((thread: string, keep: number) => {
    db.prepare(`DELETE FROM writes WHERE thread_id = @thread AND (checkpoint_ns, checkpoint_id) IN (${OLD_CHECKPOINTS})`).run({
      thread,
      keep,
    });
    db.prepare(`DELETE FROM checkpoints WHERE thread_id = @thread AND (checkpoint_ns, checkpoint_id) IN (${OLD_CHECKPOINTS})`).run({
      thread,
      keep,
    });
  });
  return {
    async prune(thread, keep) {
      pruneTx(thread, keep);
    },
    async size(thread) {
      const c = db
        .prepare(
          'SELECT count(*) AS n, coalesce(sum(length(checkpoint) + length(metadata)), 0) AS bytes FROM checkpoints WHERE thread_id = ?',
        )
        .get(thread) as { n: number; bytes: number };
      const w = db.prepare('SELECT coalesce(sum(length(value)), 0) AS bytes FROM writes WHERE thread_id = ?').get(thread) as {
        bytes: number;
      };
      return { checkpoints: c.n, sizeBytes: c.bytes + w.bytes };
    },
  };
}

/** Opens (creating) the SQLite file with the saver's tables and the index; throws when better-sqlite3 cannot load. */
export async function openSqliteThreadStore(file: string): Promise<ThreadStore> {
  const { default: BetterSqlite } = await import('better-sqlite3');
  const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
  // Checkpoints hold users' runs: owner-only, an older file too (SQLite gives -wal/-shm the file's mode).
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new BetterSqlite(file);
  try {
    // The saver makes its tables lazily on first use; make them now so pruning can query them.
    const saver = new (class extends SqliteSaver {
      init(): this {
        this.setup();
        return this;
      }
    })(db).init();
    return {
      kind: 'sqlite',
      saver,
      file,
      index: new SqliteThreadIndex(db),
      history: sqliteHistory(db),
      close: async () => void db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
