import { Agent, buildConnector } from 'undici';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { CallbackManager } from '@langchain/core/callbacks/manager';
import { isBatonError } from '@baton/errors';
import { parseTraceparent } from '@baton/identity';
import { RemoteRunnable, type RemoteRunnableOptions } from '../src/index.js';
import { TestServer, bearerOf, freePort, sse } from './langserve-server.js';
import { caller, echoExchanger } from './helpers.js';

const ALICE_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.alice-signature';
const BOB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.bob-signature';
const alice = caller('alice', ALICE_TOKEN);
const bob = caller('bob', BOB_TOKEN);

const server = new TestServer();
const dispatcher = new Agent({ connect: { timeout: 2_000 } });

beforeAll(() => server.start());
afterAll(async () => {
  await server.close();
  await dispatcher.close();
});
beforeEach(() => server.reset());

function client<I = any, O = any>(overrides: Partial<RemoteRunnableOptions<O>> = {}) {
  return new RemoteRunnable<I, O>({
    url: `${server.url}/agent`,
    credentials: { strategy: 'exchange', exchanger: echoExchanger(), audience: 'agent-test' },
    dispatcher,
    ...overrides,
  });
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('invoke, batch, stream', () => {
  it('invokes with {input, config: {}, kwargs: {}} and returns output', async () => {
    const out = await client().invoke({ topic: 'otters' }, { context: { caller: alice } });
    expect(out).toEqual({ echo: { topic: 'otters' }, bearer: `exchanged.agent-test.${ALICE_TOKEN}` });
    const [req] = server.requests;
    expect(req!.path).toBe('/agent/invoke');
    expect(JSON.parse(req!.rawBody)).toEqual({ input: { topic: 'otters' }, config: {}, kwargs: {} });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.accept).toBe('application/json');
  });

  it('batches inputs and returns outputs in order', async () => {
    const out = await client().batch([1, 2, 3], { context: { caller: alice } });
    expect(out.map((o: any) => o.echo)).toEqual([1, 2, 3]);
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(server.requests[0]!.rawBody).inputs).toEqual([1, 2, 3]);
  });

  it('batch sends inputs of different callers as separate requests, each with its own token', async () => {
    const out = await client().batch(
      ['a', 'b', 'c'],
      [{ context: { caller: alice } }, { context: { caller: bob } }, { context: { caller: alice } }],
    );
    expect(out.map((o: any) => [o.echo, o.bearer])).toEqual([
      ['a', `exchanged.agent-test.${ALICE_TOKEN}`],
      ['b', `exchanged.agent-test.${BOB_TOKEN}`],
      ['c', `exchanged.agent-test.${ALICE_TOKEN}`],
    ]);
    expect(server.requests).toHaveLength(2);
  });

  it('batch with returnExceptions returns the error in place of each failed input', async () => {
    const out = await client().batch(['a', 'b'], [{ context: { caller: alice } }, {}], { returnExceptions: true });
    expect((out[0] as any).echo).toBe('a');
    expect((out[1] as any).code).toBe('REMOTE_NO_CREDENTIALS');
  });

  it('streams data events incrementally: chunk n arrives before the server writes chunk n+1', async () => {
    let release: (() => void) | undefined;
    server.handle('/agent/stream', async (_req, res) => {
      const send = sse(res);
      send('metadata', { run_id: 'r1' });
      for (let i = 0; i < 3; i++) {
        const received = new Promise<void>((r) => (release = r));
        send('data', { i });
        await received; // the client must hand chunk i to us before we write chunk i+1
      }
      send('end');
      res.end();
    });
    const seen: unknown[] = [];
    for await (const chunk of await client().stream({}, { context: { caller: alice } })) {
      seen.push(chunk);
      release!();
    }
    expect(seen).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(server.requests[0]!.headers.accept).toBe('text/event-stream');
  });

  it('parses LF framing, comments and multi-line data split across writes', async () => {
    server.handle('/agent/stream', async (_req, res) => {
      res.status(200).setHeader('content-type', 'text/event-stream');
      res.flushHeaders();
      const parts = [
        ': ping\n\nevent: metadata\ndata: {"run_id":"x"}\n\n',
        'event: data\ndata: {"a":\r',
        '\ndata: 1}\r\n\r',
        '\nevent: data\ndata: "é',
        'è"\n\n',
        'event: end\n\n',
      ];
      for (const p of parts) {
        res.write(p);
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const seen: unknown[] = [];
    for await (const chunk of await client().stream({}, { context: { caller: alice } })) seen.push(chunk);
    expect(seen).toEqual([{ a: 1 }, 'éè']);
  });

  it('closes the connection when the consumer stops reading early', async () => {
    server.handle('/agent/stream', async (_req, res) => {
      const send = sse(res);
      send('data', 1);
      // never ends on its own
    });
    const stream = await client().stream({}, { context: { caller: alice } });
    for await (const chunk of stream) {
      expect(chunk).toBe(1);
      break;
    }
    await server.requests[0]!.closed;
  });
});

describe('credentials', () => {
  it('sends the exchanged token in Authorization and no token in any request body', async () => {
    const exchanger = echoExchanger();
    const c = client({ credentials: { strategy: 'exchange', exchanger, audience: 'agent-research', scope: 'research:run' } });
    const ctx = { context: { caller: alice }, configurable: { caller: alice, other: ALICE_TOKEN }, tags: ['t'] };
    await c.invoke({ q: 1 }, ctx);
    await c.batch([1, 2], ctx);
    for await (const _ of await c.stream({ chunks: [1, 2] }, ctx)) void _;
    expect(server.requests).toHaveLength(3);
    const exchanged = `exchanged.agent-research.${ALICE_TOKEN}`;
    for (const r of server.requests) {
      expect(bearerOf(r)).toBe(exchanged);
      expect(r.rawBody).not.toContain(ALICE_TOKEN);
      expect(r.rawBody).not.toContain('alice-signature');
      expect(r.rawBody).not.toContain(exchanged);
      expect(r.rawBody).not.toContain('configurable');
    }
    expect(exchanger.calls[0]).toEqual({ subjectToken: ALICE_TOKEN, audience: 'agent-research', scope: 'research:run' });
  });

  it('passthrough sends the caller token unchanged', async () => {
    const out = await client({ credentials: { strategy: 'passthrough' } }).invoke('x', { context: { caller: bob } });
    expect(out.bearer).toBe(BOB_TOKEN);
    expect(server.requests[0]!.rawBody).not.toContain(BOB_TOKEN);
  });

  it('never reads a caller from configurable: the run context is the only identity channel', async () => {
    const e = await rejection(client({ credentials: { strategy: 'passthrough' } }).invoke('x', { configurable: { caller: bob } }));
    expect(e.code).toBe('REMOTE_NO_CREDENTIALS');
    expect(server.requests).toHaveLength(0);
  });

  it('fails closed with REMOTE_NO_CREDENTIALS and makes no request when there is no caller', async () => {
    const c = client();
    const noToken = { sub: 'mallory', iss: 'x', aud: [], scope: [], exp: 0, token_fp: 'x' };
    const copy = { ...alice };
    for (const config of [
      undefined,
      {},
      { context: {} },
      { context: { caller: noToken } },
      { context: { caller: copy } },
      { context: { principal: alice } },
    ]) {
      const e = await rejection(c.invoke('x', config as any));
      expect(e.code).toBe('REMOTE_NO_CREDENTIALS');
      expect(isBatonError(e)).toBe(true);
    }
    expect((await rejection(c.batch(['x']))).code).toBe('REMOTE_NO_CREDENTIALS');
    expect((await rejection(c.stream('x'))).code).toBe('REMOTE_NO_CREDENTIALS');
    expect(server.requests).toHaveLength(0);
  });

  it("strategy 'none' sends no Authorization header", async () => {
    const out = await client({ credentials: { strategy: 'none' } }).invoke('x');
    expect(out.bearer).toBeUndefined();
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('maps an exchanger error coded AUTH_EXCHANGE_DENIED (403) to REMOTE_EXCHANGE_DENIED, anything else to REMOTE_UNAVAILABLE', async () => {
    const denied = client({
      credentials: {
        strategy: 'exchange',
        audience: 'a',
        exchanger: {
          exchangeFor: async () => {
            throw Object.assign(new Error(`denied ${ALICE_TOKEN}`), { code: 'AUTH_EXCHANGE_DENIED', status: 403 });
          },
        },
      },
    });
    const e1 = await rejection(denied.invoke('x', { context: { caller: alice } }));
    expect(e1.code).toBe('REMOTE_EXCHANGE_DENIED');
    expect(e1.message).not.toContain(ALICE_TOKEN);
    const down = client({
      credentials: {
        strategy: 'exchange',
        audience: 'a',
        exchanger: {
          exchangeFor: async () => {
            throw Object.assign(new Error('issuer down'), { code: 'AUTH_EXCHANGE_UNAVAILABLE' });
          },
        },
      },
    });
    const e2 = await rejection(down.invoke('x', { context: { caller: alice } }));
    expect(e2.code).toBe('REMOTE_UNAVAILABLE');
    expect(e2.status).toBe(502);
    // the issuer refusing our own client credentials is our misconfiguration, not the caller's fault
    const misconfigured = client({
      credentials: {
        strategy: 'exchange',
        audience: 'a',
        exchanger: {
          exchangeFor: async () => {
            throw Object.assign(new Error('invalid_client'), { code: 'AUTH_EXCHANGE_DENIED', status: 502 });
          },
        },
      },
    });
    const e3 = await rejection(misconfigured.invoke('x', { context: { caller: alice } }));
    expect(e3.code).toBe('REMOTE_UNAVAILABLE');
    expect(server.requests).toHaveLength(0);
  });
});

describe('trace headers', () => {
  it('sends a child traceparent (same trace id, new span id) and forwards x-request-id', async () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const exchanger = echoExchanger();
    const c = client({ credentials: { strategy: 'exchange', exchanger, audience: 'agent-test' } });
    await c.invoke('x', { context: { caller: caller('alice', ALICE_TOKEN, { requestId: 'req-123', traceparent: parent }) } });
    const h = server.requests[0]!.headers;
    expect(h['x-request-id']).toBe('req-123');
    const child = parseTraceparent(h.traceparent);
    expect(child?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(child?.parentId).not.toBe('b7ad6b7169203331');
    expect(child?.flags).toBe('01');
    // one child per hop: the exchange made for this call carries the same traceparent
    expect(exchanger.calls[0]!.traceparent).toBe(h.traceparent);
  });

  it('starts a new trace when the caller has none, and drops an invalid request id', async () => {
    const exchanger = echoExchanger();
    const c = client({ credentials: { strategy: 'exchange', exchanger, audience: 'agent-test' } });
    await c.invoke('x', { context: { caller: caller('alice', ALICE_TOKEN, { requestId: 'bad\nid' }) } });
    expect(exchanger.calls[0]!.traceparent).toBeUndefined();
    const h = server.requests[0]!.headers;
    expect(parseTraceparent(h.traceparent)).toBeDefined();
    expect(h['x-request-id']).toBeUndefined();
  });
});

describe('errors', () => {
  it.each([
    [401, 'REMOTE_UNAUTHORIZED', 502],
    [403, 'REMOTE_FORBIDDEN', 502],
    [422, 'REMOTE_BAD_REQUEST', 502],
    [500, 'REMOTE_UNAVAILABLE', 502],
  ])('maps a %i answer to %s (status %i)', async (status, code, ourStatus) => {
    server.handle('/agent/invoke', (_req, res) => {
      if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="agent", error="invalid_token"');
      res.status(status).json({ error: { code: 'AUTH_TOKEN_EXPIRED', message: `token ${ALICE_TOKEN} rejected` } });
    });
    const e = await rejection(client({ name: 'research' }).invoke('x', { context: { caller: alice } }));
    expect(isBatonError(e)).toBe(true);
    expect(e.code).toBe(code);
    expect(e.status).toBe(ourStatus);
    expect(e.remote).toBe('research');
    expect(e.remoteStatus).toBe(status);
    expect(e.remoteCode).toBe('AUTH_TOKEN_EXPIRED');
    expect(e.message).not.toContain(ALICE_TOKEN);
    if (status === 401) expect(e.message).toMatch(/^research agent: 401 invalid_token \(AUTH_TOKEN_EXPIRED\)/);
    expect(server.requests).toHaveLength(1); // 500 is never retried
  });

  it('maps a non-2xx stream answer to a typed error and does not retry a 500 on stream', async () => {
    server.handle('/agent/stream', (_req, res) => {
      res.status(500).json({ error: { code: 'RUNNABLE_FAILED', message: 'boom' } });
    });
    const e = await rejection(client({ retry: { attempts: 3, backoffMs: 0 } }).stream('x', { context: { caller: alice } }));
    expect(e.code).toBe('REMOTE_UNAVAILABLE');
    expect(e.remoteCode).toBe('RUNNABLE_FAILED');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 503 on invoke, then succeeds', async () => {
    let n = 0;
    server.handle('/agent/invoke', (_req, res) => {
      if (n++ === 0) res.status(503).json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'draining' } });
      else res.json({ output: 'ok' });
    });
    expect(await client({ retry: { attempts: 2, backoffMs: 0 } }).invoke('x', { context: { caller: alice } })).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('reports a refused connection as REMOTE_UNAVAILABLE', async () => {
    const port = await freePort();
    const c = client({ url: `http://127.0.0.1:${port}/agent`, retry: { attempts: 2, backoffMs: 0 } });
    const e = await rejection(c.invoke('x', { context: { caller: alice } }));
    expect(e.code).toBe('REMOTE_UNAVAILABLE');
    expect(e.status).toBe(502);
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('retries a refused connection and succeeds once the agent is up', async () => {
    const port = await freePort();
    const late = new TestServer();
    const connect = buildConnector({});
    let connects = 0;
    const agent = new Agent({
      connect: (opts, cb) => {
        connects++;
        if (connects === 1) {
          // First attempt: refused (nobody listens yet); bring the agent up before reporting it.
          connect(opts, (err, socket) => {
            void late.start(port).then(() => (cb as any)(err, socket));
          });
        } else {
          connect(opts, cb);
        }
      },
    });
    try {
      const c = client({ url: `http://127.0.0.1:${port}/agent`, dispatcher: agent, retry: { attempts: 2, backoffMs: 1 } });
      const out = await c.invoke('x', { context: { caller: alice } });
      expect(out.echo).toBe('x');
      expect(connects).toBe(2);
      expect(late.requests).toHaveLength(1);
    } finally {
      await late.close();
      await agent.close();
    }
  });

  it('times out with REMOTE_TIMEOUT when response headers never come', async () => {
    server.handle('/agent/invoke', () => {
      /* never answers */
    });
    const e = await rejection(client({ timeouts: { firstByteMs: 100 } }).invoke('x', { context: { caller: alice } }));
    expect(e.code).toBe('REMOTE_TIMEOUT');
    expect(e.status).toBe(504);
  });

  it('times out with REMOTE_TIMEOUT when a stream stalls mid-way (idle timeout)', async () => {
    server.handle('/agent/stream', (_req, res) => {
      const send = sse(res);
      send('data', 'first');
      // then silence
    });
    const seen: unknown[] = [];
    const e = await rejection(
      (async () => {
        for await (const chunk of await client({ timeouts: { idleMs: 150 } }).stream('x', { context: { caller: alice } })) seen.push(chunk);
      })(),
    );
    expect(seen).toEqual(['first']);
    expect(e.code).toBe('REMOTE_TIMEOUT');
    await server.requests[0]!.closed;
  });

  it('enforces totalMs over the whole call', async () => {
    server.handle('/agent/invoke', () => {
      /* never answers */
    });
    const e = await rejection(client({ timeouts: { totalMs: 1_000 } }).invoke('x', { context: { caller: alice } }));
    expect(e.code).toBe('REMOTE_TIMEOUT');
    await server.requests[0]!.closed;
  });

  it('throws a typed error for event: error mid-stream', async () => {
    server.handle('/agent/stream', (_req, res) => {
      const send = sse(res);
      send('data', 'one');
      send('error', { status_code: 500, message: `failed with Bearer ${ALICE_TOKEN}` });
      res.end();
    });
    const seen: unknown[] = [];
    const e = await rejection(
      (async () => {
        for await (const chunk of await client().stream('x', { context: { caller: alice } })) seen.push(chunk);
      })(),
    );
    expect(seen).toEqual(['one']);
    expect(e.code).toBe('REMOTE_UNAVAILABLE');
    expect(e.remoteStatus).toBe(500);
    expect(e.message).not.toContain(ALICE_TOKEN);
  });

  it('reports a non-JSON invoke body as REMOTE_PROTOCOL', async () => {
    server.handle('/agent/invoke', (_req, res) => {
      res.type('text/plain').send('not json');
    });
    const e = await rejection(client().invoke('x', { context: { caller: alice } }));
    expect(e.code).toBe('REMOTE_PROTOCOL');
    expect(e.message).not.toContain('not json');
  });

  it('reports a non-JSON stream data event as REMOTE_PROTOCOL', async () => {
    server.handle('/agent/stream', (_req, res) => {
      res.status(200).setHeader('content-type', 'text/event-stream');
      res.end('event: data\r\ndata: {oops\r\n\r\n');
    });
    const e = await rejection(client().stream('x', { context: { caller: alice } }));
    expect(e.code).toBe('REMOTE_PROTOCOL');
  });

  it('an aborted signal cancels the in-flight request (the agent sees the connection close)', async () => {
    server.handle('/agent/invoke', () => {
      /* never answers */
    });
    const controller = new AbortController();
    const p = rejection(client().invoke('x', { context: { caller: alice }, signal: controller.signal }));
    await server.waitForRequests(1);
    controller.abort();
    const e = await p;
    expect(e.code).toBe('REMOTE_ABORTED');
    expect(e.name).toBe('AbortError');
    await server.requests[0]!.closed;
  });

  it('an aborted signal cancels an in-flight stream', async () => {
    server.handle('/agent/stream', (_req, res) => {
      sse(res)('data', 'first');
    });
    const controller = new AbortController();
    const stream = await client().stream('x', { context: { caller: alice }, signal: controller.signal });
    const e = await rejection(
      (async () => {
        for await (const _ of stream) controller.abort();
      })(),
    );
    expect(e).toBeDefined();
    await server.requests[0]!.closed;
  });

  it('does not call at all when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await rejection(client().invoke('x', { context: { caller: alice }, signal: controller.signal }));
    expect(e.code).toBe('REMOTE_ABORTED');
    expect(server.requests).toHaveLength(0);
  });
});

describe('options', () => {
  const base = { url: 'http://127.0.0.1:1/agent', credentials: { strategy: 'none' } } as const;
  it.each([
    ['a relative url', { url: '/agent' }],
    ['a non-http url', { url: 'ftp://x/agent' }],
    ['no credentials', { credentials: undefined }],
    ['an unknown strategy', { credentials: { strategy: 'magic' } }],
    ['exchange without exchanger', { credentials: { strategy: 'exchange', audience: 'a' } }],
    ['exchange without audience', { credentials: { strategy: 'exchange', exchanger: echoExchanger() } }],
    ['an authorization header', { headers: { Authorization: 'Bearer x' } }],
    ['a zero timeout', { timeouts: { firstByteMs: 0 } }],
    ['a negative retry count', { retry: { attempts: 0 } }],
    ['an unknown forwarded config key', { forwardConfig: ['configurable'] }],
    ['a non-boolean coalesceStrings', { coalesceStrings: 'yes' }],
  ])('rejects %s with a TypeError', (_what, bad) => {
    expect(() => new RemoteRunnable({ ...base, ...(bad as any) })).toThrow(TypeError);
  });

  it('names the remote after the last path segment by default', () => {
    expect(new RemoteRunnable({ ...base, url: 'http://127.0.0.1:1/research/' }).getName()).toBe('research');
  });

  it('forwards only allow-listed config keys when asked', async () => {
    await client({ forwardConfig: ['tags', 'run_name'] }).invoke('x', {
      context: { caller: alice },
      tags: ['a'],
      runName: 'n',
      metadata: { secret: 'm' },
      configurable: { thread_id: 't' },
    });
    expect(JSON.parse(server.requests[0]!.rawBody).config).toEqual({ tags: ['a'], run_name: 'n' });
  });

  it('does not leak the exchanger or tokens through toJSON (traces)', () => {
    const c = client();
    expect(JSON.stringify(c.toJSON())).not.toContain('exchange');
  });
});

describe('logging', () => {
  it('writes nothing containing a token to the console or stdout/stderr, even on errors', async () => {
    const written: string[] = [];
    const spies = [
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))),
      ),
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => (written.push(String(chunk)), true)),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => (written.push(String(chunk)), true)),
    ];
    try {
      server.handle('/agent/invoke', (_req, res) => {
        res.status(401).json({ error: { code: 'AUTH_TOKEN_EXPIRED', message: 'expired' } });
      });
      const c = client();
      await rejection(c.invoke('x', { context: { caller: alice } }));
      for await (const _ of await c.stream({ chunks: [1] }, { context: { caller: alice } })) void _;
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(written.join('\n')).not.toContain('alice-signature');
  });
});

