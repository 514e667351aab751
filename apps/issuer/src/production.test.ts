// The issuer's production profile and the hardening that applies in every profile: the per-subject
// exchange limit, client_secret_basic checked before the body, /dev/rotate-keys from loopback only
// with retired keys kept until their tokens expire.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { configIssuesOf } from '@baton/errors';
import { createLogger, DEFAULT_HTTP_LIMITS } from '@baton/service';
import http from 'node:http';
import request from 'supertest';
import { createApp } from './app.js';
import { parseIssuerConfig } from './config.js';
import { isLoopback } from './dev-routes.js';
import { KeyStore, MAX_RETAINED_KEYS, retainedKeys, RotationRefused } from './keys.js';
import { seedKeys } from '../test/key-seed.js';
import { buildPolicy } from './policy.js';

const ISSUER = 'http://issuer.test';
const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-prod-'));
  dirs.push(dir);
  const secret = randomBytes(32).toString('base64url');
  const config = parseIssuerConfig({ ISSUER_URL: ISSUER, ISSUER_DATA_DIR: dir, WORKFLOW_CLIENT_SECRET: secret, ...env });
  const keys = KeyStore.open(seedKeys(dir));
  const policy = buildPolicy(config, secret);
  const logs: string[] = [];
  const logger = createLogger({ service: 'issuer', destination: { write: (s: string) => void logs.push(s) } });
  const app = createApp({ config, keys, policy, logger });
  const basic = `Basic ${Buffer.from(`workflow:${secret}`).toString('base64')}`;
  return { app, config, keys, basic, logs, secret };
}

const devToken = async (app: ReturnType<typeof setup>['app'], user: string) =>
  (await request(app).post('/dev/token').send({ user })).body.access_token as string;

const exchange = (s: ReturnType<typeof setup>, subjectToken: string) =>
  request(s.app)
    .post('/oauth/token')
    .type('form')
    .set('Authorization', s.basic)
    .send(
      new URLSearchParams({ grant_type: TE, subject_token_type: AT, subject_token: subjectToken, audience: 'agent-research' }).toString(),
    );

describe('BATON_PROFILE for the issuer', () => {
  const prod = { ISSUER_URL: ISSUER, ISSUER_DATA_DIR: '/keys' };

  const issuesOf = (env: Record<string, string>) => {
    try {
      parseIssuerConfig(env);
    } catch (err) {
      return configIssuesOf(err)?.map((i) => `${i.variable} ${i.message}`) ?? [];
    }
    return [];
  };

  it('refuses in production a client secret published in the repository, naming the variable', () => {
    const published = 'dev-only-workflow-secret-change-me';
    expect(issuesOf({ ...prod, BATON_PROFILE: 'production', WORKFLOW_CLIENT_SECRET: published })).toEqual([
      expect.stringMatching(/^WORKFLOW_CLIENT_SECRET is a development secret published/),
    ]);
    expect(issuesOf({ ...prod, BATON_PROFILE: 'production', WORKFLOW_CLIENT_SECRET: 'é'.repeat(15) })).toEqual([
      'WORKFLOW_CLIENT_SECRET must be at least 32 bytes',
    ]);
    // The same secret is accepted in development (the compose try-out).
    expect(issuesOf({ WORKFLOW_CLIENT_SECRET: published })).toEqual([]);
  });

  it('keeps ISSUER_MODE as a deprecated alias and refuses it when it disagrees with BATON_PROFILE', () => {
    const secret = randomBytes(32).toString('base64url');
    expect(parseIssuerConfig({ ...prod, ISSUER_MODE: 'production', WORKFLOW_CLIENT_SECRET: secret }).mode).toBe('production');
    expect(() => parseIssuerConfig({ BATON_PROFILE: 'development', ISSUER_MODE: 'production' })).toThrow(/ISSUER_MODE/);
    expect(parseIssuerConfig({}).relaxed.length).toBeGreaterThan(0);
    expect(parseIssuerConfig({ ...prod, BATON_PROFILE: 'production', WORKFLOW_CLIENT_SECRET: secret }).relaxed).toEqual([]);
  });

  it('does not let the workflow client use client_credentials in production (unauthorized_client)', async () => {
    const s = setup({ BATON_PROFILE: 'production' });
    const res = await request(s.app)
      .post('/oauth/token')
      .type('form')
      .set('Authorization', s.basic)
      .send('grant_type=client_credentials&audience=agent-research');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
    const dev = setup();
    const ok = await request(dev.app)
      .post('/oauth/token')
      .type('form')
      .set('Authorization', dev.basic)
      .send('grant_type=client_credentials&audience=agent-research');
    expect(ok.status).toBe(200);
  });
});

