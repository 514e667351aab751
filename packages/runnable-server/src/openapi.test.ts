import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { RunnableLambda } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';
import { errorHandler } from '@baton/errors/express';
import { Caller } from '@baton/identity';
import { addRoutes, type AddRoutesOptions } from './index.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
const fakeAuth: RequestHandler = (req, _res, next) => {
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    next(new BatonError('AUTH_TOKEN_MISSING', 'Missing bearer token', { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } }));
    return;
  }
  (req as unknown as { auth: unknown }).auth = new Caller({
    token: TOKEN,
    principal: { sub: 'alice', iss: 'i', aud: ['a'], scope: [], exp: 2e9, token_fp: 'fp' },
  });
  next();
};
const auth = { Authorization: `Bearer ${TOKEN}` };
const inputSchema = z.object({ topic: z.string().min(1) });
const outputSchema = z.object({ report: z.string() });

function makeApp(options: Partial<AddRoutesOptions> = {}) {
  const app = express();
  addRoutes(app, RunnableLambda.from(async (i: { topic: string }) => ({ report: i.topic })).withConfig({ runName: 'Essay' }), {
    path: '/agent',
    auth: fakeAuth,
    inputSchema,
    outputSchema,
    ...options,
  });
  app.use(errorHandler());
  return app;
}

describe('GET {path}/openapi.json', () => {
  const app = makeApp();

  it('documents every route, generated from the route table and the schemas the routes serve', async () => {
    const res = await request(app).get('/agent/openapi.json').set(auth);
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/agent/batch',
        '/agent/config_schema',
        '/agent/input_schema',
        '/agent/invoke',
        '/agent/openapi.json',
        '/agent/output_schema',
        '/agent/runs/{run_id}/cancel',
        '/agent/stream',
        '/agent/stream_events',
        '/agent/stream_log',
      ].sort(),
    );
    // the component schemas are exactly what the schema routes serve
    for (const [route, name] of [
      ['input_schema', 'Input'],
      ['output_schema', 'Output'],
      ['config_schema', 'Config'],
    ] as const) {
      const { $schema: _dialect, ...served } = (await request(app).get(`/agent/${route}`).set(auth)).body;
      expect(doc.components.schemas[name]).toEqual(served);
    }
    expect(doc.components.schemas.Input.properties.topic).toMatchObject({ type: 'string', minLength: 1 });
    expect(doc.paths['/agent/invoke'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/InvokeRequest',
    });
    expect(doc.components.schemas.StreamEventsRequest.properties.version).toEqual({ enum: ['v1', 'v2'], default: 'v2' });
    expect(doc.paths['/agent/stream_log'].post.responses['200'].content).toHaveProperty(['text/event-stream']);
    expect(doc.paths['/agent/runs/{run_id}/cancel'].post.responses).toHaveProperty('202');
  });

  it('lists the error codes by status from the registry, and the bearer scheme', async () => {
    const doc = (await request(app).get('/agent/openapi.json').set(auth)).body;
    const codes = (status: number) =>
      doc.components.responses[`E${status}`].content['application/json'].schema.properties.error.properties.code.enum;
    expect(codes(422)).toEqual(expect.arrayContaining(['RUNNABLE_INPUT_INVALID', 'RUNNABLE_REQUEST_INVALID', 'RUNNABLE_RECURSION_LIMIT']));
    expect(codes(401)).toEqual(expect.arrayContaining(['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_EXPIRED']));
    expect(codes(429)).toEqual(expect.arrayContaining(['RUNNABLE_RUN_LIMIT_USER', 'RUNNABLE_RUN_LIMIT_GLOBAL']));
    expect(doc.paths['/agent/invoke'].post.responses['422']).toEqual({ $ref: '#/components/responses/E422' });
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('documents only routes that answer, each with the documented method', async () => {
    const doc = (await request(app).get('/agent/openapi.json').set(auth)).body;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const agent = request(app) as unknown as Record<string, (url: string) => request.Test>;
        const res = await agent[method]!(path.replace('{run_id}', 'no-such-run'))
          .set(auth)
          .send(method === 'post' ? { input: { topic: 't' } } : undefined);
        expect([path, method, [404, 405].includes(res.status) && res.body?.error?.code !== 'RUNNABLE_RUN_NOT_FOUND']).toEqual([
          path,
          method,
          false,
        ]);
      }
    }
  });

  it('is behind the same auth as the other routes', async () => {
    const res = await request(app).get('/agent/openapi.json');
    expect(res.status).toBe(401);
  });

  it('has no bearer scheme when the routes have no auth', async () => {
    const doc = (await request(makeApp({ auth: [] })).get('/agent/openapi.json')).body;
    expect(doc.components.securitySchemes).toBeUndefined();
    expect(doc.security).toBeUndefined();
    expect(doc.components.responses).not.toHaveProperty('E401');
  });
});

describe('wrong methods', () => {
  const app = makeApp();
  it.each([
    ['get', '/agent/invoke', 'POST'],
    ['put', '/agent/stream_log', 'POST'],
    ['delete', '/agent/input_schema', 'GET, HEAD'],
    ['post', '/agent/openapi.json', 'GET, HEAD'],
    ['get', '/agent/runs/abc/cancel', 'POST'],
  ] as const)('%s %s is 405 with Allow: %s and a JSON error', async (method, path, allow) => {
    const res = await (request(app) as any)[method](path);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body.error).toMatchObject({ code: 'REQUEST_INVALID', message: expect.stringContaining(allow) });
  });

  it('leaves unknown paths alone (not 405)', async () => {
    expect((await request(app).get('/agent/nope')).status).toBe(404);
  });
});