describe('streamRemoteEvents', () => {
  it('passes the remote /stream_events events through as they arrive, with the user token', async () => {
    server.handle('/agent/stream_events', (_req, res) => {
      const send = sse(res);
      send('data', { event: 'on_chain_start', name: 'agent', run_id: 'r', tags: [], metadata: {}, data: { input: 'x' } });
      send('data', { event: 'on_chain_end', name: 'agent', run_id: 'r', tags: [], metadata: {}, data: { output: 'y' } });
      send('end');
      res.end();
    });
    const events: any[] = [];
    for await (const e of client().streamRemoteEvents('x', { context: { caller: alice } }, { includeNames: ['agent'] })) events.push(e);
    expect(events.map((e) => e.event)).toEqual(['on_chain_start', 'on_chain_end']);
    const r = server.requests[0]!;
    expect(bearerOf(r)).toBe(`exchanged.agent-test.${ALICE_TOKEN}`);
    expect(JSON.parse(r.rawBody)).toMatchObject({ input: 'x', config: {}, include_names: ['agent'] });
    expect(r.rawBody).not.toContain(ALICE_TOKEN);
  });
});

describe('coalesceStrings', () => {
  /** Two network writes: "a", "b", {x: 1}, "c" in the first, "d" in the second (then, optionally, an error). */
  function twoWrites(error = false) {
    server.handle('/agent/stream', async (_req, res) => {
      res.status(200).setHeader('content-type', 'text/event-stream');
      res.flushHeaders();
      const data = (v: unknown) => `event: data\r\ndata: ${JSON.stringify(v)}\r\n\r\n`;
      res.write(data('a') + data('b') + data({ x: 1 }) + data('c'));
      await new Promise((r) => setTimeout(r, 50));
      res.write(data('d') + (error ? 'event: error\r\ndata: {"status_code":500,"message":"boom"}\r\n\r\n' : 'event: end\r\n\r\n'));
      res.end();
    });
  }
  async function read(c: RemoteRunnable): Promise<{ seen: unknown[]; error: any }> {
    const seen: unknown[] = [];
    try {
      for await (const chunk of await c.stream('x', { context: { caller: alice } })) seen.push(chunk);
      return { seen, error: null };
    } catch (error) {
      return { seen, error };
    }
  }

  it('yields the strings of one network read as one chunk, other chunks in place, nothing held across reads', async () => {
    twoWrites();
    expect(await read(client({ coalesceStrings: true }))).toEqual({ seen: ['ab', { x: 1 }, 'c', 'd'], error: null });
  });

  it('is off by default: every data event is its own chunk', async () => {
    twoWrites();
    expect(await read(client())).toEqual({ seen: ['a', 'b', { x: 1 }, 'c', 'd'], error: null });
  });

  it('yields what came before an error event of the same read, then throws', async () => {
    twoWrites(true);
    const { seen, error } = await read(client({ coalesceStrings: true }));
    expect(seen).toEqual(['ab', { x: 1 }, 'c', 'd']);
    expect(error.code).toBe('REMOTE_UNAVAILABLE');
  });
});

