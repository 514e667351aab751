import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { RunnableLambda } from '@langchain/core/runnables';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { BatonError } from '@baton/errors';
import { errorHandler } from '@baton/errors/express';
import { Caller } from '@baton/identity';
import { addRoutes, type AddRoutesOptions, type AnyRunnable } from './index.js';

const principal = { sub: 'alice', iss: 'https://issuer', aud: ['agent'], scope: ['agent:invoke'], exp: 2e9, token_fp: 'abcd' };
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';

const fakeAuth: RequestHandler = (req, _res, next) => {
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    next(new BatonError('AUTH_TOKEN_MISSING', 'Missing bearer token', { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } }));
    return;
  }
  (req as unknown as { auth: unknown }).auth = new Caller({ token: TOKEN, principal, requestId: 'req-1' });
  next();
};

function makeApp(runnable: AnyRunnable, options: Partial<AddRoutesOptions> = {}) {
  const app = express();
  addRoutes(app, runnable, { path: '/agent', auth: fakeAuth, ...options });
  app.use(errorHandler());
  return app;
}

const echo = RunnableLambda.from(async (input: unknown) => ({ echoed: input }));
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('POST /invoke', () => {
  it('returns {output, metadata: {run_id, feedback_tokens: []}} with the real run id', async () => {
    const runIds: string[] = [];
    class Recorder extends BaseCallbackHandler {
      name = 'recorder';
      override handleChainStart(_c: unknown, _i: unknown, runId: string, parentRunId?: string) {
        if (!parentRunId) runIds.push(runId);
      }
    }
    const app = makeApp(echo, { config: (_req, c) => ({ ...c, callbacks: [new Recorder()] }) });
    const res = await request(app)
      .post('/agent/invoke')
      .set(auth)
      .send({ input: { q: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ output: { echoed: { q: 1 } }, metadata: { run_id: expect.any(String), feedback_tokens: [] } });
    expect(runIds).toEqual([res.body.metadata.run_id]);
    const again = await request(app).post('/agent/invoke').set(auth).send({ input: 1 });
    expect(again.body.metadata.run_id).not.toBe(res.body.metadata.run_id);
  });

  it('gives the runnable the caller in config.context and keeps it out of configurable and traced metadata', async () => {
    const recorded: unknown[] = [];
    class Recorder extends BaseCallbackHandler {
      name = 'recorder';
      override handleChainStart(...args: unknown[]) {
        recorded.push(args);
      }
    }
    const inner = RunnableLambda.from(async (_x: unknown, config: any) => ({
      sub: config.context?.caller?.sub ?? null,
      requestId: config.context?.caller?.requestId ?? null,
      configurable: config.configurable ?? null,
    }));
    const outer = RunnableLambda.from(async (x: unknown, config: any) => inner.invoke(x, config));
    const app = makeApp(outer, {
      configurableKeys: ['thread_id'],
      config: (_req, c) => ({ ...c, callbacks: [new Recorder()] }),
    });
    const res = await request(app)
      .post('/agent/invoke')
      .set(auth)
      .send({ input: 'x', config: { configurable: { thread_id: 't1', token: TOKEN }, metadata: { token: TOKEN } } });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ sub: 'alice', requestId: 'req-1', configurable: { thread_id: 't1' } });
    expect(recorded.length).toBeGreaterThanOrEqual(2);
    const traced = JSON.stringify(recorded);
    expect(traced).not.toContain('alice');
    expect(traced).not.toContain(TOKEN);
    expect(traced).not.toContain('abcd');
  });

  it('shows the runnable only the allowed config keys (camelCase or snake_case)', async () => {
    const view = RunnableLambda.from(async (_x: unknown, config: any) => ({
      runName: config.runName ?? null,
      recursionLimit: config.recursionLimit,
      tags: config.tags,
      metadata: config.metadata,
      configurable: config.configurable ?? {},
    }));
    const app = makeApp(view);
    const res = await request(app)
      .post('/agent/invoke')
      .set(auth)
      .send({
        input: 1,
        config: { run_name: 'mine', recursionLimit: 7, tags: ['a'], metadata: { evil: 1 }, callbacks: 'x', configurable: { token: TOKEN } },
      });
    expect(res.status).toBe(200);
    // RunnableLambda hands its function the child config: recursion limit one lower.
    expect(res.body.output.recursionLimit).toBe(6);
    expect(res.body.output.tags).toEqual(['a']);
    expect(res.body.output.metadata).not.toHaveProperty('evil');
    expect(res.body.output.configurable).not.toHaveProperty('token');
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });
});