describe('per-subject exchange limit', () => {
  it("answers one user's excess 429 slow_down with Retry-After while another user still exchanges", async () => {
    const s = setup({ TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: '2' });
    const alice = await devToken(s.app, 'alice');
    const bob = await devToken(s.app, 'bob');
    expect((await exchange(s, alice)).status).toBe(200);
    expect((await exchange(s, alice)).status).toBe(200);
    const third = await exchange(s, alice);
    expect(third.status).toBe(429);
    expect(third.body.error).toBe('slow_down');
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await exchange(s, bob)).status).toBe(200);
    const audit = s.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'token.decision');
    expect(audit.find((l) => l.status === 429)).toMatchObject({
      decision: 'deny',
      reason: 'slow_down',
      sub: 'alice',
      client_id: 'workflow',
    });
  });
});

describe('per-subject limit before the client-wide one', () => {
  const audits = (s: ReturnType<typeof setup>) =>
    s.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'token.decision');

  it('does not count a request refused per subject against the client: after alice spends 30 fresh tokens, bob and carol still exchange', async () => {
    const s = setup({ TOKEN_EXCHANGE_RATE_LIMIT: '30', TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: '6' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await exchange(s, await devToken(s.app, 'alice'))).status);
    expect(statuses.filter((c) => c === 200)).toHaveLength(6);
    expect(statuses.filter((c) => c === 429)).toHaveLength(24);
    expect((await exchange(s, await devToken(s.app, 'bob'))).status).toBe(200);
    expect((await exchange(s, await devToken(s.app, 'carol'))).status).toBe(200);
    const refused = audits(s).filter((l) => l.status === 429);
    expect(refused).toHaveLength(24);
    expect(refused.every((l) => l.sub === 'alice' && typeof l.token_fp === 'string')).toBe(true);
  });

  it('names the subject and the token fingerprint on a client-wide refusal', async () => {
    const s = setup({ TOKEN_EXCHANGE_RATE_LIMIT: '2' });
    expect((await exchange(s, await devToken(s.app, 'alice'))).status).toBe(200);
    expect((await exchange(s, await devToken(s.app, 'bob'))).status).toBe(200);
    const over = await exchange(s, await devToken(s.app, 'carol'));
    expect([over.status, over.body.error]).toEqual([429, 'slow_down']);
    expect(audits(s).find((l) => l.status === 429)).toMatchObject({ sub: 'carol', token_fp: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('still counts malformed exchanges against the client (its limit bounds the work a client can cause)', async () => {
    const s = setup({ TOKEN_EXCHANGE_RATE_LIMIT: '2' });
    expect((await exchange(s, 'not-a-jwt')).status).toBe(400);
    expect((await exchange(s, 'not-a-jwt')).status).toBe(400);
    const over = await exchange(s, await devToken(s.app, 'alice'));
    expect(over.status).toBe(429);
  });
});

describe('client_secret_basic before the body', () => {
  it('answers 401 invalid_client to wrong Basic credentials without waiting for the announced body', async () => {
    const s = setup();
    const server = http.createServer(s.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const socket = net.connect(port, '127.0.0.1');
      let read = '';
      socket.setEncoding('utf8');
      const first = new Promise<string>((resolve) => socket.on('data', (d: string) => resolve((read += d))));
      const wrong = Buffer.from('workflow:not-the-secret').toString('base64');
      // Headers announce 4000 bytes of body that never come.
      socket.write(
        `POST /oauth/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${wrong}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\ngrant_type=`,
      );
      expect(await first).toMatch(/^HTTP\/1\.1 401/);
      socket.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('still runs the body checks once the body is read (Basic plus client_secret is invalid_request)', async () => {
    const s = setup();
    const res = await request(s.app)
      .post('/oauth/token')
      .type('form')
      .set('Authorization', s.basic)
      .send(`grant_type=client_credentials&audience=agent-research&client_secret=${s.secret}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('development key rotation', () => {
  it('accepts loopback addresses only', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '172.18.0.1', 'fe80::1', undefined].some((a) => isLoopback(a))).toBe(false);
  });

  it('keeps a retired key until the longest token it signed can have expired, then drops it', () => {
    const key = (kid: string, at: number) => ({ kid, alg: 'RS256' as const, created_at: new Date(at).toISOString(), private_jwk: {} });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const a = key('a', t0);
    const b = key('b', t0 + 1000);
    // b retired a at t0+1s; with a 600 s lifetime a stays until t0+601s.
    expect(retainedKeys([a, b], key('c', t0 + 2000), 600_000, t0 + 2000).map((k) => k.kid)).toEqual(['a', 'b', 'c']);
    expect(retainedKeys([a, b], key('c', t0 + 700_000), 600_000, t0 + 700_000).map((k) => k.kid)).toEqual(['b', 'c']);
    const many = Array.from({ length: MAX_RETAINED_KEYS }, (_, i) => key(`k${i}`, t0 + i));
    expect(() => retainedKeys(many, key('new', t0 + 100), 600_000, t0 + 100)).toThrow(RotationRefused);
  });

  it('rotates over HTTP from loopback, off the event loop, and still publishes the retired key', async () => {
    const s = setup();
    const before = s.keys.signingKey().kid;
    const res = await request(s.app).post('/dev/rotate-keys');
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual(expect.arrayContaining([before, res.body.kid]));
    expect(DEFAULT_HTTP_LIMITS.requestTimeoutMs).toBeGreaterThan(0);
  });
});
