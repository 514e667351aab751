// Runs as bounded, owned resources on the real system: a workflow process of the test's own
// (apps/workflow/dist/main.js, spawned with the env under test) calling the real issuer and agents
// of a stack. Limits (429 + Retry-After), the cancel route and a client that leaves reach the
// agents (the writer logs its aborted call); SIGTERM drains: /readyz 503, new runs 503, an
// in-flight invoke finishes, an open stream gets an `error` event at the deadline.
import path from 'node:path';
import { spawnService, type SpawnedService } from '@baton/testkit';
import { ROOT, startStack, type Stack } from './stack.js';

const SECRET = 'e2e-runs-client-secret-0123456789abcdef';
let stack: Stack;
let alice: string;
let bob: string;
const spawned: SpawnedService[] = [];

beforeAll(async () => {
  // A writer slow enough that a run is still streaming while the test acts on it.
  stack = await startStack({ WORKFLOW_CLIENT_SECRET: SECRET, WRITER_CHUNK_DELAY_MS: '30' });
  alice = await stack.token('alice');
  bob = await stack.token('bob');
}, 90_000);

afterAll(async () => {
  for (const s of spawned) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  const code = await stack?.stop();
  expect(code).toBe(0);
});

/** A workflow process of its own against the stack's issuer and agents. */
async function spawnWorkflow(env: Record<string, string>): Promise<SpawnedService> {
  const dir = path.join(ROOT, 'apps/workflow');
  const wf = await spawnService(
    path.join(dir, 'dist/main.js'),
    {
      ISSUER_URL: stack.urls.issuer,
      RESEARCH_URL: `${stack.urls.research}/research`,
      WRITER_URL: `${stack.urls.writer}/writer`,
      REVIEWER_URL: `${stack.urls.reviewer}/reviewer`,
      WORKFLOW_CLIENT_SECRET: SECRET,
      CHECKPOINTER: 'none',
      ...env,
    },
    dir,
  );
  spawned.push(wf);
  return wf;
}

const post = (base: string, route: string, token: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${base}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

/** Reads an SSE response incrementally; `until` waits for a matching event. */
function sseReader(res: Response) {
  const events: Array<{ event: string; data: string }> = [];
  let wake = () => {};
  const done = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (block.startsWith(':')) continue;
          events.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? '', data: /^data: (.*)$/m.exec(block)?.[1] ?? '' });
          wake();
        }
      }
    } catch {
      // connection cut: `until` reports what was seen
    }
    wake();
  })();
  const until = async (pred: (e: { event: string; data: string }) => boolean) => {
    while (!events.some(pred)) {
      const woke = new Promise<void>((r) => (wake = r));
      const ended = await Promise.race([woke.then(() => false), done.then(() => true)]);
      if (ended && !events.some(pred)) throw new Error(`stream ended without the event: ${JSON.stringify(events.slice(-3))}`);
    }
    return events.find(pred)!;
  };
  return { events, until, done };
}

const isDelta = (e: { event: string; data: string }) => e.event === 'data' && e.data.includes('"delta"');
const runIdOf = async (s: ReturnType<typeof sseReader>) =>
  (JSON.parse((await s.until((e) => e.event === 'metadata')).data) as { run_id: string }).run_id;

/** Writer calls the writer agent saw aborted (its own log line): the abort crossed the process boundary. */
const writerAborts = () =>
  stack.logs().filter((l) => l.service === 'agent-writer' && l.code === 'REQUEST_ABORTED' && l.level === 'warn').length;
/** Writer calls allowed for `sub` so far (the writer's audit events). */
const writerCalls = (sub: string) =>
  stack.logs().filter((l) => l.audit === true && l.service === 'agent-writer' && l.decision === 'allow' && l.sub === sub).length;

