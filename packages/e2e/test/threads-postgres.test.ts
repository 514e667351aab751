// Threads on Postgres, end to end: the real issuer, agents and workflow (scripts/start.mjs) with
// DATABASE_URL pointing at a database of this suite's own. A thread outlives the whole stack (a new
// stack with a fresh data dir reads it back), the list route shows each caller only their own
// threads, the quota refuses a third thread, a tampered list cursor is a 422 (not a database error),
// and DELETE removes the checkpoints from Postgres.
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@baton/testkit/postgres';
import { startStack, type Stack } from './stack.js';

let db: TestDatabase | undefined;
let stack: Stack | undefined;

beforeAll(async () => {
  db = await createTestDatabase('baton_e2e_threads');
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
}, 60_000);

const json = { 'content-type': 'application/json' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}`, ...json });

async function rows(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: db!.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

it('keeps threads in Postgres across a restart, lists only the caller’s own, enforces the quota and deletes', async () => {
  if (!db) return;
  const env = { DATABASE_URL: db.url, THREAD_QUOTA_PER_USER: '2' };
  stack = await startStack(env);
  const listening = stack.logs().find((l) => l.checkpointer !== undefined);
  expect(listening?.checkpointer).toBe('postgres');
  const W = stack.urls.workflow;
  const [alice, bob] = [await stack.token('alice'), await stack.token('bob')];
  const run = (token: string, thread: string) =>
    fetch(`${W}/workflow/invoke`, {
      method: 'POST',
      headers: bearer(token),
      body: JSON.stringify({ input: { topic: `threads on postgres ${thread}` }, config: { configurable: { thread_id: thread } } }),
    });
  const list = async (token: string) => {
    const res = await fetch(`${W}/workflow/threads`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { threads: Array<{ thread_id: string; checkpoints: number }> }).threads;
  };

  expect((await run(alice, 'a-1')).status).toBe(200);
  expect((await run(alice, 'a-2')).status).toBe(200);
  expect((await run(bob, 'b-1')).status).toBe(200);
  const over = await run(alice, 'a-3');
  expect(over.status).toBe(409);
  expect(((await over.json()) as { error: { code: string } }).error.code).toBe('WORKFLOW_THREAD_QUOTA_EXCEEDED');

  expect((await list(alice)).map((t) => t.thread_id).sort()).toEqual(['a-1', 'a-2']);
  expect((await list(bob)).map((t) => t.thread_id)).toEqual(['b-1']);
  // In Postgres, not in the process: the index rows and the saver's checkpoints.
  expect(await rows('SELECT thread_id FROM baton_threads ORDER BY thread_id', [])).toHaveLength(3);
  const stored = await rows("SELECT count(*)::int AS n FROM checkpoints WHERE thread_id LIKE '%/a-1'", []);
  expect(stored[0]!.n).toBeGreaterThan(0);

  // A new stack on the same ports (same issuer URL, so the same owners) and a fresh data dir.
  const ports = Object.fromEntries(Object.entries(stack.urls).map(([name, url]) => [`${name.toUpperCase()}_PORT`, new URL(url).port]));
  expect(await stack.stop()).toBe(0);
  stack = await startStack({ ...env, ...ports });
  const [alice2, bob2] = [await stack.token('alice'), await stack.token('bob')];
  const thread = await fetch(`${W}/workflow/threads/a-1`, { headers: bearer(alice2) });
  expect(thread.status).toBe(200);
  const body = (await thread.json()) as { thread_id: string; values: { report: string }; checkpoints: number };
  expect(body.thread_id).toBe('a-1');
  expect(body.values.report.length).toBeGreaterThan(100);
  expect(body.checkpoints).toBeGreaterThan(0);
  expect((await fetch(`${W}/workflow/threads/a-1`, { headers: bearer(bob2) })).status).toBe(404);
  expect((await list(bob2)).map((t) => t.thread_id)).toEqual(['b-1']);

  // Tampered cursors are refused before they reach Postgres (they answered 500 there).
  for (const tampered of [
    [9007199254740991, 'x'],
    [-8640000000000001, 'x'],
    [Date.now(), 'a\u0000-1'],
  ]) {
    const cursor = Buffer.from(JSON.stringify(tampered)).toString('base64url');
    const res = await fetch(`${W}/workflow/threads?cursor=${cursor}`, { headers: bearer(alice2) });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([422, 'WORKFLOW_THREAD_CURSOR_INVALID']);
  }
  expect((await fetch(`${W}/workflow/threads/a-1`, { method: 'DELETE', headers: bearer(bob2) })).status).toBe(404);
  expect((await fetch(`${W}/workflow/threads/a-1`, { method: 'DELETE', headers: bearer(alice2) })).status).toBe(204);
  expect((await list(alice2)).map((t) => t.thread_id)).toEqual(['a-2']);
  const left = await rows("SELECT count(*)::int AS n FROM checkpoints WHERE thread_id LIKE '%/a-1'", []);
  expect(left[0]!.n).toBe(0);
  // The slot is free again.
  expect((await run(alice2, 'a-3')).status).toBe(200);
}, 240_000);
