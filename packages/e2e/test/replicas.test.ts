// Two real workflow replicas (two spawned workflow processes) sharing one Postgres database
// (DATABASE_URL, a database of this suite's own) and one Redis key prefix (REDIS_URL), with the
// real agents and dev issuer from the stack: a thread started on replica A continues on replica B;
// a kill -9 of A mid-write loses no committed checkpoint and `input: null` on B finishes the run
// without re-running research; MAX_RUNS_PER_USER=1 holds across both replicas. Postgres or Redis
// unreachable: skipped with the reason printed (a failure under CI=true).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnService, type SpawnedService } from '@baton/testkit';
import { createTestDatabase, type TestDatabase } from '@baton/testkit/postgres';
import { deleteRedisPrefix, redisSkipReason, REDIS_TEST_URL } from './redis-env.js';
import { startStack, ROOT, type Stack } from './stack.js';

const skip = redisSkipReason();
if (skip) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${skip}`);
  console.warn(`skipping the replica suite: ${skip}`);
}

interface StreamEvent {
  event: string;
  data: unknown;
}

/** A stream request read in the background: `until(pred)` resolves with the first matching event; `done` when the body ends or breaks. */
function openStream(url: string, token: string, body: unknown) {
  const seen: StreamEvent[] = [];
  const waiters: Array<{ pred: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void }> = [];
  const push = (e: StreamEvent) => {
    seen.push(e);
    for (const w of waiters.filter((w) => w.pred(e))) w.resolve(e);
  };
  const done = (async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200 || !res.body) return res.status;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true }).replace(/\r\n/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1];
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) push({ event, data: JSON.parse(data) as unknown });
        }
      }
    } catch {
      // the replica died under the stream
    }
    return res.status;
  })();
  const until = (pred: (e: StreamEvent) => boolean) =>
    new Promise<StreamEvent>((resolve) => {
      const hit = seen.find(pred);
      if (hit) resolve(hit);
      else waiters.push({ pred, resolve });
    });
  return { seen, done, until };
}

const isDelta = (e: StreamEvent) => e.event === 'data' && (e.data as { event?: string }).event === 'delta';
const json = { 'content-type': 'application/json' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}`, ...json });

