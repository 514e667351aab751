// The thread spec run against every thread store: memory, SQLite (a file), Postgres (a database
// of its own on BATON_TEST_DATABASE_URL, dropped after; skipped with a reason when unreachable,
// except under CI=true).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