describe('callbacks', () => {
  afterEach(() => jest.restoreAllMocks());

  it('opens no chain run when no callback handler is configured (no tracer: no run ids, no aggregate)', async () => {
    const start = jest.spyOn(CallbackManager.prototype, 'handleChainStart');
    // A manager without handlers, as a graph node's config carries when nobody traces or listens.
    const config = { context: { caller: alice }, callbacks: new CallbackManager() };
    await client().invoke('x', config);
    for await (const _ of await client().stream({ chunks: ['a', 'b'] }, config));
    expect(start).not.toHaveBeenCalled();
  });

  it("reports each call to a configured handler, a stream's chunks aggregated in its chain end", async () => {
    const ends: unknown[] = [];
    const handler = BaseCallbackHandler.fromMethods({ handleChainEnd: (outputs) => void ends.push(outputs) });
    const c = client({ name: 'research' });
    await c.invoke('x', { context: { caller: alice }, callbacks: [handler] });
    for await (const _ of await c.stream({ chunks: ['a', 'b'] }, { context: { caller: alice }, callbacks: [handler] }));
    expect(ends).toEqual([expect.objectContaining({ echo: 'x' }), { output: 'ab' }]);
  });
});

describe('LangChain stream machinery', () => {
  it('streamEvents (v2) reports the remote chunks as on_chain_stream events of this runnable', async () => {
    const events: any[] = [];
    for await (const e of client({ name: 'research' }).streamEvents({ chunks: ['a', 'b'] }, {
      version: 'v2',
      context: { caller: alice },
    } as any))
      events.push(e);
    expect(events.filter((e) => e.event === 'on_chain_stream').map((e) => e.data.chunk)).toEqual(['a', 'b']);
    expect(events[0]).toMatchObject({ event: 'on_chain_start', name: 'research' });
  });
});
