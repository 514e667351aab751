import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { healthRoutes } from './health.js';
import { createLogger } from './logger.js';
import { metrics } from './metrics.js';
import { adoptIncomingCorrelation, loggablePath, requestContext } from './request-context.js';

function setup(ready?: () => boolean | Promise<boolean>) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ service: 'svc', destination });
  const app = express();
  app.use(metrics());
  app.use(requestContext({ logger }));
  healthRoutes(app, { ready });
  app.get('/ctx', (req, res) => {
    req.log.info({ token: 'secret-token-value' }, 'handler');
    res.json({ requestId: req.requestId, traceparent: req.traceparent, traceId: req.traceId });
  });
  // A service hop: the route adopts the caller's ids (as an authenticated service call does).
  app.get('/hop', (req, res) => {
    const adopted = adoptIncomingCorrelation(req);
    req.log.info({}, 'handler');
    res.json({ adopted, requestId: req.requestId, traceparent: req.traceparent, clientRequestId: req.clientRequestId ?? null });
  });
  app.get('/items/:id', (_req, res) => {
    res.json({});
  });
  return { app, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('requestContext', () => {
  it("makes its own request id and keeps a client's valid x-request-id as client_request_id", async () => {
    const { app, json } = setup();
    const res = await request(app).get('/ctx').set('x-request-id', 'abc.DEF_1:2-3');
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
    const access = json().find((l) => l.msg === 'request');
    expect(access).toMatchObject({ request_id: res.body.requestId, client_request_id: 'abc.DEF_1:2-3' });
  });

  it("adopts the caller's request id and traceparent only when the route says the call is a service hop", async () => {
    const { app, json } = setup();
    const res = await request(app).get('/hop').set('x-request-id', 'run-7').set('traceparent', TP);
    expect(res.body).toEqual({ adopted: true, requestId: 'run-7', traceparent: TP, clientRequestId: null });
    expect(res.headers['x-request-id']).toBe('run-7');
    const access = json().find((l) => l.msg === 'request');
    expect(access).toMatchObject({ request_id: 'run-7', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(access).not.toHaveProperty('client_request_id');
    // Nothing to adopt: the ids made here stay.
    const none = await request(app).get('/hop');
    expect(none.body.adopted).toBe(false);
    expect(none.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'abc def'],
    ['with a slash', 'a/b'],
    ['with non-ascii', 'abcé'],
  ])('replaces an invalid x-request-id (%s) with a new uuid', async (_name, id) => {
    const { app } = setup();
    const res = await request(app).get('/ctx').set('x-request-id', id);
    expect(res.body.requestId).not.toBe(id);
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it('makes a request id when none is sent', async () => {
    const { app } = setup();
    const res = await request(app).get('/ctx');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("starts a new trace rather than joining an unauthenticated caller's traceparent", async () => {
    const { app } = setup();
    const res = await request(app).get('/ctx').set('traceparent', TP);
    expect(res.body.traceparent).not.toBe(TP);
    expect(res.body.traceparent.slice(3, 35)).toBe(res.body.traceId);
  });

  it('replaces an invalid traceparent with a new one', async () => {
    const { app } = setup();
    const res = await request(app).get('/ctx').set('traceparent', '00-zzz-01');
    expect(res.body.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(res.body.traceparent.slice(3, 35)).toBe(res.body.traceId);
  });

  it('writes one access log line without query string or headers, and handler lines carry request_id', async () => {
    const { app, json, lines } = setup();
    await request(app).get('/ctx?access_token=querysecret').set('x-request-id', 'rid-1').set('authorization', 'Bearer headersecret');
    const access = json().filter((l) => l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', path: '/ctx', status: 200, client_request_id: 'rid-1', service: 'svc' });
    expect(access[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof access[0]!.duration_ms).toBe('number');
    expect(access[0]!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const handler = json().find((l) => l.msg === 'handler');
    expect(handler).toMatchObject({ request_id: access[0]!.request_id, client_request_id: 'rid-1', token: '[redacted]' });
    const all = lines.join('\n');
    expect(all).not.toContain('querysecret');
    expect(all).not.toContain('headersecret');
    expect(all).not.toContain('secret-token-value');
  });
});

describe('healthRoutes', () => {
  it('GET /healthz is 200 ok', async () => {
    const res = await request(setup().app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 ready by default', async () => {
    const res = await request(setup().app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('GET /readyz is 503 when the check is false or throws', async () => {
    expect((await request(setup(() => false).app).get('/readyz')).status).toBe(503);
    const res = await request(
      setup(async () => {
        throw new Error('db down');
      }).app,
    ).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not_ready' });
  });
});

describe('metrics', () => {
  it('counts requests by route pattern and status, with a duration histogram', async () => {
    const { app } = setup();
    await request(app).get('/items/1');
    await request(app).get('/items/2');
    await request(app).get('/nope');
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('http_requests_total{method="GET",route="/items/:id",status="200"} 2');
    expect(res.text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(res.text).toContain('http_request_duration_seconds_count{method="GET",route="/items/:id"} 2');
    expect(res.text).toContain('http_request_duration_seconds_bucket{method="GET",route="/items/:id",le="+Inf"} 2');
    expect(res.text).not.toContain('/items/1');
  });
});

describe('loggablePath', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';

  it('redacts a token in a path segment, plain or percent-encoded, and drops the query string', () => {
    expect(loggablePath(`/workflow/threads/${jwt}?access_token=${jwt}`)).toBe('/workflow/threads/[redacted-jwt]');
    const encoded = `/workflow/threads/${jwt.replace('e', '%65').replace(/\./g, '%2E')}`;
    expect(loggablePath(encoded)).not.toContain('c2lnbmF0dXJl');
    expect(loggablePath('/items/42')).toBe('/items/42');
    expect(loggablePath(`/${'a'.repeat(600)}`)).toHaveLength(513);
  });
});
