// The Postgres thread store: PostgresSaver and the thread index on one pool, in one database, so
// every replica pointed at DATABASE_URL sees the same threads.
// pg and the Postgres saver are optional peer dependencies: loaded only when this store is opened.
import type pg from 'pg';
import type { CheckpointHistory, ReserveResult, ThreadCursor, ThreadIndex, ThreadRecord, ThreadSize, ThreadStore } from './thread-index.js';

const INDEX_DDL = `
CREATE TABLE IF NOT EXISTS baton_threads (
  owner TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  checkpoints INTEGER NOT NULL DEFAULT 0,
  size_bytes BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, thread_id)
);
CREATE INDEX IF NOT EXISTS baton_threads_by_owner ON baton_threads (owner, updated_at DESC, thread_id DESC);
CREATE INDEX IF NOT EXISTS baton_threads_by_age ON baton_threads (updated_at);`;

/** Serializes schema set-up across replicas starting at once (CREATE ... IF NOT EXISTS races otherwise). */
const SETUP_LOCK = 0x6261746f6e; // 'baton'

interface Row {
  owner: string;
  thread_id: string;
  created_at: Date;
  updated_at: Date;
  checkpoints: number;
  size_bytes: string;
}

const toRecord = (r: Row): ThreadRecord => ({
  owner: r.owner,
  threadId: r.thread_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  checkpoints: r.checkpoints,
  sizeBytes: Number(r.size_bytes),
});

export class PostgresThreadIndex implements ThreadIndex {
  constructor(private readonly pool: pg.Pool) {}

  async reserve(owner: string, threadId: string, quota: number, now: Date): Promise<ReserveResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One owner's reservations queue on this lock (held to COMMIT): the count cannot go stale.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [owner]);
      const found = await client.query('SELECT 1 FROM baton_threads WHERE owner = $1 AND thread_id = $2', [owner, threadId]);
      let result: ReserveResult = 'exists';
      if (found.rowCount === 0) {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM baton_threads WHERE owner = $1', [owner]);
        result = Number(rows[0]!.n) >= quota ? 'quota' : 'created';
        if (result === 'created') {
          await client.query('INSERT INTO baton_threads (owner, thread_id, created_at, updated_at) VALUES ($1, $2, $3, $3)', [
            owner,
            threadId,
            now,
          ]);
        }
      }
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async touch(owner: string, threadId: string, size: ThreadSize, now: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO baton_threads (owner, thread_id, created_at, updated_at, checkpoints, size_bytes) VALUES ($1, $2, $3, $3, $4, $5)
       ON CONFLICT (owner, thread_id) DO UPDATE SET updated_at = excluded.updated_at, checkpoints = excluded.checkpoints, size_bytes = excluded.size_bytes`,
      [owner, threadId, now, size.checkpoints, size.sizeBytes],
    );
  }

  async get(owner: string, threadId: string): Promise<ThreadRecord | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM baton_threads WHERE owner = $1 AND thread_id = $2', [owner, threadId]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(owner: string, limit: number, cursor?: ThreadCursor): Promise<ThreadRecord[]> {
    const { rows } = cursor
      ? await this.pool.query<Row>(
          `SELECT * FROM baton_threads WHERE owner = $1 AND (updated_at, thread_id) < ($2, $3)
           ORDER BY updated_at DESC, thread_id DESC LIMIT $4`,
          [owner, cursor.updatedAt, cursor.threadId, limit],
        )
      : await this.pool.query<Row>('SELECT * FROM baton_threads WHERE owner = $1 ORDER BY updated_at DESC, thread_id DESC LIMIT $2', [
          owner,
          limit,
        ]);
    return rows.map(toRecord);
  }

  async count(owner: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM baton_threads WHERE owner = $1', [owner]);
    return Number(rows[0]!.n);
  }

  async delete(owner: string, threadId: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM baton_threads WHERE owner = $1 AND thread_id = $2', [owner, threadId]);
    return (res.rowCount ?? 0) > 0;
  }

  async expired(before: Date, limit: number): Promise<Array<Pick<ThreadRecord, 'owner' | 'threadId'>>> {
    const { rows } = await this.pool.query<Pick<Row, 'owner' | 'thread_id'>>(
      'SELECT owner, thread_id FROM baton_threads WHERE updated_at < $1 ORDER BY updated_at LIMIT $2',
      [before, limit],
    );
    return rows.map((r) => ({ owner: r.owner, threadId: r.thread_id }));
  }
}

const PRUNE_CHECKPOINTS = `
WITH old AS (
  SELECT checkpoint_ns, checkpoint_id FROM (
    SELECT checkpoint_ns, checkpoint_id, row_number() OVER (PARTITION BY checkpoint_ns ORDER BY checkpoint_id DESC) AS rn
    FROM checkpoints WHERE thread_id = $1) ranked
  WHERE rn > $2),
gone_writes AS (
  DELETE FROM checkpoint_writes w USING old
  WHERE w.thread_id = $1 AND w.checkpoint_ns = old.checkpoint_ns AND w.checkpoint_id = old.checkpoint_id)
DELETE FROM checkpoints c USING old
WHERE c.thread_id = $1 AND c.checkpoint_ns = old.checkpoint_ns AND c.checkpoint_id = old.checkpoint_id`;

/** Channel values no kept checkpoint points at (PostgresSaver stores them once per version, apart from checkpoints). */
const PRUNE_BLOBS = `
DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
  SELECT 1 FROM checkpoints c
  WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)`;

const SIZE = `
SELECT
  (SELECT count(*) FROM checkpoints WHERE thread_id = $1) AS n,
  (SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) FROM checkpoints WHERE thread_id = $1)
  + (SELECT coalesce(sum(coalesce(length(blob), 0)), 0) FROM checkpoint_blobs WHERE thread_id = $1)
  + (SELECT coalesce(sum(length(blob)), 0) FROM checkpoint_writes WHERE thread_id = $1) AS bytes`;

/** History pruning and sizing over PostgresSaver's tables (`checkpoints`, `checkpoint_blobs`, `checkpoint_writes`). */
export function postgresHistory(pool: pg.Pool): CheckpointHistory {
  return {
    async prune(thread, keep) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(PRUNE_CHECKPOINTS, [thread, keep]);
        await client.query(PRUNE_BLOBS, [thread]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async size(thread) {
      const { rows } = await pool.query<{ n: string; bytes: string }>(SIZE, [thread]);
      return { checkpoints: Number(rows[0]!.n), sizeBytes: Number(rows[0]!.bytes) };
    },
  };
}

export interface PostgresStoreOptions {
  connectionString: string;
  poolMax: number;
  /** An idle pooled connection failed (the pool drops it and opens another when needed). */
  onPoolError: (err: Error) => void;
}

/**
 * Opens a pool on `connectionString` (pg reads `sslmode`, `sslrootcert`, `sslcert`, `sslkey` from
 * it), sets up the saver's tables and the index under an advisory lock, and returns the store.
 */
export async function openPostgresThreadStore(options: PostgresStoreOptions): Promise<ThreadStore> {
  const { default: pgModule } = await import('pg');
  const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
  const pool = new pgModule.Pool({ connectionString: options.connectionString, max: options.poolMax, connectionTimeoutMillis: 10_000 });
  pool.on('error', options.onPoolError);
  try {
    const saver = new PostgresSaver(pool);
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK]);
      await saver.setup();
      await client.query(INDEX_DDL);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK]).catch(() => {});
      client.release();
    }
    return { kind: 'postgres', saver, index: new PostgresThreadIndex(pool), history: postgresHistory(pool), close: () => pool.end() };
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}