describe('POST /batch', () => {
  it('returns outputs in input order with one run id per input', async () => {
    const slowFirst = RunnableLambda.from(async (n: number) => {
      await new Promise((r) => setImmediate(r));
      return n * 2;
    });
    const res = await request(makeApp(slowFirst))
      .post('/agent/batch')
      .set(auth)
      .send({ inputs: [1, 2, 3], config: [{}, {}, { runName: 'x' }] });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual([2, 4, 6]);
    expect(res.body.metadata.run_ids).toHaveLength(3);
    expect(new Set(res.body.metadata.run_ids).size).toBe(3);
    expect(res.body.metadata.responses).toEqual(res.body.metadata.run_ids.map((run_id: string) => ({ run_id, feedback_tokens: [] })));
  });

  it('accepts a single config object for all inputs', async () => {
    const res = await request(makeApp(echo))
      .post('/agent/batch')
      .set(auth)
      .send({ inputs: ['a', 'b'], config: { tags: ['t'] } });
    expect(res.body.output).toEqual([{ echoed: 'a' }, { echoed: 'b' }]);
  });

  it('rejects more than maxBatchSize inputs with 422 RUNNABLE_BATCH_TOO_LARGE', async () => {
    const res = await request(makeApp(echo, { maxBatchSize: 2 }))
      .post('/agent/batch')
      .set(auth)
      .send({ inputs: [1, 2, 3] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('RUNNABLE_BATCH_TOO_LARGE');
  });

  it('rejects a config array whose length differs from inputs with 422 RUNNABLE_REQUEST_INVALID', async () => {
    const res = await request(makeApp(echo))
      .post('/agent/batch')
      .set(auth)
      .send({ inputs: [1, 2], config: [{}] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('RUNNABLE_REQUEST_INVALID');
  });
});

describe('request errors', () => {
  const app = makeApp(echo, { bodyLimit: '1kb', inputSchema: z.object({ topic: z.string().min(2) }) });

  it('rejects a body over bodyLimit with 413 REQUEST_TOO_LARGE', async () => {
    const res = await request(app)
      .post('/agent/invoke')
      .set(auth)
      .send({ input: { topic: 'x'.repeat(4000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('REQUEST_TOO_LARGE');
  });

  it('rejects malformed JSON with 400 REQUEST_MALFORMED_JSON without echoing the body', async () => {
    const res = await request(app).post('/agent/invoke').set(auth).set('content-type', 'application/json').send(`{"input": "${TOKEN}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST_MALFORMED_JSON');
    expect(res.text).not.toContain(TOKEN);
  });

  it.each([
    ['a non-object body', [1, 2]],
    ['a body without input', { inputs: 1 }],
  ])('rejects %s with 422 RUNNABLE_REQUEST_INVALID', async (_name, body) => {
    const res = await request(app).post('/agent/invoke').set(auth).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'RUNNABLE_REQUEST_INVALID', message: expect.any(String), detail: expect.any(Array) });
  });

  it('rejects a non-JSON body with 422 RUNNABLE_REQUEST_INVALID', async () => {
    const res = await request(app).post('/agent/invoke').set(auth).set('content-type', 'text/plain').send('input');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('RUNNABLE_REQUEST_INVALID');
  });

  it('rejects input failing inputSchema with 422 RUNNABLE_INPUT_INVALID and issues that do not echo the value', async () => {
    const res = await request(app)
      .post('/agent/invoke')
      .set(auth)
      .send({ input: { topic: 5, secret: TOKEN } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('RUNNABLE_INPUT_INVALID');
    expect(res.body.error.detail).toEqual([expect.objectContaining({ path: ['input', 'topic'], code: 'invalid_type' })]);
    expect(res.text).not.toContain(TOKEN);
  });

  it('runs auth before parsing the body and before every route, schemas included', async () => {
    for (const [method, route] of [
      ['post', 'invoke'],
      ['post', 'batch'],
      ['post', 'stream'],
      ['post', 'stream_log'],
      ['post', 'stream_events'],
      ['get', 'input_schema'],
      ['get', 'output_schema'],
      ['get', 'config_schema'],
    ] as const) {
      const res = await request(app)[method](`/agent/${route}`).set('content-type', 'application/json').send('{not json');
      expect([route, res.status]).toEqual([route, 401]);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.error.code).toBe('AUTH_TOKEN_MISSING');
    }
  });

  it('adds a top-level message to error bodies of the SSE routes (the official client reads it)', async () => {
    const res = await request(app).post('/agent/stream').send({ input: 1 });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'AUTH_TOKEN_MISSING', message: 'Missing bearer token' }, message: 'Missing bearer token' });
  });
});

describe('runnable failures', () => {
  it('turns an ordinary error into 500 RUNNABLE_FAILED with a safe message', async () => {
    const logged: unknown[] = [];
    const failing = RunnableLambda.from(async () => {
      throw new Error(`upstream said no to ${TOKEN}`);
    });
    const app = makeApp(failing, { logger: { error: (o) => logged.push(o), warn: (o) => logged.push(o) } });
    const res = await request(app).post('/agent/invoke').set(auth).send({ input: 1 });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'RUNNABLE_FAILED', message: 'The runnable failed' } });
    expect(res.text).not.toContain('upstream');
    expect(res.text).not.toMatch(/at .*\.ts/);
    expect(JSON.stringify(logged)).toContain('upstream said no');
    expect(JSON.stringify(logged)).not.toContain(TOKEN);
  });

  it('passes a BatonError code and status through, and its message when exposed', async () => {
    const denied = RunnableLambda.from(async () => {
      throw new BatonError('REMOTE_FORBIDDEN', 'The research agent refused the call', {
        status: 403,
        headers: { 'WWW-Authenticate': 'Bearer x' },
      });
    });
    const res = await request(makeApp(denied)).post('/agent/invoke').set(auth).send({ input: 1 });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: 'REMOTE_FORBIDDEN', message: 'The research agent refused the call' } });
    expect(res.headers['www-authenticate']).toBeUndefined();

    const outage = RunnableLambda.from(async () => {
      throw new BatonError('REMOTE_UNAVAILABLE', `agent down ${TOKEN}`, { status: 502 });
    });
    const res2 = await request(makeApp(outage)).post('/agent/invoke').set(auth).send({ input: 1 });
    expect(res2.status).toBe(502);
    expect(res2.body).toEqual({ error: { code: 'REMOTE_UNAVAILABLE', message: 'Internal error' } });
  });

  it('lets the config modifier reject a request with a BatonError', async () => {
    const app = makeApp(echo, {
      config: () => {
        throw new BatonError('AUTH_INSUFFICIENT_SCOPE', 'Needs agent:admin', { status: 403 });
      },
    });
    const res = await request(app).post('/agent/invoke').set(auth).send({ input: 1 });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('AUTH_INSUFFICIENT_SCOPE');
  });
});

describe('schema routes', () => {
  it('serves the zod schemas as JSON Schema', async () => {
    const app = makeApp(echo, { inputSchema: z.object({ topic: z.string() }), outputSchema: z.array(z.string()) });
    const input = await request(app).get('/agent/input_schema').set(auth);
    expect(input.status).toBe(200);
    expect(input.body).toMatchObject({ type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] });
    const output = await request(app).get('/agent/output_schema').set(auth);
    expect(output.body).toMatchObject({ type: 'array', items: { type: 'string' } });
  });

  it('serves sensible defaults without schemas', async () => {
    const app = makeApp(echo, { configurableKeys: ['thread_id'] });
    expect((await request(app).get('/agent/input_schema').set(auth)).body).toEqual({ title: 'RunnableLambdaInput' });
    expect((await request(app).get('/agent/output_schema').set(auth)).body).toEqual({ title: 'RunnableLambdaOutput' });
    const config = (await request(app).get('/agent/config_schema').set(auth)).body;
    expect(Object.keys(config.properties)).toEqual(['tags', 'run_name', 'recursion_limit', 'max_concurrency', 'configurable']);
    expect(config.properties.configurable.properties).toEqual({ thread_id: {} });
  });
});

describe('addRoutes options', () => {
  it('throws a TypeError for something that is not a runnable', () => {
    expect(() => addRoutes(express(), {} as AnyRunnable, { path: '/x' })).toThrow(TypeError);
  });
});
