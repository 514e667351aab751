// Graph-level retries against the real system: the issuer, three agents and the workflow as
// processes, each agent behind a fault switch (`FaultProxy`). Research and review are retried on
// a 503 and on a timeout up to NODE_RETRY_MAX_ATTEMPTS with a growing wait; never on a 4xx; the
// writer's stream is never sent twice.
import { FaultProxy } from './fault-proxy.js';
import { startStack, type Stack } from './stack.js';

const MAX_ATTEMPTS = 3;
const INITIAL_MS = 200;
const AGENTS = ['research', 'writer', 'reviewer'] as const;
const proxies = Object.fromEntries(AGENTS.map((a) => [a, new FaultProxy()])) as Record<(typeof AGENTS)[number], FaultProxy>;
let stack: Stack;
let token: string;

beforeAll(async () => {
  for (const p of Object.values(proxies)) await p.start();
  stack = await startStack({
    RESEARCH_URL: `http://127.0.0.1:${proxies.research.port}/research`,
    WRITER_URL: `http://127.0.0.1:${proxies.writer.port}/writer`,
    REVIEWER_URL: `http://127.0.0.1:${proxies.reviewer.port}/reviewer`,
    NODE_RETRY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    NODE_RETRY_INITIAL_MS: String(INITIAL_MS),
    NODE_RETRY_MAX_MS: '2000',
    REMOTE_FIRST_BYTE_TIMEOUT_MS: '4000',
    MAX_REVISIONS: '0',
  });
  for (const a of AGENTS) proxies[a].target = stack.urls[a];
  token = await stack.token('alice');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const p of Object.values(proxies)) await p.close();
});

beforeEach(() => {
  for (const p of Object.values(proxies)) p.set({ kind: 'pass' });
});

async function invoke(): Promise<{ status: number; body: { error?: { code: string; detail?: { node?: string; cause?: string } } } }> {
  const res = await fetch(`${stack.urls.workflow}/workflow/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { topic: 'token exchange' } }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

const gaps = (t: number[]) => t.slice(1).map((x, i) => x - t[i]!);

it('retries research on 503 with a growing wait, and the run succeeds once the agent recovers', async () => {
  proxies.research.set({ kind: 'status', status: 503, times: 2 });
  const { status } = await invoke();
  expect(status).toBe(200);
  expect(proxies.research.count).toBe(3);
  const [first, second] = gaps(proxies.research.arrivals);
  // LangGraph waits initial × 2^(n-1) (plus jitter) before the next attempt: lower bounds only
  expect(first).toBeGreaterThanOrEqual(INITIAL_MS);
  expect(second).toBeGreaterThanOrEqual(2 * INITIAL_MS);
  const retries = stack.logs().filter((l: Record<string, unknown>) => l.msg === 'retrying workflow node' && l.node === 'research');
  expect(retries.length).toBeGreaterThanOrEqual(2);
  expect(retries[0]).toMatchObject({ cause: 'REMOTE_UNAVAILABLE', remote_status: 503 });
});

it('gives up after NODE_RETRY_MAX_ATTEMPTS requests to an agent that keeps answering 503 (no second retry layer)', async () => {
  proxies.research.set({ kind: 'status', status: 503 });
  const { status, body } = await invoke();
  expect(status).toBe(502);
  expect(body.error).toMatchObject({ code: 'WORKFLOW_NODE_FAILED', detail: { node: 'research', cause: 'REMOTE_UNAVAILABLE' } });
  expect(proxies.research.count).toBe(MAX_ATTEMPTS);
  expect(proxies.writer.count).toBe(0);
});

it('retries review on 503 up to the bound too', async () => {
  proxies.reviewer.set({ kind: 'status', status: 503 });
  const { status, body } = await invoke();
  expect(status).toBe(502);
  expect(body.error?.detail).toEqual({ node: 'review', cause: 'REMOTE_UNAVAILABLE' });
  expect(proxies.reviewer.count).toBe(MAX_ATTEMPTS);
  expect(proxies.research.count).toBe(1);
  expect(proxies.writer.count).toBe(1);
});

it('retries research that does not answer in time (first-byte timeout) up to the bound, then 504', async () => {
  proxies.research.set({ kind: 'hang' });
  const { status, body } = await invoke();
  expect(status).toBe(504);
  expect(body.error).toMatchObject({ code: 'WORKFLOW_NODE_FAILED', detail: { node: 'research', cause: 'REMOTE_TIMEOUT' } });
  expect(proxies.research.count).toBe(MAX_ATTEMPTS);
  expect(gaps(proxies.research.arrivals).every((g) => g >= INITIAL_MS)).toBe(true);
});

it.each([400, 401, 403, 422, 429])('never retries a %i from research or review', async (code) => {
  proxies.research.set({ kind: 'status', status: code });
  const first = await invoke();
  expect(first.status).toBe(502);
  expect(proxies.research.count).toBe(1);

  proxies.research.set({ kind: 'pass' });
  proxies.reviewer.set({ kind: 'status', status: code });
  const second = await invoke();
  expect(second.status).toBe(502);
  expect(second.body.error?.detail?.node).toBe('review');
  expect(proxies.reviewer.count).toBe(1);
});

it('never sends the writer stream twice: not after its first byte, not after a 503', async () => {
  proxies.writer.set({ kind: 'cut-after-first-byte' });
  const cut = await invoke();
  expect(cut.status).toBe(502);
  expect(cut.body.error?.detail?.node).toBe('write');
  expect(proxies.writer.count).toBe(1);

  proxies.writer.set({ kind: 'status', status: 503 });
  const unavailable = await invoke();
  expect(unavailable.status).toBe(502);
  expect(proxies.writer.count).toBe(1);
  expect(proxies.reviewer.count).toBe(0);
});
