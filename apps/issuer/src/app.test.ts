import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@baton/service';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createApp } from './app.js';
import { parseIssuerConfig, type IssuerConfig } from './config.js';
import { jwkThumbprint, KeyStore } from './keys.js';
import { buildPolicy, type Policy } from './policy.js';
import { seedKeys } from '../test/key-seed.js';

const SECRET = 'test-client-secret-0123456789abcdefghijklmnop';
const ISSUER = 'http://issuer.test';
const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-'));
  dirs.push(d);
  return d;
}

interface Setup {
  app: ReturnType<typeof createApp>;
  keys: KeyStore;
  config: IssuerConfig;
  policy: Policy;
  clock: { ms: number };
  logs: string[];
}

function setup(env: Record<string, string> = {}, mutatePolicy?: (p: Policy) => void): Setup {
  const dir = tmpDir();
  const config = parseIssuerConfig({ ISSUER_URL: ISSUER, ISSUER_DATA_DIR: dir, WORKFLOW_CLIENT_SECRET: SECRET, ...env });
  const keys = KeyStore.open(seedKeys(dir));
  const policy = buildPolicy(config, SECRET);
  mutatePolicy?.(policy);
  const logs: string[] = [];
  const logger = createLogger({ service: 'issuer', destination: { write: (s: string) => void logs.push(s) } });
  const clock = { ms: Date.now() };
  const app = createApp({ config, keys, policy, logger, now: () => clock.ms });
  return { app, keys, config, policy, clock, logs };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function devToken(s: Setup, body: Record<string, unknown>): Promise<string> {
  const res = await request(s.app).post('/dev/token').send(body);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

function exchange(s: Setup, form: Record<string, string>, auth: string | null = basic('workflow', SECRET)) {
  const r = request(s.app).post('/oauth/token').type('form');
  if (auth) r.set('Authorization', auth);
  return r.send(new URLSearchParams({ grant_type: TE, subject_token_type: AT, ...form }).toString());
}

function verify(s: Setup, token: string) {
  const header = jwt.decode(token, { complete: true })!.header;
  const key = s.keys.publicKey(header.kid!)!;
  return { header, payload: jwt.verify(token, key, { algorithms: ['RS256'], issuer: ISSUER }) as jwt.JwtPayload };
}

describe('discovery and JWKS', () => {
  it('serves RFC 8414 metadata at both well-known paths', async () => {
    const s = setup();
    for (const p of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await request(s.app).get(p);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        issuer: ISSUER,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
        token_endpoint: `${ISSUER}/oauth/token`,
        grant_types_supported: expect.arrayContaining(['client_credentials', TE]),
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      });
      expect(res.body.scopes_supported).toEqual(
        expect.arrayContaining(['workflow:invoke', 'research:invoke', 'writer:invoke', 'reviewer:invoke']),
      );
    }
  });

  it('publishes only public RS256 signing keys with kid = RFC 7638 thumbprint and a short max-age', async () => {
    const s = setup();
    const res = await request(s.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.body.keys).toHaveLength(1);
    const [k] = res.body.keys;
    expect(k).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    expect(Object.keys(k).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(k.kid).toBe(jwkThumbprint(k));
  });

  it('stores keys with mode 0600', () => {
    const s = setup();
    expect(fs.statSync(s.keys.file).mode & 0o777).toBe(0o600);
  });
});

describe('client_credentials', () => {
  it('issues a token for an allowed audience to a client authenticated with Basic', async () => {
    const s = setup();
    const res = await request(s.app)
      .post('/oauth/token')
      .type('form')
      .set('Authorization', basic('workflow', SECRET))
      .send('grant_type=client_credentials&audience=agent-research');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'research:invoke' });
    expect(res.body.refresh_token).toBeUndefined();
    const { header, payload } = verify(s, res.body.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: 'workflow', client_id: 'workflow', aud: 'agent-research', scope: 'research:invoke' });
    expect(payload.act).toBeUndefined();
  });

  it('accepts client_secret_post and a resource indicator', async () => {
    const s = setup();
    const res = await request(s.app)
      .post('/oauth/token')
      .type('form')
      .send(
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'workflow',
          client_secret: SECRET,
          resource: 'http://127.0.0.1:3002/writer',
        }).toString(),
      );
    expect(res.status).toBe(200);
    expect(verify(s, res.body.access_token).payload.aud).toBe('agent-writer');
  });

  it('refuses an audience the client may not have with invalid_target', async () => {
    const s = setup();
    const res = await request(s.app)
      .post('/oauth/token')
      .type('form')
      .set('Authorization', basic('workflow', SECRET))
      .send('grant_type=client_credentials&audience=baton-workflow');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });
});

