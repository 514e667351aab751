// Runs as bounded, owned resources, against a real listener and real clients: concurrent-run
// limits (429 + Retry-After, leases given back on every path), the cancel route, the SSE write
// deadline with a client that stops reading, and the drain of a shutdown.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { RunnableLambda } from '@langchain/core/runnables';
import { Caller } from '@baton/identity';
import { ActiveRuns, addRoutes, MemoryRunLimiter, type AddRoutesOptions, type AnyRunnable } from './index.js';

const asBearerUser: RequestHandler = (req, res, next) => {
  const sub = /^Bearer ([a-z]+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (!sub) return void res.status(401).end();
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

async function serve(runnable: AnyRunnable, options: Partial<AddRoutesOptions> = {}): Promise<{ url: string; port: number }> {
  const app = express();
  addRoutes(app, runnable, { path: '/r', auth: asBearerUser, ...options });
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/r`, port };
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A runnable that yields one chunk, then waits for its gate (or its abort); records how each run ended. */
function gated() {
  const gate = deferred();
  const started: Array<ReturnType<typeof deferred<void>>> = [deferred(), deferred(), deferred(), deferred(), deferred(), deferred()];
  const seen = { started: 0, aborted: [] as unknown[], finished: 0 };
  const runnable = RunnableLambda.from(async function* (input: { fail?: boolean }, config: any) {
    const signal = config.signal as AbortSignal;
    started[seen.started++]?.resolve();
    yield { chunk: 1 };
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        seen.aborted.push(signal.reason);
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void gate.promise.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    if (input.fail) throw new Error('boom');
    seen.finished++;
    yield { chunk: 2 };
  });
  return { runnable, gate, started, seen };
}

const post = (url: string, user: string, body: unknown, signal?: AbortSignal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user}` },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

/** Reads an SSE response incrementally: events as they come, `until` waits for one. */
function sseReader(res: Response) {
  const events: Array<{ event: string; data: string }> = [];
  let wake = () => {};
  const done = (async () => {
    const dec = new TextDecoder();
    let buf = '';
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
    wake();
  })();
  const until = async (pred: (e: { event: string; data: string }) => boolean) => {
    while (!events.some(pred)) {
      const woke = new Promise<void>((r) => (wake = r));
      const ended = await Promise.race([woke.then(() => false), done.then(() => true)]);
      if (ended && !events.some(pred)) throw new Error(`stream ended without the event: ${JSON.stringify(events)}`);
    }
    return events.find(pred)!;
  };
  return { events, until, done };
}

/** Waits for a condition driven by the server's own events (no timed assertion: the test timeout bounds it). */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('MemoryRunLimiter', () => {
  it('admits up to the per-user and the global limit, all or nothing, and takes slots back once', async () => {
    const limiter = new MemoryRunLimiter({ maxPerUser: 2, maxTotal: 3, retryAfterSeconds: 2 });
    const a = await limiter.acquire('alice', 2);
    expect(a.ok).toBe(true);
    expect(await limiter.acquire('alice', 1)).toEqual({ ok: false, scope: 'user', retryAfterSeconds: 2 });
    expect(await limiter.acquire('bob', 2)).toEqual({ ok: false, scope: 'global', retryAfterSeconds: 2 });
    expect(limiter.held()).toBe(2);
    const b = await limiter.acquire('bob', 1);
    expect(b.ok).toBe(true);
    if (!a.ok) throw new Error('unreachable');
    await a.lease.release();
    await a.lease.release();
    expect(limiter.held('alice')).toBe(0);
    expect(limiter.held('bob')).toBe(1);
    expect(limiter.held()).toBe(1);
    await limiter.close();
    expect(limiter.held()).toBe(0);
    if (b.ok) await b.lease.release(); // a lease from before close() gives nothing back
    expect(limiter.held()).toBe(0);
    expect(() => new MemoryRunLimiter({ maxPerUser: 0 })).toThrow(TypeError);
    await expect(limiter.acquire('alice', 0)).rejects.toThrow(TypeError);
  });
});

describe('concurrent-run limits on the routes', () => {
  it('refuses a second concurrent run of one user with 429 RUNNABLE_RUN_LIMIT_USER and Retry-After, admits another user', async () => {
    const { runnable, gate, started } = gated();
    const limiter = new MemoryRunLimiter({ maxPerUser: 1, maxTotal: 2, retryAfterSeconds: 3 });
    const { url } = await serve(runnable, { limiter });
    const first = sseReader(await post(`${url}/stream`, 'alice', { input: {} }));
    await started[0]!.promise;
    for (const route of ['invoke', 'stream', 'stream_events']) {
      const refused = await post(`${url}/${route}`, 'alice', { input: {} });
      expect([route, refused.status, refused.headers.get('retry-after')]).toEqual([route, 429, '3']);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RUNNABLE_RUN_LIMIT_USER');
    }
    const batch = await post(`${url}/batch`, 'alice', { inputs: [{}] });
    expect(batch.status).toBe(429);
    const bobs = sseReader(await post(`${url}/stream`, 'bob', { input: {} }));
    await started[1]!.promise;
    const carol = await post(`${url}/invoke`, 'carol', { input: {} });
    expect(carol.status).toBe(429);
    expect(carol.headers.get('retry-after')).toBe('3');
    expect(((await carol.json()) as { error: { code: string } }).error.code).toBe('RUNNABLE_RUN_LIMIT_GLOBAL');
    gate.resolve();
    await first.until((e) => e.event === 'end');
    await bobs.until((e) => e.event === 'end');
    await eventually(() => limiter.held() === 0);
    expect((await post(`${url}/invoke`, 'alice', { input: {} })).status).toBe(200);
  });

  it('a batch takes min(items, batchConcurrency) slots at once, all or nothing', async () => {
    const { runnable, gate, started } = gated();
    const limiter = new MemoryRunLimiter({ maxPerUser: 3, maxTotal: 10 });
    const { url } = await serve(runnable, { limiter, batchConcurrency: 2 });
    const batch = post(`${url}/batch`, 'alice', { inputs: [{}, {}, {}, {}, {}] });
    await started[1]!.promise;
    expect(limiter.held()).toBe(2);
    // One slot left for alice: a batch of two is refused whole, a single run fits.
    expect((await post(`${url}/batch`, 'alice', { inputs: [{}, {}] })).status).toBe(429);
    expect(limiter.held()).toBe(2);
    gate.resolve();
    const res = await batch;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown[] }).output).toHaveLength(5);
    expect(limiter.held()).toBe(0);
  });

  it('gives the slot back after a failure, a client that left, and a spec client that never came back', async () => {
    const { runnable, gate, started, seen } = gated();
    const limiter = new MemoryRunLimiter({ maxPerUser: 5, maxTotal: 5 });
    const { url } = await serve(runnable, { limiter, resume: { graceMs: 50 } });
    // An invoke whose client leaves mid-run.
    const gone = new AbortController();
    const invoke = post(`${url}/invoke`, 'alice', { input: {} }, gone.signal).catch(() => undefined);
    await started[0]!.promise;
    gone.abort();
    await invoke;
    // A spec client's stream that drops: the run waits out its grace window, then is aborted.
    const specGone = new AbortController();
    const spec = await fetch(`${url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice', accept: 'text/event-stream' },
      body: JSON.stringify({ input: {} }),
      signal: specGone.signal,
    });
    await started[1]!.promise;
    specGone.abort();
    await spec.body?.cancel().catch(() => {});
    await eventually(() => seen.aborted.length === 2);
    await eventually(() => limiter.held() === 0);
    // A run that fails.
    const failing = post(`${url}/invoke`, 'alice', { input: { fail: true } });
    await started[2]!.promise;
    gate.resolve();
    expect((await failing).status).toBe(500);
    expect(limiter.held()).toBe(0);
  });
});

describe('POST {path}/runs/:run_id/cancel', () => {
  it('aborts the owner’s stream (error event RUNNABLE_RUN_CANCELLED); anyone else gets the unknown-id 404', async () => {
    const { runnable, started, seen } = gated();
    const { url } = await serve(runnable);
    const stream = sseReader(await post(`${url}/stream`, 'alice', { input: {} }));
    const meta = await stream.until((e) => e.event === 'metadata');
    const runId = (JSON.parse(meta.data) as { run_id: string }).run_id;
    await started[0]!.promise;
    const foreign = await post(`${url}/runs/${runId}/cancel`, 'bob', {});
    const unknown = await post(`${url}/runs/00000000-0000-4000-8000-000000000000/cancel`, 'bob', {});
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect(await foreign.json()).toEqual(await unknown.json());
    expect(seen.aborted).toHaveLength(0);
    const cancel = await post(`${url}/runs/${runId}/cancel`, 'alice', {});
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toEqual({ run_id: runId, status: 'cancelling' });
    const err = await stream.until((e) => e.event === 'error');
    expect(JSON.parse(err.data)).toMatchObject({ code: 'RUNNABLE_RUN_CANCELLED', status_code: 409 });
    expect(seen.aborted).toHaveLength(1);
    await stream.done;
    // A finished run is not found either.
    expect((await post(`${url}/runs/${runId}/cancel`, 'alice', {})).status).toBe(404);
  });

  it('cancels a running invoke: 409 RUNNABLE_RUN_CANCELLED', async () => {
    const { runnable, started } = gated();
    const runs = new ActiveRuns();
    const registered = jest.spyOn(runs, 'register');
    const { url } = await serve(runnable, { runs });
    const invoke = post(`${url}/invoke`, 'alice', { input: {} });
    await started[0]!.promise;
    const runId = registered.mock.calls[0]![0];
    expect((await post(`${url}/runs/${runId}/cancel`, 'alice', {})).status).toBe(202);
    const res = await invoke;
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RUNNABLE_RUN_CANCELLED');
  });
});

describe('a client that goes away or stops reading', () => {
  it('/invoke aborts the run as soon as its client disconnects', async () => {
    const { runnable, started, seen } = gated();
    const { url } = await serve(runnable);
    const gone = new AbortController();
    const invoke = post(`${url}/invoke`, 'alice', { input: {} }, gone.signal).catch((e: Error) => e);
    await started[0]!.promise;
    gone.abort();
    await invoke;
    await eventually(() => seen.aborted.length === 1);
    expect((seen.aborted[0] as { code?: string }).code).toBe('REQUEST_ABORTED');
  });

  it('cuts a reader that stopped reading after the write deadline and aborts its run', async () => {
    const aborted = deferred<unknown>();
    let written = 0;
    const big = 'x'.repeat(64 * 1024);
    const flood = RunnableLambda.from(async function* (_input: unknown, config: any) {
      (config.signal as AbortSignal).addEventListener('abort', () => aborted.resolve((config.signal as AbortSignal).reason));
      while (!(config.signal as AbortSignal).aborted) {
        written++;
        yield big;
      }
    });
    const { port } = await serve(flood, { writeDeadlineMs: 200 });
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    const body = JSON.stringify({ input: {} });
    socket.write(
      `POST /r/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    // Read the first bytes, then stop reading for good.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    const reason = (await aborted.promise) as { code?: string };
    expect(reason.code).toBe('REQUEST_ABORTED');
    socket.resume(); // drain what was buffered: the connection then ends, closed by the server
    await closed;
    expect(written).toBeGreaterThan(1);
    socket.destroy();
  });
});

describe('draining for a shutdown', () => {
  it('refuses new runs with 503 SERVER_SHUTTING_DOWN, lets live ones run, and tells open streams at the deadline', async () => {
    const { runnable, started, seen } = gated();
    const runs = new ActiveRuns();
    const { url } = await serve(runnable, { runs });
    const stream = sseReader(await post(`${url}/stream`, 'alice', { input: {} }));
    await started[0]!.promise;
    runs.beginDrain();
    const refused = await post(`${url}/invoke`, 'bob', { input: {} });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SERVER_SHUTTING_DOWN');
    expect(seen.aborted).toHaveLength(0);
    let idle = false;
    void runs.whenIdle().then(() => (idle = true));
    runs.deadline();
    const err = await stream.until((e) => e.event === 'error');
    expect(JSON.parse(err.data)).toMatchObject({ code: 'SERVER_SHUTTING_DOWN', status_code: 503 });
    await stream.done;
    await eventually(() => idle && seen.aborted.length === 1);
  });
});
