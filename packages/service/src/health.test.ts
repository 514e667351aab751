import express from 'express';
import request from 'supertest';
import { healthRoutes } from './health.js';

function app(options: Parameters<typeof healthRoutes>[1]) {
  const a = express();
  healthRoutes(a, options);
  return a;
}

describe('healthRoutes', () => {
  it('answers /readyz 503 with the reason the service gives, and 200 without one once ready', async () => {
    let ready = false;
    const a = app({
      ready: () => ready,
      reason: () => (ready ? undefined : 'issuer discovery failed for "http://idp.test": ECONNREFUSED'),
    });
    const down = await request(a).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'not_ready', reason: 'issuer discovery failed for "http://idp.test": ECONNREFUSED' });
    ready = true;
    const up = await request(a).get('/readyz');
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ status: 'ready' });
    expect((await request(a).get('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('answers 503 without a reason when none is known or the reason throws', async () => {
    const none = await request(app({ ready: () => false })).get('/readyz');
    expect(none.body).toEqual({ status: 'not_ready' });
    const throws = await request(
      app({
        ready: () => false,
        reason: () => {
          throw new Error('boom');
        },
      }),
    ).get('/readyz');
    expect(throws.status).toBe(503);
    expect(throws.body).toEqual({ status: 'not_ready' });
  });
});
