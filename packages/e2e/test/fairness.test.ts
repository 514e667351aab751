// Fairness under abuse, against the real processes (`scripts/start.mjs`) with the limits lowered
// so the abuse fits in a test: one user with fresh tokens cannot spend every user's token-exchange
// budget; one user's many streams cannot push another user's finished run out of the resume
// registry (in process, and on Redis across the workflow's replicas); and 128 requests in mixed
// case add no series to `/metrics`.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteRedisPrefix, redisSkipReason, REDIS_TEST_URL } from './redis-env.js';
import { startStack, type Stack } from './stack.js';

/** The case: 30 exchanges a minute for the workflow client, 6 per user. */
const EXCHANGE_LIMITS = { TOKEN_EXCHANGE_RATE_LIMIT: '30', TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: '6' };
/** A small resume registry: 8 runs, 2 per user. */
const SMALL_REGISTRY = { STREAM_RESUME_MAX_RUNS: '8', STREAM_RESUME_MAX_RUNS_PER_USER: '2' };

interface SseEvent {
  event: string;
  data: string;
  id: string;
}

const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, ...json });

/** POSTs to a stream route and reads the whole answer: its status and the SSE events (pings and retry fields left out). */
async function stream(url: string, token: string, body: unknown, lastEventId?: string): Promise<{ status: number; events: SseEvent[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...bearer(token), accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events: SseEvent[] = [];
  for (const frame of text.split('\r\n\r\n')) {
    const e: SseEvent = { event: 'message', data: '', id: '' };
    for (const line of frame.split('\r\n')) {
      const colon = line.indexOf(': ');
      if (colon < 0) continue;
      const [k, v] = [line.slice(0, colon), line.slice(colon + 2)];
      if (k === 'event') e.event = v;
      else if (k === 'data') e.data = v;
      else if (k === 'id') e.id = v;
    }
    if (e.id) events.push(e);
  }
  return { status: res.status, events };
}

/** Every distinct `route` label value on a service's `/metrics`. */
async function routeLabels(base: string): Promise<Set<string>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return new Set([...text.matchAll(/^http_requests_total\{method="[A-Z]+",route="([^"]*)"/gm)].map((m) => m[1]!));
}

/** `word` in a casing made from the bits of `i` (0 = as written). */
const casing = (word: string, i: number) => [...word].map((c, k) => ((i >> k) & 1 ? c.toUpperCase() : c)).join('');

/**
 * bob's finished run stays resumable while carol floods the registry: 12 cheap streams that stop
 * after the first step (`recursion_limit: 1`, as in the issue) and 3 full ones. Returns what the
 * reconnects answered.
 */
async function floodAndReconnect(stack: Stack) {
  const url = `${stack.urls.workflow}/workflow/stream`;
  const [bob, carol] = [await stack.token('bob'), await stack.token('carol')];
  const body = { input: { topic: 'fair shares of the resume registry' } };
  const first = await stream(url, bob, body);
  expect(first.status).toBe(200);
  expect(first.events.at(-1)!.event).toBe('end');
  const mid = first.events.find((e) => e.event === 'data')!;
  const cheap = [];
  for (let i = 0; i < 12; i++) cheap.push(await stream(url, carol, { ...body, config: { recursion_limit: 1 } }));
  expect(cheap.map((r) => [r.status, r.events.at(-1)!.event])).toEqual(cheap.map(() => [200, 'error']));
  const full = [];
  for (let i = 0; i < 3; i++) full.push(await stream(url, carol, body));
  expect(full.map((r) => r.events.at(-1)!.event)).toEqual(['end', 'end', 'end']);

  const bobBack = await stream(url, bob, body, mid.id);
  const lastFull = (r: { events: SseEvent[] }) => r.events.find((e) => e.event === 'data')!.id;
  return {
    bobBack,
    rest: first.events.slice(first.events.indexOf(mid) + 1).map((e) => e.id),
    carolOldest: (await stream(url, carol, body, lastFull(full[0]!))).status,
    carolNewest: (await stream(url, carol, body, lastFull(full[2]!))).status,
    cheapBack: (await stream(url, carol, body, cheap[11]!.events[0]!.id)).status,
  };
}

describe('fairness on the development stack (in-process stores)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ ...EXCHANGE_LIMITS, ...SMALL_REGISTRY });
  }, 90_000);
  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  }, 60_000);

  // First: bob's and carol's exchanges here (3 each, one token each) leave the budgets the next test needs.
  it("keeps bob's finished run resumable (200, exactly the rest) while carol floods a registry of 8 runs, 2 per user", async () => {
    const r = await floodAndReconnect(stack);
    expect(r.bobBack.status).toBe(200);
    expect(r.bobBack.events.map((e) => e.id)).toEqual(r.rest);
    // Her own share (2) pushed out her own older runs, never bob's.
    expect(r.carolOldest).toBe(204);
    expect(r.cheapBack).toBe(204);
    expect(r.carolNewest).toBe(200);
  }, 180_000);

  it('after alice runs 30 times with fresh tokens and is refused, bob and carol still run; the issuer is asked once after its 429', async () => {
    const W = stack.urls.workflow;
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${W}/workflow/invoke`, {
        method: 'POST',
        headers: bearer(await stack.token('alice')),
        body: JSON.stringify({ input: { topic: `exchange budget ${i}` } }),
      });
      const body = (await res.json()) as { error?: { code: string } };
      answers.push(res.status === 200 ? '200' : `${res.status} ${body.error?.code}`);
    }
    // 6 exchanges a minute for alice = 2 runs of 3 agents.
    expect(answers.slice(0, 2)).toEqual(['200', '200']);
    expect(answers.slice(2)).toEqual(answers.slice(2).map(() => '429 AUTH_EXCHANGE_RATE_LIMITED'));
    for (const user of ['bob', 'carol']) {
      const res = await fetch(`${W}/workflow/invoke`, {
        method: 'POST',
        headers: bearer(await stack.token(user)),
        body: JSON.stringify({ input: { topic: `never ran ${user}` } }),
      });
      expect([user, res.status]).toEqual([user, 200]);
    }
    const refusals = stack.logs().filter((l) => l.service === 'issuer' && l.event === 'token.decision' && l.status === 429);
    // The workflow remembered the 429: alice's 27 later runs never reached the issuer.
    expect(refusals.map((l) => l.sub)).toEqual(['alice']);
    expect(refusals[0]!.token_fp).toMatch(/^[0-9a-f]{16}$/);
  }, 180_000);

  it('adds no metrics series for 128 requests in mixed case: the route label is the configured route', async () => {
    const { workflow, research } = stack.urls;
    const before = [await routeLabels(workflow), await routeLabels(research)];
    for (let i = 0; i < 128; i++) {
      const post = { method: 'POST', headers: json, body: '{}' };
      const answers = await Promise.all([
        fetch(`${workflow}/${casing('workflow', i)}/invoke`, post),
        fetch(`${workflow}/${casing('workflow', i)}/${casing('threads', i >> 3)}`),
        fetch(`${research}/${casing('research', i)}/invoke`, post),
      ]);
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    }
    const after = [await routeLabels(workflow), await routeLabels(research)];
    const added = after.map((labels, k) => [...labels].filter((l) => !before[k]!.has(l)).sort());
    const allowed = [['/workflow/invoke', '/workflow/threads'], ['/research/invoke']];
    added.forEach((labels, k) => expect(labels.filter((l) => !allowed[k]!.includes(l))).toEqual([]));
    expect(after[0]!.has('/workflow/invoke') && after[1]!.has('/research/invoke')).toBe(true);
  }, 120_000);
});

const redisSkip = redisSkipReason();
if (redisSkip) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${redisSkip}`);
  console.warn(`skipping the Redis fairness suite: ${redisSkip}`);
}

(redisSkip ? describe.skip : describe)('fairness with the resume registry on Redis', () => {
  const prefix = `baton-test:${randomUUID()}:`;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ ...SMALL_REGISTRY, REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: prefix });
  }, 90_000);
  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
    await deleteRedisPrefix(prefix);
  }, 60_000);

  it("keeps bob's finished run resumable while carol floods the shared registry; run records name owners by digest", async () => {
    const r = await floodAndReconnect(stack);
    expect(r.bobBack.status).toBe(200);
    expect(r.bobBack.events.map((e) => e.id)).toEqual(r.rest);
    expect(r.carolOldest).toBe(204);
    expect(r.carolNewest).toBe(200);
    expect(r.cheapBack).toBe(204);
    const redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 2 });
    try {
      const owners = [];
      for (const key of await redis.keys(`${prefix}run:*:meta`)) owners.push(await redis.hget(key, 'owner'));
      expect(owners.length).toBeGreaterThan(0);
      expect(owners.every((o) => /^[0-9a-f]{64}$/.test(o ?? ''))).toBe(true);
      expect(await redis.zcard(`${prefix}runs:owners`)).toBe(2); // bob and carol, nobody else
    } finally {
      redis.disconnect();
    }
  }, 180_000);
});
