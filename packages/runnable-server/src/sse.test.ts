import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { RunnableLambda } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';
import { Caller } from '@baton/identity';
import { addRoutes, type AddRoutesOptions, type AnyRunnable } from './index.js';

const withPrincipal: RequestHandler = (req, _res, next) => {
  (req as unknown as { auth: unknown }).auth = new Caller({
    token: 'header.payload.signature',
    principal: { sub: 'alice', iss: 'i', aud: [], scope: [], exp: 2e9, token_fp: 'fp' },
  });
  next();
};

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function serve(runnable: AnyRunnable, options: Partial<AddRoutesOptions> = {}): Promise<string> {
  const app = express();
  addRoutes(app, runnable, { path: '/r', auth: withPrincipal, ...options });
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`;
}

/** POSTs JSON and hands each raw chunk to onChunk; resolves with the response and the whole body text. */
function post(url: string, body: unknown, onChunk?: (text: string, req: http.ClientRequest) => void) {
  return new Promise<{ res: http.IncomingMessage; text: string }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        onChunk?.(text, req);
      });
      res.on('end', () => resolve({ res, text }));
      res.on('error', reject);
      res.on('aborted', () => resolve({ res, text }));
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(JSON.stringify(body));
  });
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function* counter(n: number, gate?: Promise<void>) {
  for (let i = 0; i < n; i++) {
    yield `chunk-${i}`;
    if (i === 0 && gate) await gate;
  }
}

describe('POST /stream', () => {
  it('frames metadata, one data event per chunk and end like LangServe (CRLF), each with an id <run_id>:<seq>', async () => {
    const url = await serve(RunnableLambda.from((n: number) => counter(n)));
    const { res, text } = await post(`${url}/stream`, { input: 3 });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    const runId = /"run_id":"([0-9a-f-]{36})"/.exec(text)?.[1];
    expect(runId).toBeDefined();
    expect(text).toBe(
      `event: metadata\r\ndata: {"run_id":"${runId}"}\r\nid: ${runId}:0\r\n\r\n` +
        `event: data\r\ndata: "chunk-0"\r\nid: ${runId}:1\r\n\r\n` +
        `event: data\r\ndata: "chunk-1"\r\nid: ${runId}:2\r\n\r\n` +
        `event: data\r\ndata: "chunk-2"\r\nid: ${runId}:3\r\n\r\n` +
        // No data line without `Accept: text/event-stream`: the official client would yield a null chunk.
        `event: end\r\nid: ${runId}:4\r\n\r\n`,
    );
  });

  it('flushes each chunk as it is produced', async () => {
    const gate = deferred();
    const url = await serve(RunnableLambda.from((n: number) => counter(n, gate.promise)));
    let sawFirstBeforeSecondWasMade = false;
    const { text } = await post(`${url}/stream`, { input: 2 }, (soFar) => {
      if (soFar.includes('"chunk-0"') && !soFar.includes('"chunk-1"')) {
        sawFirstBeforeSecondWasMade = true;
        gate.resolve();
      }
    });
    expect(sawFirstBeforeSecondWasMade).toBe(true);
    expect(text).toMatch(/event: end\r\nid: \S+\r\n\r\n$/);
  });

  it('sends a ": ping" comment every pingIntervalMs while the runnable is quiet', async () => {
    const gate = deferred();
    const url = await serve(
      RunnableLambda.from((n: number) => counter(n, gate.promise)),
      { pingIntervalMs: 5 },
    );
    const { text } = await post(`${url}/stream`, { input: 2 }, (soFar) => {
      if (soFar.includes(': ping\r\n\r\n')) gate.resolve();
    });
    expect(text).toMatch(/"chunk-0"\r\nid: \S+:1\r\n\r\n(: ping\r\n\r\n)+event: data\r\ndata: "chunk-1"/);
  });

  it('ends a failed stream with an error event carrying status_code, message and code', async () => {
    const url = await serve(
      RunnableLambda.from(async function* () {
        yield 'first';
        throw new Error('secret internals');
      }),
    );
    const { text } = await post(`${url}/stream`, { input: 1 });
    expect(text).toMatch(/event: data\r\ndata: "first"\r\nid: \S+:1\r\n\r\n/);
    expect(text).toMatch(
      /event: error\r\ndata: \{"status_code":500,"message":"The runnable failed","code":"RUNNABLE_FAILED"\}\r\nid: \S+:2\r\n\r\n$/,
    );
    expect(text).not.toContain('secret internals');
    expect(text).not.toContain('event: end');
  });

  it('keeps a BatonError status and code in the error event', async () => {
    const url = await serve(
      RunnableLambda.from(async () => {
        throw new BatonError('REMOTE_FORBIDDEN', 'The writer agent refused the call', { status: 403 });
      }),
    );
    const { text } = await post(`${url}/stream`, { input: 1 });
    expect(text).toContain(
      'event: error\r\ndata: {"status_code":403,"message":"The writer agent refused the call","code":"REMOTE_FORBIDDEN"}\r\nid: ',
    );
  });

  it('reports request errors before the stream starts as JSON with a status', async () => {
    const url = await serve(RunnableLambda.from((x: unknown) => x));
    const { res, text } = await post(`${url}/stream`, { nope: 1 });
    expect(res.statusCode).toBe(422);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'RUNNABLE_REQUEST_INVALID' }, message: expect.any(String) });
  });

  it('aborts the runnable when the client disconnects mid-stream', async () => {
    const aborted = deferred<unknown>();
    const url = await serve(
      RunnableLambda.from(async function* (_x: unknown, config: any) {
        yield 'started';
        await new Promise((_resolve, reject) => {
          config.signal.addEventListener('abort', () => {
            aborted.resolve(config.signal.reason);
            reject(config.signal.reason);
          });
        });
      }),
    );
    await post(`${url}/stream`, { input: 1 }, (soFar, req) => {
      if (soFar.includes('"started"')) req.destroy();
    });
    await expect(aborted.promise).resolves.toMatchObject({ code: 'REQUEST_ABORTED' });
  });
});

describe('POST /invoke abort', () => {
  it('aborts the runnable when the client disconnects before the response', async () => {
    const started = deferred();
    const aborted = deferred<boolean>();
    const url = await serve(
      RunnableLambda.from(async (_x: unknown, config: any) => {
        started.resolve();
        await new Promise((_resolve, reject) => {
          config.signal.addEventListener('abort', () => {
            aborted.resolve(true);
            reject(config.signal.reason);
          });
        });
      }),
    );
    const req = http.request(`${url}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ input: 1 }));
    await started.promise;
    req.destroy();
    await expect(aborted.promise).resolves.toBe(true);
  });
});

