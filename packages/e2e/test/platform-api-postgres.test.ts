// The Platform API's thread routes on Postgres (DATABASE_URL: the real workflow on PostgresSaver and
// the Postgres thread index), through the official SDK Client: a thread made, run, read back
// (state, history with `before`), updated and deleted, and a thread made on the LangServe routes
// read on the Platform API. Skips with a reason when no Postgres is reachable (fails under CI=true).
import { randomUUID } from 'node:crypto';
import { Client } from '@langchain/langgraph-sdk';
import { createTestDatabase, type TestDatabase } from '@baton/testkit/postgres';
import { startStack, type Stack } from './stack.js';

let db: TestDatabase | undefined;
let stack: Stack | undefined;

beforeAll(async () => {
  db = await createTestDatabase('baton_e2e_platform');
  if (db) stack = await startStack({ DATABASE_URL: db.url });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
}, 60_000);

it('runs, reads, updates and deletes a thread kept in Postgres, and shares it with the LangServe routes', async () => {
  if (!db || !stack) return;
  expect(stack.logs().find((l) => l.checkpointer !== undefined)?.checkpointer).toBe('postgres');
  const token = await stack.token('alice');
  const client = new Client({
    apiUrl: stack.urls.workflow,
    apiKey: null,
    defaultHeaders: { authorization: `Bearer ${token}` },
    callerOptions: { maxRetries: 0 },
  });
  const { thread_id: id } = await client.threads.create();
  const values = (await client.runs.wait(id, 'workflow', { input: { topic: 'threads on postgres' } })) as { report: string };
  expect(values.report.length).toBeGreaterThan(100);
  const history = await client.threads.getHistory(id, { limit: 50 });
  expect(history.length).toBeGreaterThan(2);
  const older = await client.threads.getHistory(id, {
    limit: 1,
    before: { configurable: { checkpoint_id: history[0]!.checkpoint.checkpoint_id } } as never,
  });
  expect(older[0]!.checkpoint.checkpoint_id).toBe(history[1]!.checkpoint.checkpoint_id);
  await client.threads.updateState(id, { values: { report: 'edited' }, asNode: 'write' });
  expect((await client.threads.getState(id)).values).toMatchObject({ report: 'edited' });

  const langserve = `ls-${randomUUID()}`;
  const res = await fetch(`${stack.urls.workflow}/workflow/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { topic: 'made on langserve' }, config: { configurable: { thread_id: langserve } } }),
  });
  expect(res.status).toBe(200);
  expect(await client.threads.get(langserve)).toMatchObject({ thread_id: langserve, values: { topic: 'made on langserve' } });

  await client.threads.delete(id);
  await expect(client.threads.get(id)).rejects.toMatchObject({ status: 404 });
});
