import express from 'express';
import request from 'supertest';
import { cors } from './cors.js';

function app(allowedOrigins: string[]) {
  const a = express();
  a.use(cors({ allowedOrigins }));
  a.post('/run', (_req, res) => void res.status(401).json({ error: { code: 'AUTH_TOKEN_MISSING' } }));
  return a;
}

describe('cors', () => {
  it('sends no CORS header at all by default (closed)', async () => {
    const res = await request(app([])).post('/run').set('origin', 'http://127.0.0.1:5173');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await request(app([])).options('/run').set('origin', 'http://127.0.0.1:5173').set('access-control-request-method', 'POST');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a listed origin’s preflight before any route, naming that origin and the headers a reader sends', async () => {
    const res = await request(app(['http://127.0.0.1:5173']))
      .options('/run')
      .set('origin', 'http://127.0.0.1:5173')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization, content-type, last-event-id');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:5173');
    expect(res.headers['access-control-allow-headers']).toContain('last-event-id');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, PATCH, DELETE');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toContain('Origin');
  });

  it('lets a listed origin read even an error answer, and gives an unlisted one nothing', async () => {
    const a = app(['http://127.0.0.1:5173']);
    const ok = await request(a).post('/run').set('origin', 'http://127.0.0.1:5173');
    expect(ok.status).toBe(401);
    expect(ok.headers['access-control-allow-origin']).toBe('http://127.0.0.1:5173');
    expect(ok.headers['access-control-expose-headers']).toContain('www-authenticate');
    expect(ok.headers['access-control-expose-headers']).toContain('content-location');
    const other = await request(a).post('/run').set('origin', 'http://127.0.0.1:5174');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toContain('Origin');
  });

  it('lets a listed origin delete and update (DELETE, PATCH), resume with Last-Event-ID and read Content-Location', async () => {
    const a = app(['http://127.0.0.1:5173']);
    for (const method of ['DELETE', 'PATCH']) {
      const pre = await request(a)
        .options('/threads/t1')
        .set('origin', 'http://127.0.0.1:5173')
        .set('access-control-request-method', method)
        .set('access-control-request-headers', 'authorization, last-event-id');
      expect(pre.status).toBe(204);
      const methods = String(pre.headers['access-control-allow-methods']).split(/,\s*/);
      expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', method]));
      expect(String(pre.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(
        expect.arrayContaining(['authorization', 'last-event-id']),
      );
    }
    const res = await request(a).post('/run').set('origin', 'http://127.0.0.1:5173');
    expect(String(res.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['content-location', 'www-authenticate', 'x-request-id']),
    );
  });
});
