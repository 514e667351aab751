// Two real workflow replicas sharing one Redis (REDIS_URL), with the real agents and dev issuer: a
// stream started on replica A, cut, and resumed with Last-Event-ID on replica B gets exactly the
// rest of the same run. The Redis is BATON_TEST_REDIS_URL (default redis://127.0.0.1:6379), under
// a key prefix of this suite's own, deleted after; unreachable, the suite is skipped (fails under CI=true).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { freePort, spawnService, type SpawnedService } from '@baton/testkit';
import { deleteRedisPrefix, redisSkipReason, REDIS_TEST_URL as REDIS_URL } from './redis-env.js';
import { startStack, ROOT, type Stack } from './stack.js';

const skip = redisSkipReason();
if (skip) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${skip}`);
  console.warn(`skipping the two-replica suite: ${skip}`);
}

interface SseEvent {
  event: string;
  data: string;
  id: string;
}

/** POSTs a stream request and parses the SSE as it arrives; `stop` returning true cuts the connection. */
async function streamUntil(url: string, token: string, headers: Record<string, string>, stop: (e: SseEvent) => boolean) {
  const cut = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ input: { topic: 'replicated streams' } }),
    signal: cut.signal,
  });
  const events: SseEvent[] = [];
  if (res.status !== 200 || !res.body) return { status: res.status, events };
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      let i;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 4);
        const e: SseEvent = { event: 'message', data: '', id: '' };
        for (const line of frame.split('\r\n')) {
          const colon = line.indexOf(': ');
          if (colon < 0) continue;
          const [k, v] = [line.slice(0, colon), line.slice(colon + 2)];
          if (k === 'event') e.event = v;
          else if (k === 'data') e.data = v;
          else if (k === 'id') e.id = v;
        }
        if (!e.id) continue; // a ping or the retry field
        events.push(e);
        if (stop(e)) {
          cut.abort();
          return { status: res.status, events };
        }
      }
    }
  } catch (err) {
    if (!cut.signal.aborted) throw err;
  }
  return { status: res.status, events };
}

/** Polls `/readyz` until 200 (a loaded machine can take longer than spawnService waits); fails after 60 s. */
async function untilReady(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${base} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

(skip ? describe.skip : describe)('two workflow replicas sharing one Redis', () => {
  const prefix = `baton-test:${randomUUID()}:`;
  const secret = randomBytes(24).toString('hex');
  let stack: Stack;
  let replicaB: SpawnedService;
  let dataDirB: string;
  let alice: string;

  beforeAll(async () => {
    const shared = { REDIS_URL, REDIS_KEY_PREFIX: prefix, WORKFLOW_CLIENT_SECRET: secret };
    // The writer slowed down so the run is still streaming when the client comes back.
    stack = await startStack({ ...shared, WRITER_CHUNK_DELAY_MS: '25' });
    dataDirB = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-b-'));
    replicaB = await spawnService(
      path.join(ROOT, 'apps/workflow/dist/main.js'),
      {
        ...shared,
        ISSUER_URL: stack.urls.issuer,
        RESEARCH_URL: `${stack.urls.research}/research`,
        WRITER_URL: `${stack.urls.writer}/writer`,
        REVIEWER_URL: `${stack.urls.reviewer}/reviewer`,
        WORKFLOW_DATA_DIR: dataDirB,
      },
      ROOT,
    );
    // Ready, not only healthy (start.mjs waits for /healthz): each holds the issuer's keys and reaches Redis.
    await untilReady(stack.urls.workflow);
    await untilReady(replicaB.base);
    alice = await stack.token('alice');
  }, 120_000);

  afterAll(async () => {
    await replicaB?.stop();
    if (dataDirB) rmSync(dataDirB, { recursive: true, force: true });
    expect(await stack?.stop()).toBe(0);
    await deleteRedisPrefix(prefix);
  }, 60_000);

  it('both replicas are ready with Redis', async () => {
    expect((await fetch(`${stack.urls.workflow}/readyz`)).status).toBe(200);
    expect((await fetch(`${replicaB.base}/readyz`)).status).toBe(200);
  });

  it('a replica whose Redis is unreachable is live but not ready', async () => {
    const closedPort = await freePort();
    const lonely = await spawnService(
      path.join(ROOT, 'apps/workflow/dist/main.js'),
      {
        // The stack's issuer: keys are fetched, so Redis alone keeps it from being ready.
        ISSUER_URL: stack.urls.issuer,
        REDIS_URL: `redis://127.0.0.1:${closedPort}`,
        WORKFLOW_CLIENT_SECRET: secret,
        WORKFLOW_DATA_DIR: dataDirB,
        CHECKPOINTER: 'none',
      },
      ROOT,
    );
    try {
      const deadline = Date.now() + 60_000;
      while (
        (await fetch(`${lonely.base}/healthz`).then(
          (r) => r.status,
          () => 0,
        )) !== 200
      ) {
        if (Date.now() > deadline) throw new Error('the replica did not come up');
        await new Promise((r) => setTimeout(r, 100));
      }
      // Once its keys are held (the first readiness check starts the fetch), the reason is Redis.
      let body: unknown;
      for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
        const ready = await fetch(`${lonely.base}/readyz`);
        expect(ready.status).toBe(503);
        body = await ready.json();
        if ((body as { reason?: string }).reason?.includes('Redis')) break;
      }
      expect(body).toEqual({ status: 'not_ready', reason: 'Redis (REDIS_URL) is unreachable' });
    } finally {
      await lonely.stop();
    }
  });

  it('a stream started on replica A, cut during the deltas, resumes on replica B with exactly the rest of the same run', async () => {
    const isDelta = (e: SseEvent) => e.event === 'data' && JSON.parse(e.data).event === 'delta';
    const first = await streamUntil(`${stack.urls.workflow}/workflow/stream`, alice, {}, isDelta);
    expect(first.status).toBe(200);
    const lastId = first.events.at(-1)!.id;
    const rest = await streamUntil(`${replicaB.base}/workflow/stream`, alice, { 'last-event-id': lastId }, () => false);
    expect(rest.status).toBe(200);

    const all = [...first.events, ...rest.events];
    const runId = JSON.parse(all[0]!.data).run_id as string;
    // Every event once, in order, ids <run_id>:0..n; one metadata (one run); the run's own end.
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => `${runId}:${i}`));
    expect(all.filter((e) => e.event === 'metadata')).toHaveLength(1);
    expect(all.at(-1)).toMatchObject({ event: 'end', data: '{}' });
    const data = all.filter((e) => e.event === 'data').map((e) => JSON.parse(e.data));
    const deltas = data.filter((d) => d.event === 'delta');
    const lastRevision = Math.max(...deltas.map((d) => d.revision));
    const output = data.find((d) => d.event === 'output');
    expect(
      deltas
        .filter((d) => d.revision === lastRevision)
        .map((d) => d.delta)
        .join(''),
    ).toBe(output.output.report);

    // After the end, a reconnect on either replica is told to stop.
    const after = await streamUntil(`${replicaB.base}/workflow/stream`, alice, { 'last-event-id': all.at(-1)!.id }, () => false);
    expect(after.status).toBe(204);
  });

  it('another user replaying the id on replica B gets 204', async () => {
    const bob = await stack.token('bob');
    const isDelta = (e: SseEvent) => e.event === 'data' && JSON.parse(e.data).event === 'delta';
    const first = await streamUntil(`${stack.urls.workflow}/workflow/stream`, alice, {}, isDelta);
    const foreign = await streamUntil(`${replicaB.base}/workflow/stream`, bob, { 'last-event-id': first.events.at(-1)!.id }, () => false);
    expect(foreign.status).toBe(204);
    // alice's own resume finishes the run (so nothing is left streaming when the suite stops).
    const rest = await streamUntil(`${replicaB.base}/workflow/stream`, alice, { 'last-event-id': first.events.at(-1)!.id }, () => false);
    expect(rest.events.at(-1)?.event).toBe('end');
  });
});