describe('POST /stream_events', () => {
  const dataOf = (f: string) => {
    expect(f.startsWith('event: data\r\ndata: ')).toBe(true);
    return JSON.parse(f.slice('event: data\r\ndata: '.length).replace(/\r\nid: .*$/, ''));
  };

  it('streams v2 events as data events, then end, with no metadata event', async () => {
    const url = await serve(RunnableLambda.from((x: string) => `${x}!`).withConfig({ runName: 'Shout' }));
    const { text } = await post(`${url}/stream_events`, { input: 'hi' });
    const frames = text.split('\r\n\r\n').filter(Boolean);
    expect(frames.at(-1)).toMatch(/^event: end\r\nid: [0-9a-f-]{36}:\d+$/);
    const events = frames.slice(0, -1).map(dataOf);
    expect(events.map((e) => e.event)).toEqual(['on_chain_start', 'on_chain_stream', 'on_chain_end']);
    expect(events[0]).toMatchObject({ name: 'Shout', data: { input: 'hi' } });
    expect(events[2].data.output).toBe('hi!');
    expect(JSON.stringify(events)).not.toContain('alice');
  });

  it('sends the metadata event first when the body has metadata_event: true', async () => {
    const url = await serve(RunnableLambda.from((x: string) => `${x}!`));
    const { text } = await post(`${url}/stream_events`, { input: 'hi', metadata_event: true });
    expect(text).toMatch(/^event: metadata\r\ndata: \{"run_id":"[0-9a-f-]{36}"\}\r\n/);
  });

  it('honours version "v1", at the top of the body or in kwargs (where the official JS client puts it)', async () => {
    const runnable = RunnableLambda.from((x: string) => `${x}!`).withConfig({ runName: 'Shout' });
    const asked: unknown[] = [];
    const original = runnable.streamEvents.bind(runnable) as (...a: unknown[]) => unknown;
    (runnable as unknown as { streamEvents: unknown }).streamEvents = (input: unknown, options: { version?: string }, filters: unknown) => {
      asked.push(options.version);
      return original(input, options, filters);
    };
    const url = await serve(runnable);
    for (const body of [{ input: 'hi', version: 'v1' }, { input: 'hi', kwargs: { version: 'v1' } }, { input: 'hi' }]) {
      const { text } = await post(`${url}/stream_events`, body);
      const events = text.split('\r\n\r\n').filter(Boolean).slice(0, -1).map(dataOf);
      expect(events.map((e) => e.event)).toEqual(['on_chain_start', 'on_chain_stream', 'on_chain_end']);
      expect(events[2].data.output).toBe('hi!');
    }
    expect(asked).toEqual(['v1', 'v1', 'v2']);
  });

  it('refuses an unknown version with 422 RUNNABLE_REQUEST_INVALID before any run', async () => {
    let runs = 0;
    const url = await serve(RunnableLambda.from((x: string) => (runs++, x)));
    const { res, text } = await post(`${url}/stream_events`, { input: 'hi', version: 'v3' });
    expect(res.statusCode).toBe(422);
    expect(JSON.parse(text).error).toMatchObject({ code: 'RUNNABLE_REQUEST_INVALID', detail: [{ path: ['version'] }] });
    expect(runs).toBe(0);
  });
});