describe('token exchange (RFC 8693)', () => {
  it('exchanges a user token for a narrow, short token for one agent that names the workflow as actor', async () => {
    const s = setup();
    const subject = await devToken(s, { user: 'alice', ttl: 120 });
    const subjectExp = (jwt.decode(subject) as jwt.JwtPayload).exp!;
    const res = await exchange(s, { subject_token: subject, audience: 'agent-research' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ issued_token_type: AT, token_type: 'Bearer', scope: 'research:invoke' });
    expect(res.body.expires_in).toBeLessThanOrEqual(120);
    expect(res.body.refresh_token).toBeUndefined();
    const { header, payload } = verify(s, res.body.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: s.keys.signingKey().kid });
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: 'agent-research',
      sub: 'alice',
      scope: 'research:invoke',
      act: { sub: 'workflow' },
      client_id: 'workflow',
    });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp).toBeLessThanOrEqual(subjectExp);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
  });

  it('caps exp at the subject token exp', async () => {
    const s = setup();
    const subject = await devToken(s, { user: 'bob', ttl: 30 });
    const res = await exchange(s, { subject_token: subject, audience: 'agent-writer' });
    expect(res.status).toBe(200);
    expect(verify(s, res.body.access_token).payload.exp).toBe((jwt.decode(subject) as jwt.JwtPayload).exp);
    expect(res.body.expires_in).toBeLessThanOrEqual(30);
  });

  it('maps a resource URL to its agent and honours a narrower scope request', async () => {
    const s = setup();
    const subject = await devToken(s, { user: 'alice' });
    const res = await exchange(s, { subject_token: subject, resource: 'http://127.0.0.1:3003/reviewer/', scope: 'reviewer:invoke' });
    expect(res.status).toBe(200);
    expect(verify(s, res.body.access_token).payload).toMatchObject({ aud: 'agent-reviewer', scope: 'reviewer:invoke' });
  });

  it('logs the exchange without the tokens', async () => {
    const s = setup();
    const subject = await devToken(s, { user: 'alice' });
    const res = await exchange(s, { subject_token: subject, audience: 'agent-research' });
    const all = s.logs.join('');
    expect(all).toContain('token_exchanged');
    expect(all).not.toContain(subject);
    expect(all).not.toContain(res.body.access_token);
    expect(all).not.toContain(SECRET);
  });
});

