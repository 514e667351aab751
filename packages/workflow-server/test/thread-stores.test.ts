// The thread spec run against every thread store: memory, SQLite (a file), Postgres (a database
// of its own on BATON_TEST_DATABASE_URL, dropped after; skipped with a reason when unreachable,
// except under CI=true).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import pg from 'pg';
import { createTestDatabase } from '@baton/testkit/postgres';
import type { ThreadStore } from '../src/thread-index.js';
import { openMemoryThreadStore } from '../src/thread-store-memory.js';
import { openPostgresThreadStore } from '../src/thread-store-postgres.js';
import { openSqliteThreadStore } from '../src/thread-store-sqlite.js';
import { threadStoreSpec } from './thread-spec.js';

function tracking(open: () => Promise<ThreadStore>, remove: () => Promise<void>, persistent = true) {
  const opened: ThreadStore[] = [];
  return {
    persistent,
    open: async () => {
      const s = await open();
      opened.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await remove();
    },
  };
}

threadStoreSpec('memory', async () => {
  const store = openMemoryThreadStore();
  return tracking(
    async () => store,
    async () => {},
    false,
  );
});

threadStoreSpec('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-thread-spec-'));
  const file = path.join(dir, 'checkpoints.sqlite');
  return tracking(
    () => openSqliteThreadStore(file),
    async () => rmSync(dir, { recursive: true, force: true }),
  );
});

threadStoreSpec('postgres', async () => {
  const db = await createTestDatabase('baton_thread_spec');
  if (!db) return undefined;
  return tracking(
    () => openPostgresThreadStore({ connectionString: db.url, poolMax: 4, onPoolError: () => {} }),
    () => db.drop(),
  );
});

describe('postgres history cap', () => {
  it('also deletes the channel blobs that no kept checkpoint refers to, and the pruned checkpoints’ writes', async () => {
    const db = await createTestDatabase('baton_thread_blobs');
    if (!db) return;
    const store = await openPostgresThreadStore({ connectionString: db.url, poolMax: 2, onPoolError: () => {} });
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const State = Annotation.Root({ n: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }) });
      const graph = new StateGraph(State)
        .addNode('inc', () => ({ n: 1 }))
        .addEdge(START, 'inc')
        .addEdge('inc', END)
        .compile({ checkpointer: store.saver });
      const count = async (table: string, thread: string) =>
        Number((await pool.query(`SELECT count(*) AS n FROM ${table} WHERE thread_id = $1`, [thread])).rows[0].n);
      for (let i = 0; i < 6; i += 1) {
        await graph.invoke({ n: 1 }, { configurable: { thread_id: 'o/capped' }, durability: 'sync' });
        await graph.invoke({ n: 1 }, { configurable: { thread_id: 'o/uncapped' }, durability: 'sync' });
      }
      const before = await count('checkpoint_blobs', 'o/capped');
      expect(before).toBe(await count('checkpoint_blobs', 'o/uncapped'));
      await store.history.prune('o/capped', 2);
      expect(await count('checkpoints', 'o/capped')).toBe(2);
      expect(await count('checkpoint_blobs', 'o/capped')).toBeLessThan(before);
      expect(await count('checkpoint_writes', 'o/capped')).toBeLessThan(await count('checkpoint_writes', 'o/uncapped'));
      const referenced = await pool.query(
        `SELECT count(*) AS n FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
           SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)`,
        ['o/capped'],
      );
      expect(Number(referenced.rows[0].n)).toBe(0);
      expect((await graph.getState({ configurable: { thread_id: 'o/capped' } })).values).toEqual({ n: 12 });
    } finally {
      await pool.end();
      await store.close();
      await db.drop();
    }
  });
});
