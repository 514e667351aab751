import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { RunnableLambda } from '@langchain/core/runnables';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { Caller } from '@baton/identity';
import { addRoutes, type AddRoutesOptions, type AnyRunnable } from './index.js';

const withPrincipal: RequestHandler = (req, _res, next) => {
  (req as unknown as { auth: unknown }).auth = new Caller({
    token: 'header.payload.signature',
    principal: { sub: 'alice', iss: 'i', aud: [], scope: [], exp: 2e9, token_fp: 'fp' },
  });
  next();
};

function makeApp(runnable: AnyRunnable, options: Partial<AddRoutesOptions> = {}) {
  const app = express();
  addRoutes(app, runnable, { path: '/r', auth: withPrincipal, ...options });
  return app;
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when `signal` aborts (then `true`), or after `fallbackMs` (`false`) so an unfixed server cannot hang the suite. */
function abortedWithin(signal: AbortSignal, fallbackMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const t = setTimeout(() => resolve(false), fallbackMs);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Counts what the batch's items did: started, in flight now and at most, saw their signal abort, finished. */
function batchProbe(item: (i: number, signal: AbortSignal, probe: Probe) => Promise<unknown>) {
  const probe = { started: 0, inFlight: 0, maxInFlight: 0, aborted: 0, finished: 0, allStarted: deferred() };
  const runnable = RunnableLambda.from(async (i: number, config: any) => {
    probe.started++;
    probe.inFlight++;
    probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
    try {
      const out = await item(i, config.signal, probe);
      probe.finished++;
      return out;
    } finally {
      probe.inFlight--;
    }
  });
  return { runnable, probe };
}
type Probe = ReturnType<typeof batchProbe>['probe'];

const inputs = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('POST /batch: bounded concurrency', () => {
  it('runs at most batchConcurrency items at once, and all of them, in order', async () => {
    const { runnable, probe } = batchProbe(async (i) => {
      await new Promise((r) => setTimeout(r, 5));
      return i * 2;
    });
    const res = await request(makeApp(runnable, { batchConcurrency: 3 }))
      .post('/r/batch')
      .send({ inputs: inputs(10) });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual(inputs(10).map((i) => i * 2));
    expect(res.body.metadata.run_ids).toHaveLength(10);
    expect(probe.started).toBe(10);
    expect(probe.maxInFlight).toBe(3);
  });

  it('defaults to 4 at once', async () => {
    const { runnable, probe } = batchProbe(async (i) => {
      await new Promise((r) => setTimeout(r, 5));
      return i;
    });
    const res = await request(makeApp(runnable))
      .post('/r/batch')
      .send({ inputs: inputs(12) });
    expect(res.status).toBe(200);
    expect(probe.maxInFlight).toBe(4);
  });

  it('refuses a batchConcurrency that is not a positive integer', () => {
    expect(() =>
      makeApp(
        RunnableLambda.from((x: number) => x),
        { batchConcurrency: 0 },
      ),
    ).toThrow(TypeError);
  });
});

describe('POST /batch: one failure aborts the siblings', () => {
  it('aborts every item in flight, starts no more, and answers with the first failure', async () => {
    const { runnable, probe } = batchProbe(async (i, signal, p) => {
      if (p.started === 4) p.allStarted.resolve();
      if (i === 0) {
        await p.allStarted.promise;
        throw new Error('item 0 broke');
      }
      if (await abortedWithin(signal, 3000)) {
        p.aborted++;
        throw signal.reason;
      }
      return i;
    });
    const res = await request(makeApp(runnable, { batchConcurrency: 4 }))
      .post('/r/batch')
      .send({ inputs: inputs(10) });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('RUNNABLE_FAILED');
    expect(JSON.stringify(res.body)).not.toContain('item 0 broke');
    expect(probe.started).toBe(4);
    expect(probe.aborted).toBe(3);
    expect(probe.finished).toBe(0);
    expect(probe.inFlight).toBe(0);
  });

  it('keeps the failing item’s own code (a recursion limit is 422)', async () => {
    const { runnable, probe } = batchProbe(async (i, signal) => {
      if (i === 1) throw Object.assign(new Error('Recursion limit of 1 reached'), { name: 'GraphRecursionError' });
      if (await abortedWithin(signal, 3000)) throw signal.reason;
      return i;
    });
    const res = await request(makeApp(runnable, { batchConcurrency: 2 }))
      .post('/r/batch')
      .send({ inputs: inputs(6) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('RUNNABLE_RECURSION_LIMIT');
    expect(probe.started).toBe(2);
    expect(probe.finished).toBe(0);
  });
});

describe('POST /batch: the client leaves', () => {
  const servers: http.Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('aborts every item in flight and starts no more', async () => {
    const logged = deferred<unknown>();
    const logger = { error: () => undefined, warn: (obj: unknown) => logged.resolve(obj) };
    const allAborted = deferred();
    const { runnable, probe } = batchProbe(async (_i, signal, p) => {
      if (p.started === 4) p.allStarted.resolve();
      if (await abortedWithin(signal, 3000)) {
        if (++p.aborted === 4) allAborted.resolve();
        throw signal.reason;
      }
      return 0;
    });
    const server = http.createServer(makeApp(runnable, { batchConcurrency: 4, logger }));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r/batch`;
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ inputs: inputs(10) }));
    await probe.allStarted.promise;
    req.destroy();
    await allAborted.promise;
    expect(await logged.promise).toMatchObject({ route: 'batch', code: 'REQUEST_ABORTED' });
    expect(probe.started).toBe(4);
    expect(probe.aborted).toBe(4);
    expect(probe.finished).toBe(0);
  });
});

/** A graph that loops until `n` reaches `until`: `until` supersteps. */
function countingGraph(): AnyRunnable {
  const State = Annotation.Root({ n: Annotation<number>(), until: Annotation<number>() });
  return new StateGraph(State)
    .addNode('step', (s: { n: number }) => ({ n: s.n + 1 }))
    .addEdge(START, 'step')
    .addConditionalEdges('step', (s: { n: number; until: number }) => (s.n >= s.until ? END : 'step'), ['step', END])
    .compile() as unknown as AnyRunnable;
}

describe('recursion_limit', () => {
  const graph = countingGraph();

  it('lets a run within the limit finish', async () => {
    const res = await request(makeApp(graph))
      .post('/r/invoke')
      .send({ input: { n: 0, until: 10 } });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ n: 10, until: 10 });
  });

  it('answers 422 RUNNABLE_RECURSION_LIMIT, never 500, when the run hits the client’s limit', async () => {
    for (const config of [{ recursion_limit: 1 }, { recursionLimit: 3 }]) {
      const res = await request(makeApp(graph))
        .post('/r/invoke')
        .send({ input: { n: 0, until: 10 }, config });
      expect(res.status).toBe(422);
      expect(res.body.error).toEqual({ code: 'RUNNABLE_RECURSION_LIMIT', message: 'The run hit its recursion limit before it finished' });
    }
  });

  it('caps a client’s recursion_limit at maxRecursionLimit', async () => {
    const app = makeApp(graph, { maxRecursionLimit: 5 });
    const capped = await request(app)
      .post('/r/invoke')
      .send({ input: { n: 0, until: 10 }, config: { recursion_limit: 1000 } });
    expect(capped.status).toBe(422);
    expect(capped.body.error.code).toBe('RUNNABLE_RECURSION_LIMIT');
    const unset = await request(app)
      .post('/r/invoke')
      .send({ input: { n: 0, until: 10 } });
    expect(unset.status).toBe(422);
    const within = await request(app)
      .post('/r/invoke')
      .send({ input: { n: 0, until: 4 }, config: { recursion_limit: 1000 } });
    expect(within.status).toBe(200);
  });

  it('shows the runnable the capped limit', async () => {
    const view = RunnableLambda.from(async (_x: unknown, config: any) => config.recursionLimit);
    const app = makeApp(view, { maxRecursionLimit: 8 });
    // RunnableLambda hands its function the child config: one lower.
    expect(
      (
        await request(app)
          .post('/r/invoke')
          .send({ input: 1, config: { recursion_limit: 99 } })
      ).body.output,
    ).toBe(7);
    expect(
      (
        await request(app)
          .post('/r/invoke')
          .send({ input: 1, config: { recursion_limit: 3 } })
      ).body.output,
    ).toBe(2);
    expect((await request(app).post('/r/invoke').send({ input: 1 })).body.output).toBe(7);
  });

  it('is an error event with the code on /stream', async () => {
    const res = await request(makeApp(graph))
      .post('/r/stream')
      .send({ input: { n: 0, until: 10 }, config: { recursion_limit: 2 } });
    expect(res.status).toBe(200);
    const frames = res.text.split('\r\n\r\n').filter(Boolean);
    const last = frames.at(-1) ?? '';
    expect(last).toMatch(/^event: error\r\ndata: /);
    const data = JSON.parse(last.split('\r\n')[1]!.slice('data: '.length));
    expect(data).toEqual({
      status_code: 422,
      message: 'The run hit its recursion limit before it finished',
      code: 'RUNNABLE_RECURSION_LIMIT',
    });
    expect(frames.some((f) => f.startsWith('event: end'))).toBe(false);
  });
});