async function post(base: string, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/workflow/invoke`, { method: 'POST', headers: bearer(token), body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const onThread = (thread_id: string, input: unknown) => ({ input, config: { configurable: { thread_id } } });

async function threadState(base: string, token: string, threadId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/workflow/threads/${threadId}`, { headers: bearer(token) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `/readyz` until 200 (a loaded machine can take longer than spawnService waits); fails after 60 s. */
async function untilReady(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (
    (await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error(`${base} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

(skip ? describe.skip : describe)('two workflow replicas on one Postgres and one Redis', () => {
  const prefix = `baton-test:${randomUUID()}:`;
  const secret = randomBytes(24).toString('hex');
  const dataDirs: string[] = [];
  let db: TestDatabase | undefined;
  let stack: Stack;
  let A: SpawnedService;
  let B: SpawnedService;

  const replica = async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-replica-'));
    dataDirs.push(dir);
    const env = {
      DATABASE_URL: db!.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_KEY_PREFIX: prefix,
      MAX_RUNS_PER_USER: '1',
      // A killed replica's run slot frees itself after 5 s instead of the default 30 s (renewed
      // every 1.7 s while its replica lives, which leaves a loaded machine room to renew in time).
      REDIS_RUN_LEASE_MS: '5000',
      WORKFLOW_CLIENT_SECRET: secret,
      ISSUER_URL: stack.urls.issuer,
      RESEARCH_URL: `${stack.urls.research}/research`,
      WRITER_URL: `${stack.urls.writer}/writer`,
      REVIEWER_URL: `${stack.urls.reviewer}/reviewer`,
      WORKFLOW_DATA_DIR: dir,
    };
    const service = await spawnService(path.join(ROOT, 'apps/workflow/dist/main.js'), env, ROOT);
    await untilReady(service.base);
    return service;
  };

  /** POSTs to the research agent so far (from either replica): how many times the research node ran. */
  const researchCalls = () => stack.logs().filter((l) => l.method === 'POST' && String(l.path).startsWith('/research/')).length;

  beforeAll(async () => {
    db = await createTestDatabase('baton_e2e_replicas');
    if (!db) throw new Error('Postgres is unreachable (see the warning above)');
    // The writer slowed down so a run is still writing when a replica is killed under it.
    stack = await startStack({ WORKFLOW_CLIENT_SECRET: secret, WRITER_CHUNK_DELAY_MS: '25' });
    [A, B] = [await replica(), await replica()];
  }, 180_000);

  afterAll(async () => {
    // A killed by the test has already exited (spawnService's stop waits for an exit).
    if (A && A.child.exitCode === null && A.child.signalCode === null) await A.stop();
    await B?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    await stack?.stop();
    await db?.drop();
    await deleteRedisPrefix(prefix);
  }, 60_000);

  it('continues a thread started on replica A on replica B; both answer the same for it', async () => {
    const alice = await stack.token('alice');
    const first = await post(A.base, alice, onThread('across', { topic: 'replicated threads' }));
    expect(first.status).toBe(200);
    const [onA, onB] = [await threadState(A.base, alice, 'across'), await threadState(B.base, alice, 'across')];
    expect(onA.status).toBe(200);
    expect(onB).toEqual(onA);
    expect((onB.body.values as { report: string }).report).toBe((first.body.output as { report: string }).report);

    // B resumes A's finished thread: its final state, no node run again.
    const calls = researchCalls();
    const resumed = await post(B.base, alice, onThread('across', null));
    expect(resumed.status).toBe(200);
    expect(resumed.body.output).toEqual(first.body.output);
    expect(researchCalls()).toBe(calls);

    // A second run on B continues the same thread: its history grows, and A reads B's state.
    const second = await post(B.base, alice, onThread('across', { topic: 'replicated threads, again' }));
    expect(second.status).toBe(200);
    const after = await threadState(A.base, alice, 'across');
    expect((after.body.values as { topic: string }).topic).toBe('replicated threads, again');
    expect(after.body.checkpoints as number).toBeGreaterThan(onA.body.checkpoints as number);
    expect(await threadState(B.base, alice, 'across')).toEqual(after);
  }, 180_000);

  it('holds a per-user run limit across both replicas', async () => {
    const [dave, frank] = [await stack.token('dave'), await stack.token('frank')];
    const long = openStream(`${A.base}/workflow/stream`, dave, { input: { topic: 'a long run on A' } });
    await long.until(isDelta);
    const refused = await post(B.base, dave, { input: { topic: 'a second run on B' } });
    expect(refused.status).toBe(429);
    expect((refused.body.error as { code: string }).code).toBe('RUNNABLE_RUN_LIMIT_USER');
    // Another user is not held back by dave's run.
    expect((await post(B.base, frank, { input: { topic: 'frank on B' } })).status).toBe(200);
    expect(await long.done).toBe(200);
    expect(long.seen.at(-1)?.event).toBe('end');
  }, 180_000);

  it('loses no committed checkpoint when replica A is killed mid-write; input null on B finishes the run', async () => {
    const carol = await stack.token('carol');
    const researchedBefore = researchCalls();
    const run = openStream(`${A.base}/workflow/stream`, carol, onThread('killed', { topic: 'multi-agent workflows and OAuth scopes' }));
    await run.until(isDelta);
    A.child.kill('SIGKILL');
    await run.done;

    // The checkpoint after research was committed before the writer started: B reads it.
    const left = await threadState(B.base, carol, 'killed');
    expect(left.status).toBe(200);
    expect(left.body.next).toEqual(['write']);
    expect((left.body.values as { sources: unknown[] }).sources.length).toBeGreaterThan(0);
    expect((left.body.values as { report: string }).report).toBe('');

    // A's run held carol's slot in Redis; it frees itself when its lease lapses (a client retries a 429).
    let resumed = await post(B.base, carol, onThread('killed', null));
    for (let tries = 0; resumed.status === 429 && tries < 120; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      resumed = await post(B.base, carol, onThread('killed', null));
    }
    expect(resumed.status).toBe(200);
    const output = resumed.body.output as { topic: string; report: string; review: unknown };
    expect(output.topic).toBe('multi-agent workflows and OAuth scopes');
    expect(output.report.length).toBeGreaterThan(100);
    expect(output.review).not.toBeNull();
    // Research ran once, on A, before the kill: the resume on B did not run it again.
    expect(researchCalls()).toBe(researchedBefore + 1);
    const done = await threadState(B.base, carol, 'killed');
    expect(done.body.next).toEqual([]);
  }, 240_000);
});