async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('concurrent-run limits and the cancel route', () => {
  it('refuses past the per-user and total limits with 429 + Retry-After; cancel stops the owner’s run down to the agent', async () => {
    const wf = await spawnWorkflow({ MAX_RUNS_PER_USER: '2', MAX_RUNS_TOTAL: '3' });
    const streams = [await post(wf.base, '/workflow/stream', alice, { input: { topic: 'bounded runs one' } })];
    streams.push(await post(wf.base, '/workflow/stream', alice, { input: { topic: 'bounded runs two' } }));
    const [a1, a2] = streams.map(sseReader);
    const userRefused = await post(wf.base, '/workflow/invoke', alice, { input: { topic: 'one too many' } });
    expect([userRefused.status, userRefused.headers.get('retry-after'), await codeOf(userRefused)]).toEqual([
      429,
      '1',
      'RUNNABLE_RUN_LIMIT_USER',
    ]);
    const b1 = sseReader(await post(wf.base, '/workflow/stream', bob, { input: { topic: 'bounded runs bob' } }));
    const globalRefused = await post(wf.base, '/workflow/stream', bob, { input: { topic: 'service full' } });
    expect([globalRefused.status, globalRefused.headers.get('retry-after'), await codeOf(globalRefused)]).toEqual([
      429,
      '1',
      'RUNNABLE_RUN_LIMIT_GLOBAL',
    ]);

    // Cancel alice's first run once its writer streams: bob cannot (the same 404 as an unknown id), alice can.
    const runId = await runIdOf(a1!);
    await a1!.until(isDelta);
    const abortsBefore = writerAborts();
    const foreign = await post(wf.base, `/workflow/runs/${runId}/cancel`, bob, {});
    const unknown = await post(wf.base, '/workflow/runs/3f1c2a8e-0000-4000-8000-000000000000/cancel', bob, {});
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect(await foreign.json()).toEqual(await unknown.json());
    const cancel = await post(wf.base, `/workflow/runs/${runId}/cancel`, alice, {});
    expect(cancel.status).toBe(202);
    const err = await a1!.until((e) => e.event === 'error');
    expect(JSON.parse(err.data)).toMatchObject({ code: 'RUNNABLE_RUN_CANCELLED' });
    await eventually(() => writerAborts() > abortsBefore);

    // Her slot is back: a new run of hers is admitted.
    const again = sseReader(await post(wf.base, '/workflow/stream', alice, { input: { topic: 'after cancel' } }));
    await again.until((e) => e.event === 'end');
    await Promise.all([a2!.until((e) => e.event === 'end'), b1.until((e) => e.event === 'end')]);
    expect(await wf.stop()).toBe(0);
  }, 120_000);

  it('/invoke whose client disconnects aborts the run and its agent call at once', async () => {
    const wf = await spawnWorkflow({});
    const calls = writerCalls('alice');
    const abortsBefore = writerAborts();
    const gone = new AbortController();
    const invoke = post(wf.base, '/workflow/invoke', alice, { input: { topic: 'a client that leaves' } }, gone.signal).catch(
      () => undefined,
    );
    await eventually(() => writerCalls('alice') > calls);
    gone.abort();
    await invoke;
    await eventually(() => writerAborts() > abortsBefore);
    await eventually(() => wf.output().includes('"code":"REQUEST_ABORTED"'));
    expect(await wf.stop()).toBe(0);
  }, 120_000);
});

describe('graceful shutdown (SIGTERM)', () => {
  it('readiness goes false, new runs get 503 SERVER_SHUTTING_DOWN, an in-flight invoke finishes, exit 0', async () => {
    const wf = await spawnWorkflow({ SHUTDOWN_TIMEOUT_MS: '60000' });
    const calls = writerCalls('alice');
    const invoke = post(wf.base, '/workflow/invoke', alice, { input: { topic: 'finish before exit' } });
    await eventually(() => writerCalls('alice') > calls);
    const exited = new Promise<number | null>((resolve) => wf.child.once('exit', (code) => resolve(code)));
    wf.child.kill('SIGTERM');
    await eventually(() => wf.output().includes('"shutting down"'));
    const ready = await fetch(`${wf.base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'not_ready', reason: 'shutting down' }]);
    const refused = await post(wf.base, '/workflow/stream', bob, { input: { topic: 'too late' } });
    expect(refused.status).toBe(503);
    expect(await codeOf(refused)).toBe('SERVER_SHUTTING_DOWN');
    const res = await invoke;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: { report: string } }).output.report.length).toBeGreaterThan(100);
    expect(await exited).toBe(0);
  }, 120_000);

  it('an open stream gets an error event SERVER_SHUTTING_DOWN at the drain deadline, then the socket closes', async () => {
    const wf = await spawnWorkflow({ SHUTDOWN_TIMEOUT_MS: '300' });
    const stream = sseReader(await post(wf.base, '/workflow/stream', alice, { input: { topic: 'cut by a deploy' } }));
    await stream.until(isDelta);
    const exited = new Promise<number | null>((resolve) => wf.child.once('exit', (code) => resolve(code)));
    wf.child.kill('SIGTERM');
    const err = await stream.until((e) => e.event === 'error');
    expect(JSON.parse(err.data)).toMatchObject({ code: 'SERVER_SHUTTING_DOWN', status_code: 503 });
    await stream.done;
    expect(stream.events.at(-1)?.event).toBe('error');
    // The deadline passed with a run still open: exit 1, as documented.
    expect(await exited).toBe(1);
  }, 120_000);
});
