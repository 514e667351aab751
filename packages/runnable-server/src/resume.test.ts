import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { RunnableLambda } from '@langchain/core/runnables';
import { Caller } from '@baton/identity';
import { openPostEventSource } from '@baton/testkit';
import { addRoutes, type AddRoutesOptions, type AnyRunnable } from './index.js';

/** `Authorization: Bearer <user>` → a verified Caller for that user (the real requireAuth is tested elsewhere). */
const asBearerUser: RequestHandler = (req, _res, next) => {
  const sub = /^Bearer ([a-z]+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (!sub) return void _res.status(401).end();
  (req as unknown as { auth: unknown }).auth = new Caller({
    token: `${sub}.payload.signature`,
    principal: { sub, iss: 'https://issuer.test', aud: [], scope: [], exp: 2e9, token_fp: `fp-${sub}` },
  });
  next();
};

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(
    servers.map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

async function serve(runnable: AnyRunnable, options: Partial<AddRoutesOptions> = {}): Promise<string> {
  const app = express();
  addRoutes(app, runnable, { path: '/r', auth: asBearerUser, ...options });
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`;
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A runnable like the writer: deltas, paused at two gates the test opens; counts its runs. */
function deltaWriter(gates: Array<Promise<void>>) {
  const runs = { started: 0, aborted: 0 };
  const runnable = RunnableLambda.from(async function* (n: number, config: any) {
    runs.started++;
    config.signal?.addEventListener('abort', () => runs.aborted++);
    for (let i = 0; i < n; i++) {
      yield { delta: `d${i}` };
      const gate = gates[i];
      if (gate) await gate;
    }
  });
  return { runnable, runs };
}

/** POSTs with fetch; returns the status and the body text. */
async function post(url: string, user: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

describe('resuming an SSE run with Last-Event-ID (the eventsource client)', () => {
  it('cut mid-stream during the deltas, reconnects and receives exactly the rest of the same run', async () => {
    const afterCut = deferred();
    const afterReconnect = deferred();
    // Gates: after d3 wait until the cut is done (d4..d6 are then produced while disconnected),
    // after d6 wait until the client has reconnected (d7..d9 reach it live).
    const gates: Array<Promise<void>> = [];
    gates[3] = afterCut.promise;
    gates[6] = afterReconnect.promise;
    const { runnable, runs } = deltaWriter(gates);
    const url = await serve(runnable, { resume: { retryMs: 20 } });
    const client = openPostEventSource(`${url}/stream`, 'alice', { input: 10 });
    try {
      await client.until((e) => e.data === '{"delta":"d3"}');
      client.connections[0]!.cut.abort();
      afterCut.resolve();
      const reconnected = setInterval(() => {
        if (client.connections[1]?.status === 200) afterReconnect.resolve();
      }, 5);
      await client.until((e) => e.event === 'end');
      clearInterval(reconnected);

      const runId = JSON.parse(client.seen[0]!.data).run_id as string;
      expect(client.seen.map((e) => e.event)).toEqual(['metadata', ...Array(10).fill('data'), 'end']);
      expect(client.seen.filter((e) => e.event === 'data').map((e) => JSON.parse(e.data).delta)).toEqual(
        Array.from({ length: 10 }, (_, i) => `d${i}`),
      );
      expect(client.seen.map((e) => e.id)).toEqual(Array.from({ length: 12 }, (_, i) => `${runId}:${i}`));
      // The end event carries a data line, so a spec client sees it at all.
      expect(client.seen.at(-1)).toEqual({ event: 'end', data: '{}', id: `${runId}:11` });
      expect(client.connections.map((c) => c.lastEventId)).toEqual([null, `${runId}:4`]);
      expect(runs.started).toBe(1);
      expect(runs.aborted).toBe(0);
    } finally {
      client.es.close();
    }
  });

  it('answers 204 to a reconnect after the end, so the client stops, and starts no run', async () => {
    const { runnable, runs } = deltaWriter([]);
    const url = await serve(runnable, { resume: { retryMs: 20 } });
    const client = openPostEventSource(`${url}/stream`, 'alice', { input: 2 });
    const stopped = new Promise<void>((resolve) => client.es.addEventListener('error', () => client.es.readyState === 2 && resolve()));
    const end = await client.until((e) => e.event === 'end');
    // The server closes after `end`; the client reconnects with the end's id and is told to stop.
    await stopped;
    expect(client.connections.map((c) => [c.lastEventId, c.status])).toEqual([
      [null, 200],
      [end.id, 204],
    ]);
    expect(runs.started).toBe(1);
  });
});

describe('resuming: refusals (204, never a new run)', () => {
  async function aliceRunCutAfterFirstDelta() {
    const release = deferred();
    const { runnable, runs } = deltaWriter([release.promise]);
    const url = await serve(runnable);
    const cut = new AbortController();
    const res = await fetch(`${url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice', accept: 'text/event-stream' },
      body: JSON.stringify({ input: 3 }),
      signal: cut.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"d0"')) text += new TextDecoder().decode((await reader.read()).value);
    cut.abort();
    const runId = /"run_id":"([0-9a-f-]{36})"/.exec(text)![1]!;
    return { url, runs, runId, release };
  }

  it("refuses another user's reconnect with 204 and starts no run", async () => {
    const { url, runs, runId, release } = await aliceRunCutAfterFirstDelta();
    const bob = await post(`${url}/stream`, 'bob', { input: 3 }, { accept: 'text/event-stream', 'last-event-id': `${runId}:0` });
    expect(bob.status).toBe(204);
    expect(bob.text).toBe('');
    expect(runs.started).toBe(1);
    // Alice herself may resume: the rest of her run, nothing of it repeated.
    const alice = post(`${url}/stream`, 'alice', { input: 3 }, { accept: 'text/event-stream', 'last-event-id': `${runId}:1` });
    release.resolve();
    const resumed = await alice;
    expect(resumed.status).toBe(200);
    expect(resumed.text).toBe(
      `event: data\r\ndata: {"delta":"d1"}\r\nid: ${runId}:2\r\n\r\n` +
        `event: data\r\ndata: {"delta":"d2"}\r\nid: ${runId}:3\r\n\r\n` +
        `event: end\r\ndata: {}\r\nid: ${runId}:4\r\n\r\n`,
    );
    expect(runs.started).toBe(1);
  });

  it.each([
    ['malformed', 'not-an-id'],
    ['empty', ''],
    ['an unknown run', '0b8f0c1e-5d2a-4c1b-9a7e-3f6d2e1c0a9b:0'],
    ['a future seq', 'RUN:99'],
  ])('answers 204 to a Last-Event-ID that is %s and starts no run', async (_what, id) => {
    const { url, runs, runId, release } = await aliceRunCutAfterFirstDelta();
    const res = await post(`${url}/stream`, 'alice', { input: 3 }, { 'last-event-id': id.replace('RUN', runId) });
    expect(res.status).toBe(204);
    expect(runs.started).toBe(1);
    release.resolve();
  });

  it('answers 204 to a stream_events reconnect with a /stream run id', async () => {
    const { url, runs, runId, release } = await aliceRunCutAfterFirstDelta();
    const res = await post(`${url}/stream_events`, 'alice', { input: 3 }, { 'last-event-id': `${runId}:0` });
    expect(res.status).toBe(204);
    expect(runs.started).toBe(1);
    release.resolve();
  });

  it('answers 204 to every reconnect when resume is off', async () => {
    const { runnable, runs } = deltaWriter([]);
    const url = await serve(runnable, { resume: false });
    const first = await post(`${url}/stream`, 'alice', { input: 1 }, { accept: 'text/event-stream' });
    const runId = /"run_id":"([0-9a-f-]{36})"/.exec(first.text)![1]!;
    const res = await post(`${url}/stream`, 'alice', { input: 1 }, { 'last-event-id': `${runId}:0` });
    expect(res.status).toBe(204);
    expect(runs.started).toBe(1);
  });
});

describe('disconnects', () => {
  it("aborts a spec client's run after the grace window when nobody resumes", async () => {
    const never = new Promise<void>(() => undefined);
    const aborted = deferred();
    const runnable = RunnableLambda.from(async function* (_x: number, config: any) {
      yield 'started';
      await new Promise((_r, reject) =>
        config.signal.addEventListener('abort', () => {
          aborted.resolve();
          reject(config.signal.reason);
        }),
      );
      await never;
    });
    const url = await serve(runnable, { resume: { graceMs: 50 } });
    const cut = new AbortController();
    const res = await fetch(`${url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice', accept: 'text/event-stream' },
      body: JSON.stringify({ input: 1 }),
      signal: cut.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"started"')) text += new TextDecoder().decode((await reader.read()).value);
    cut.abort();
    await expect(aborted.promise).resolves.toBeUndefined();
  });

  it('keeps the official-client framing without Accept: end has no data line', async () => {
    const { runnable } = deltaWriter([]);
    const url = await serve(runnable);
    const { text, contentType } = await post(`${url}/stream`, 'alice', { input: 1 });
    expect(contentType).toMatch(/^text\/event-stream/);
    const runId = /"run_id":"([0-9a-f-]{36})"/.exec(text)![1]!;
    expect(text).toBe(
      `event: metadata\r\ndata: {"run_id":"${runId}"}\r\nid: ${runId}:0\r\n\r\n` +
        `event: data\r\ndata: {"delta":"d0"}\r\nid: ${runId}:1\r\n\r\n` +
        `event: end\r\nid: ${runId}:2\r\n\r\n`,
    );
  });
});