describe('token endpoint refusals', () => {
  type Case = [name: string, run: (s: Setup) => Promise<request.Response>, status: number, error: string];
  const foreignKey = jwt.sign(
    { sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke', iss: ISSUER },
    fs.readFileSync(__filename, 'utf8').slice(0, 40),
    { algorithm: 'HS256', expiresIn: 60 },
  );

  const cases: Case[] = [
    [
      'no client authentication',
      async (s) => exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' }, null),
      401,
      'invalid_client',
    ],
    [
      'a wrong client secret',
      async (s) =>
        exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' }, basic('workflow', 'wrong-secret')),
      401,
      'invalid_client',
    ],
    [
      'an unknown client',
      async (s) =>
        exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' }, basic('mallory', SECRET)),
      401,
      'invalid_client',
    ],
    [
      'a Bearer Authorization header instead of Basic',
      async (s) => exchange(s, { audience: 'agent-research', subject_token: 'x' }, 'Bearer abc'),
      401,
      'invalid_client',
    ],
    [
      'Basic and client_secret in the body at once',
      async (s) => exchange(s, { client_secret: SECRET, subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' }),
      400,
      'invalid_request',
    ],
    [
      'a missing grant_type',
      (s) =>
        request(s.app).post('/oauth/token').type('form').set('Authorization', basic('workflow', SECRET)).send('audience=agent-research'),
      400,
      'invalid_request',
    ],
    [
      'an unsupported grant_type',
      (s) =>
        request(s.app)
          .post('/oauth/token')
          .type('form')
          .set('Authorization', basic('workflow', SECRET))
          .send('grant_type=password&username=alice&password=x'),
      400,
      'unsupported_grant_type',
    ],
    [
      'a refresh_token grant (never issued)',
      (s) =>
        request(s.app)
          .post('/oauth/token')
          .type('form')
          .set('Authorization', basic('workflow', SECRET))
          .send('grant_type=refresh_token&refresh_token=abc'),
      400,
      'unsupported_grant_type',
    ],
    [
      'a JSON body',
      (s) =>
        request(s.app)
          .post('/oauth/token')
          .set('Authorization', basic('workflow', SECRET))
          .send({ grant_type: 'client_credentials', audience: 'agent-research' }),
      400,
      'invalid_request',
    ],
    [
      'a repeated parameter',
      async (s) =>
        exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' }).send(
          `grant_type=${encodeURIComponent(TE)}`,
        ),
      400,
      'invalid_request',
    ],
    [
      'a repeated parameter whose first value is empty',
      async (s) => exchange(s, { audience: 'agent-research' }).send(`subject_token=&subject_token=${await devToken(s, { user: 'alice' })}`),
      400,
      'invalid_request',
    ],
    [
      'two audiences (RFC 8693 allows several targets; this issuer issues for one)',
      async (s) =>
        exchange(s, { subject_token: await devToken(s, { user: 'alice' }) }).send('audience=agent-research&audience=agent-writer'),
      400,
      'invalid_target',
    ],
    ['a missing subject_token', (s) => exchange(s, { audience: 'agent-research' }), 400, 'invalid_request'],
    [
      'an unsupported subject_token_type',
      async (s) =>
        exchange(s, {
          subject_token: await devToken(s, { user: 'alice' }),
          subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
          audience: 'agent-research',
        }),
      400,
      'invalid_request',
    ],
    [
      'an actor_token',
      async (s) =>
        exchange(s, {
          subject_token: await devToken(s, { user: 'alice' }),
          actor_token: 'abc',
          actor_token_type: AT,
          audience: 'agent-research',
        }),
      400,
      'invalid_request',
    ],
    [
      'a requested_token_type other than access_token',
      async (s) =>
        exchange(s, {
          subject_token: await devToken(s, { user: 'alice' }),
          requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
          audience: 'agent-research',
        }),
      400,
      'invalid_request',
    ],
    ['no target', async (s) => exchange(s, { subject_token: await devToken(s, { user: 'alice' }) }), 400, 'invalid_request'],
    [
      'audience and resource naming different agents',
      async (s) =>
        exchange(s, {
          subject_token: await devToken(s, { user: 'alice' }),
          audience: 'agent-research',
          resource: 'http://127.0.0.1:3002/writer',
        }),
      400,
      'invalid_target',
    ],
    [
      'an unknown audience',
      async (s) => exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-evil' }),
      400,
      'invalid_target',
    ],
    [
      'a relative resource',
      async (s) => exchange(s, { subject_token: await devToken(s, { user: 'alice' }), resource: '/research' }),
      400,
      'invalid_target',
    ],
    [
      'a resource with a fragment',
      async (s) => exchange(s, { subject_token: await devToken(s, { user: 'alice' }), resource: 'http://127.0.0.1:3001/research#x' }),
      400,
      'invalid_target',
    ],
    [
      'the workflow audience as target',
      async (s) => exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'baton-workflow' }),
      400,
      'invalid_target',
    ],
    [
      'a scope outside the target scope',
      async (s) =>
        exchange(s, {
          subject_token: await devToken(s, { user: 'alice' }),
          audience: 'agent-research',
          scope: 'research:invoke writer:invoke',
        }),
      400,
      'invalid_scope',
    ],
    [
      'a subject token signed by someone else',
      (s) => exchange(s, { subject_token: foreignKey, audience: 'agent-research' }),
      400,
      'invalid_grant',
    ],
    [
      'a subject token signed with an unknown RSA key',
      (s) => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const now = Math.floor(s.clock.ms / 1000);
        const t = jwt.sign(
          { iss: ISSUER, sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke', iat: now, exp: now + 60 },
          privateKey,
          { algorithm: 'RS256', header: { alg: 'RS256', typ: 'at+jwt', kid: s.keys.signingKey().kid } },
        );
        return exchange(s, { subject_token: t, audience: 'agent-research' });
      },
      400,
      'invalid_grant',
    ],
    ['a garbage subject token', (s) => exchange(s, { subject_token: 'not-a-jwt', audience: 'agent-research' }), 400, 'invalid_grant'],
    [
      'an expired subject token',
      async (s) => {
        const t = await devToken(s, { user: 'alice', ttl: 60 });
        s.clock.ms += 120_000;
        return exchange(s, { subject_token: t, audience: 'agent-research' });
      },
      400,
      'invalid_grant',
    ],
    [
      'a subject token for another audience',
      async (s) =>
        exchange(s, { subject_token: await devToken(s, { user: 'alice', audience: 'agent-research' }), audience: 'agent-writer' }),
      400,
      'invalid_grant',
    ],
    [
      'a subject token that already has act (re-exchange)',
      async (s) => {
        const first = await exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' });
        // Even if an exchanged token had the workflow audience, act is refused: mint one by hand.
        const { kid, privateKey } = s.keys.signingKey();
        const now = Math.floor(s.clock.ms / 1000);
        const t = jwt.sign(
          { iss: ISSUER, sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke', act: { sub: 'workflow' }, iat: now, exp: now + 60 },
          privateKey,
          { algorithm: 'RS256', header: { alg: 'RS256', typ: 'at+jwt', kid } },
        );
        expect(first.status).toBe(200);
        return exchange(s, { subject_token: t, audience: 'agent-writer' });
      },
      400,
      'invalid_grant',
    ],
    [
      'a subject token without typ at+jwt',
      async (s) => {
        const { kid, privateKey } = s.keys.signingKey();
        const now = Math.floor(s.clock.ms / 1000);
        const t = jwt.sign(
          { iss: ISSUER, sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke', iat: now, exp: now + 60 },
          privateKey,
          { algorithm: 'RS256', keyid: kid },
        );
        return exchange(s, { subject_token: t, audience: 'agent-research' });
      },
      400,
      'invalid_grant',
    ],
    [
      'a subject token without exp',
      async (s) => {
        const { kid, privateKey } = s.keys.signingKey();
        const t = jwt.sign({ iss: ISSUER, sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke' }, privateKey, {
          algorithm: 'RS256',
          header: { alg: 'RS256', typ: 'at+jwt', kid },
        });
        return exchange(s, { subject_token: t, audience: 'agent-research' });
      },
      400,
      'invalid_grant',
    ],
    [
      'a subject token from another issuer',
      async (s) => {
        const { kid, privateKey } = s.keys.signingKey();
        const now = Math.floor(s.clock.ms / 1000);
        const t = jwt.sign(
          { iss: 'http://evil.test', sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke', iat: now, exp: now + 60 },
          privateKey,
          { algorithm: 'RS256', header: { alg: 'RS256', typ: 'at+jwt', kid } },
        );
        return exchange(s, { subject_token: t, audience: 'agent-research' });
      },
      400,
      'invalid_grant',
    ],
    [
      'a subject without workflow:invoke (eve)',
      async (s) => exchange(s, { subject_token: await devToken(s, { user: 'eve' }), audience: 'agent-research' }),
      400,
      'invalid_grant',
    ],
    [
      'a client not allowed to exchange',
      async (s) =>
        exchange(s, { subject_token: await devToken(s, { user: 'alice' }), audience: 'agent-research' }, basic('reporter', SECRET)),
      400,
      'unauthorized_client',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, run, status, error) => {
    const s = setup({}, (p) => {
      p.clients.push({
        clientId: 'reporter',
        secret: SECRET,
        authMethods: ['client_secret_basic', 'client_secret_post'],
        keys: [],
        grantTypes: ['client_credentials'],
        audience: 'reporter',
        delegateTo: [],
        credentialsAudiences: [],
      });
    });
    const res = await run(s);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    if (error === 'invalid_client') expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  it('answers 413 invalid_request to an oversized body', async () => {
    const s = setup();
    const res = await exchange(s, { subject_token: 'x'.repeat(40_000), audience: 'agent-research' });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('invalid_request');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 405 to GET', async () => {
    const res = await request(setup().app).get('/oauth/token');
    expect(res.status).toBe(405);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('rate-limits token exchange per client with 429 slow_down and Retry-After', async () => {
    const s = setup({ TOKEN_EXCHANGE_RATE_LIMIT: '2' });
    const subject = await devToken(s, { user: 'alice' });
    expect((await exchange(s, { subject_token: subject, audience: 'agent-research' })).status).toBe(200);
    expect((await exchange(s, { subject_token: subject, audience: 'agent-research' })).status).toBe(200);
    const res = await exchange(s, { subject_token: subject, audience: 'agent-research' });
    expect(res.status).toBe(429);
    expect(res.body.error).toBe('slow_down');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    s.clock.ms += 61_000;
    expect((await exchange(s, { subject_token: subject, audience: 'agent-research' })).status).toBe(200);
  });
});

describe('development token endpoint', () => {
  it('gives alice a workflow token with her granted scope by default', async () => {
    const s = setup();
    const res = await request(s.app).post('/dev/token').send({ user: 'alice' });
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(600);
    const { header, payload } = verify(s, res.body.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: 'alice', aud: 'baton-workflow', scope: 'workflow:invoke' });
  });

  it("takes a team's own workflow (WORKFLOW_CLIENT_ID, _AUDIENCE, _SCOPE): its users hold that scope, exchanges require it", async () => {
    const s = setup({ WORKFLOW_CLIENT_ID: 'notes', WORKFLOW_AUDIENCE: 'notes-workflow', WORKFLOW_SCOPE: 'notes:invoke' });
    const alice = await devToken(s, { user: 'alice' });
    expect(verify(s, alice).payload).toMatchObject({ sub: 'alice', aud: 'notes-workflow', scope: 'notes:invoke' });
    const res = await exchange(s, { subject_token: alice, audience: 'agent-research' }, basic('notes', SECRET));
    expect(res.status).toBe(200);
    expect(verify(s, res.body.access_token).payload).toMatchObject({ sub: 'alice', aud: 'agent-research', act: { sub: 'notes' } });
    // the demo's scope is no key to this workflow
    const old = await request(s.app).post('/dev/token').send({ user: 'alice', scope: 'workflow:invoke' });
    expect(old.status).toBe(403);
    expect(() => parseIssuerConfig({ WORKFLOW_SCOPE: 'two scopes' })).toThrow(/WORKFLOW_SCOPE/);
  });

  it('gives eve a token without workflow:invoke and refuses to grant it', async () => {
    const s = setup();
    const t = await devToken(s, { user: 'eve' });
    expect(verify(s, t).payload.scope).toBe('profile');
    const res = await request(s.app).post('/dev/token').send({ user: 'eve', scope: 'workflow:invoke' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ISSUER_SCOPE_NOT_ALLOWED');
    expect((await request(s.app).post('/dev/token').send({ user: 'eve', audience: 'agent-research' })).status).toBe(403);
  });

  it('gives an agent-audience token with only that agent scope', async () => {
    const s = setup();
    const t = await devToken(s, { user: 'bob', audience: 'agent-writer' });
    expect(verify(s, t).payload).toMatchObject({ sub: 'bob', aud: 'agent-writer', scope: 'writer:invoke' });
    const res = await request(s.app).post('/dev/token').send({ user: 'bob', audience: 'agent-writer', scope: 'research:invoke' });
    expect(res.status).toBe(403);
  });

  it('caps ttl and rejects unknown users, audiences and fields', async () => {
    const s = setup();
    expect((await request(s.app).post('/dev/token').send({ user: 'alice', ttl: 999_999 })).body.expires_in).toBe(3600);
    expect((await request(s.app).post('/dev/token').send({ user: 'mallory' })).body.error.code).toBe('ISSUER_UNKNOWN_USER');
    expect((await request(s.app).post('/dev/token').send({ user: 'alice', audience: 'nope' })).body.error.code).toBe(
      'ISSUER_UNKNOWN_AUDIENCE',
    );
    expect((await request(s.app).post('/dev/token').send({ user: 'alice', admin: true })).status).toBe(400);
  });

  it('does not exist in production mode', async () => {
    const s = setup({ BATON_PROFILE: 'production', WORKFLOW_CLIENT_SECRET: randomBytes(32).toString('base64url') });
    expect((await request(s.app).post('/dev/token').send({ user: 'alice' })).status).toBe(404);
    expect((await request(s.app).post('/dev/rotate-keys')).status).toBe(404);
    expect((await request(s.app).get('/.well-known/jwks.json')).status).toBe(200);
  });
});

describe('key rotation', () => {
  it('publishes old and new keys, signs with the new kid, and old tokens still exchange', async () => {
    const s = setup();
    const oldKid = s.keys.signingKey().kid;
    const oldToken = await devToken(s, { user: 'alice' });
    const rot = await request(s.app).post('/dev/rotate-keys');
    expect(rot.status).toBe(200);
    const newKid = rot.body.kid as string;
    expect(newKid).not.toBe(oldKid);
    const jwks = (await request(s.app).get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
    expect(jwks).toEqual(expect.arrayContaining([oldKid, newKid]));
    const res = await exchange(s, { subject_token: oldToken, audience: 'agent-research' });
    expect(res.status).toBe(200);
    expect(verify(s, res.body.access_token).header.kid).toBe(newKid);
    expect(verify(s, oldToken).payload.sub).toBe('alice');
  });

  it('picks up a key rotated on disk by another process', async () => {
    const s = setup();
    const other = KeyStore.open(s.config.dataDir);
    const newKid = await other.rotate();
    s.clock.ms += 2000;
    // mtime resolution: make sure the change is visible
    fs.utimesSync(s.keys.file, new Date(), new Date(Date.now() + 5000));
    const jwks = (await request(s.app).get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
    expect(jwks).toContain(newKid);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    const s = setup();
    expect((await request(s.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(s.app).get('/readyz')).status).toBe(200);
  });
});
