import { generateKeyPairSync } from 'node:crypto';
import type * as http from 'node:http';
import jwt from 'jsonwebtoken';
import { Agent } from 'undici';
import { keyThumbprint } from './client-auth.js';
import {
  createTokenExchangeClient,
  GRANT_TYPE_JWT_BEARER,
  GRANT_TYPE_TOKEN_EXCHANGE,
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_JWT,
} from './token-exchange.js';
import { Caller, parseTraceparent, tokenFingerprint } from '@baton/identity';
import { b64url, closeServer, deadUrl, listen } from '../test/helpers.js';

type Mode = 'ok' | 'invalid_grant' | 'invalid_client' | '500' | 'hang' | 'garbage' | '404' | '429';

interface Seen {
  authorization: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
  requestId: string | undefined;
  traceparent: string | undefined;
}

let server: http.Server;
let endpoint: string;
let mode: Mode = 'ok';
let seen: Seen[] = [];
let issued = 0;
const hanging: http.ServerResponse[] = [];

beforeAll(async () => {
  ({ server, url: endpoint } = await listen((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push({
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        form,
        requestId: req.headers['x-request-id'] as string | undefined,
        traceparent: req.headers.traceparent as string | undefined,
      });
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      switch (mode) {
        case 'invalid_grant':
          res.writeHead(400).end(JSON.stringify({ error: 'invalid_grant', error_description: `bad token ${form.get('subject_token')}` }));
          return;
        case '429':
          res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'slow_down' }));
          return;
        case 'invalid_client':
          res.writeHead(401, { 'www-authenticate': 'Basic' }).end(JSON.stringify({ error: 'invalid_client' }));
          return;
        case '500':
          res.writeHead(500).end(JSON.stringify({ error: 'server_error' }));
          return;
        case '404':
          res.writeHead(404).end('not found');
          return;
        case 'garbage':
          res.writeHead(200).end('{"access_token":');
          return;
        case 'hang':
          hanging.push(res);
          return;
        default:
          issued += 1;
          res.end(
            JSON.stringify({
              access_token: `exchanged-${issued}-${form.get('audience')}`,
              issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
              token_type: 'Bearer',
              expires_in: 300,
              ...(form.get('scope') ? { scope: form.get('scope') } : {}),
            }),
          );
      }
    });
  }));
  endpoint = `${endpoint}/token`;
});
afterAll(async () => {
  for (const r of hanging) r.destroy();
  await closeServer(server);
});
beforeEach(() => {
  mode = 'ok';
  seen = [];
});

const T0 = 1_700_000_000_000;
const subjectToken = (expSec = T0 / 1000 + 3600, sub = 'alice') => `${b64url({ alg: 'RS256' })}.${b64url({ sub, exp: expSec })}.c2ln`;

/** The Caller `requireAuth` would make for a test subject token (its `sub` and `exp` as verified claims). */
function asCaller(token: string, correlation: { requestId?: string; traceparent?: string } = {}): Caller {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; exp: number };
  const principal = {
    sub: claims.sub,
    iss: 'https://issuer.test',
    aud: ['workflow'],
    scope: [],
    exp: claims.exp,
    token_fp: tokenFingerprint(token),
  };
  return new Caller({ token, principal, ...correlation });
}

function client(extra: Partial<Parameters<typeof createTokenExchangeClient>[0]> = {}) {
  return createTokenExchangeClient({ tokenEndpoint: endpoint, clientId: 'workflow', clientSecret: 's3cret', ...extra });
}

describe('createTokenExchangeClient', () => {
  it('exchanges a token with a form-encoded RFC 8693 request and HTTP Basic client auth', async () => {
    let clock = T0;
    const c = client({ now: () => clock });
    const st = subjectToken();
    const out = await c.exchangeFor(asCaller(st), { audience: 'agent-research', scope: 'research:invoke' });
    expect(out).toEqual({
      accessToken: expect.stringMatching(/^exchanged-\d+-agent-research$/),
      expiresAt: T0 + 300_000,
      scope: 'research:invoke',
      issuedTokenType: TOKEN_TYPE_ACCESS_TOKEN,
    });
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.contentType).toBe('application/x-www-form-urlencoded');
    expect(s.authorization).toBe(`Basic ${Buffer.from('workflow:s3cret').toString('base64')}`);
    expect(Object.fromEntries(s.form)).toEqual({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      subject_token: st,
      subject_token_type: TOKEN_TYPE_ACCESS_TOKEN,
      audience: 'agent-research',
      scope: 'research:invoke',
      requested_token_type: TOKEN_TYPE_ACCESS_TOKEN,
    });
    clock += 1000;
    await c.close();
  });

  it('form-urlencodes the client id and secret before Basic encoding (RFC 6749 §2.3.1)', async () => {
    const c = client({ clientId: 'my client:1', clientSecret: 'p@ss word/+' });
    await c.exchangeFor(asCaller(subjectToken()), { audience: 'a' });
    const decoded = Buffer.from(seen[0]!.authorization!.slice(6), 'base64').toString();
    expect(decoded).toBe('my+client%3A1:p%40ss+word%2F%2B');
    await c.close();
  });

  it('serves a repeated exchange from the cache (issuer hit once)', async () => {
    const c = client();
    const st = subjectToken(Date.now() / 1000 + 3600);
    const a = await c.exchangeFor(asCaller(st), { audience: 'agent-research' });
    const b = await c.exchangeFor(asCaller(st), { audience: 'agent-research' });
    expect(b).toBe(a);
    expect(seen).toHaveLength(1);
    await c.close();
  });

  it('shares one request between 10 concurrent identical exchanges', async () => {
    const c = client();
    const st = subjectToken(Date.now() / 1000 + 3600);
    const results = await Promise.all(Array.from({ length: 10 }, () => c.exchangeFor(asCaller(st), { audience: 'agent-writer' })));
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(seen).toHaveLength(1);
    await c.close();
  });

  it('keeps separate entries per audience and per scope', async () => {
    const c = client();
    const st = subjectToken(Date.now() / 1000 + 3600);
    const a = await c.exchangeFor(asCaller(st), { audience: 'agent-research' });
    const b = await c.exchangeFor(asCaller(st), { audience: 'agent-writer' });
    const s = await c.exchangeFor(asCaller(st), { audience: 'agent-writer', scope: 'writer:invoke' });
    expect(new Set([a.accessToken, b.accessToken, s.accessToken]).size).toBe(3);
    expect(seen).toHaveLength(3);
    await c.exchangeFor(asCaller(st), { audience: 'agent-writer' });
    expect(seen).toHaveLength(3);
    await c.close();
  });

  it('refreshes refreshSkewSec before the exchanged token expires', async () => {
    let clock = T0;
    const c = client({ now: () => clock, refreshSkewSec: 30 });
    const st = subjectToken();
    await c.exchangeFor(asCaller(st), { audience: 'a' });
    clock += 269_000; // 31 s before expiry: still cached
    await c.exchangeFor(asCaller(st), { audience: 'a' });
    expect(seen).toHaveLength(1);
    clock += 2_000; // inside the skew: renewed
    const renewed = await c.exchangeFor(asCaller(st), { audience: 'a' });
    expect(seen).toHaveLength(2);
    expect(renewed.expiresAt).toBe(clock + 300_000);
    await c.close();
  });

  it('never caches beyond the subject token own exp', async () => {
    let clock = T0;
    const c = client({ now: () => clock });
    const st = subjectToken(T0 / 1000 + 60); // the user's token dies in 60 s
    await c.exchangeFor(asCaller(st), { audience: 'a' });
    clock += 61_000;
    await c.exchangeFor(asCaller(st), { audience: 'a' });
    expect(seen).toHaveLength(2);
    await c.close();
  });

  it('maps 400 invalid_grant to AUTH_EXCHANGE_DENIED (403) without echoing the token', async () => {
    mode = 'invalid_grant';
    const c = client();
    const st = subjectToken(Date.now() / 1000 + 3600, 'denied');
    const err = (await c.exchangeFor(asCaller(st), { audience: 'a' }).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(err).toMatchObject({ code: 'AUTH_EXCHANGE_DENIED', status: 403, detail: { error: 'invalid_grant' } });
    expect(String(err.message)).toContain('invalid_grant');
    expect(JSON.stringify(err)).not.toContain(st);
    expect(String(err.message)).not.toContain(st);
    await c.close();
  });

  it('maps invalid_client (our own misconfiguration) to AUTH_EXCHANGE_DENIED with status 502', async () => {
    mode = 'invalid_client';
    const c = client();
    await expect(c.exchangeFor(asCaller(subjectToken()), { audience: 'a' })).rejects.toMatchObject({
      code: 'AUTH_EXCHANGE_DENIED',
      status: 502,
    });
    await c.close();
  });

  it.each([
    ['a 500 answer', '500' as Mode],
    ['a 404 answer without an OAuth error', '404' as Mode],
    ['a truncated JSON body', 'garbage' as Mode],
  ])('maps %s to 503 AUTH_EXCHANGE_UNAVAILABLE', async (_name, m) => {
    mode = m;
    const c = client();
    await expect(c.exchangeFor(asCaller(subjectToken()), { audience: 'a' })).rejects.toMatchObject({
      code: 'AUTH_EXCHANGE_UNAVAILABLE',
      status: 503,
    });
    await c.close();
  });

  it("maps 429 slow_down (the issuer throttling this user or client) to 429 AUTH_EXCHANGE_RATE_LIMITED with the issuer's Retry-After", async () => {
    mode = '429';
    const c = client();
    const err = (await c.exchangeFor(asCaller(subjectToken()), { audience: 'a' }).catch((e: unknown) => e)) as {
      code: string;
      status: number;
      headers: Record<string, string>;
    };
    expect(err).toMatchObject({ code: 'AUTH_EXCHANGE_RATE_LIMITED', status: 429, headers: { 'Retry-After': '3' } });
    await c.close();
  });

  it('remembers an issuer 429 for that user until Retry-After: their fresh tokens get 429 without a request, other users are asked', async () => {
    let clock = T0;
    const c = client({ now: () => clock });
    const alice = (n: number) => asCaller(subjectToken(T0 / 1000 + 3600 + n, 'alice'));
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: { code?: string; status?: number; headers?: Record<string, string> }) => [e.code, e.status, e.headers?.['Retry-After']],
      );
    mode = '429'; // Retry-After: 3
    expect(await refusal(c.exchangeFor(alice(1), { audience: 'a' }))).toEqual(['AUTH_EXCHANGE_RATE_LIMITED', 429, '3']);
    expect(seen).toHaveLength(1);
    mode = 'ok';
    clock += 1_200;
    expect(await refusal(c.exchangeFor(alice(2), { audience: 'b' }))).toEqual(['AUTH_EXCHANGE_RATE_LIMITED', 429, '2']);
    expect(await refusal(c.exchangeFor(alice(3), { audience: 'a' }))).toEqual(['AUTH_EXCHANGE_RATE_LIMITED', 429, '2']);
    expect(seen).toHaveLength(1); // alice's fresh tokens never reached the issuer
    await c.exchangeFor(asCaller(subjectToken(T0 / 1000 + 3600, 'bob')), { audience: 'a' });
    await c.exchangeFor(asCaller(subjectToken(T0 / 1000 + 3600, 'carol')), { audience: 'a' });
    expect(seen).toHaveLength(3);
    clock = T0 + 3_000;
    await c.exchangeFor(alice(4), { audience: 'a' });
    expect(seen).toHaveLength(4);
    await c.close();
  });

  it('maps a refused connection to 503 AUTH_EXCHANGE_UNAVAILABLE', async () => {
    const c = client({ tokenEndpoint: `${await deadUrl()}/token` });
    const st = subjectToken();
    const err = (await c.exchangeFor(asCaller(st), { audience: 'a' }).catch((e: unknown) => e)) as Error & { cause?: Error };
    expect(err).toMatchObject({ code: 'AUTH_EXCHANGE_UNAVAILABLE', status: 503 });
    expect(`${err.message} ${err.cause?.message ?? ''}`).not.toContain(st);
    await c.close();
  });

  it('maps a timeout to 503 AUTH_EXCHANGE_UNAVAILABLE', async () => {
    mode = 'hang';
    const c = client({ timeoutMs: 200 });
    await expect(c.exchangeFor(asCaller(subjectToken()), { audience: 'a' })).rejects.toMatchObject({
      code: 'AUTH_EXCHANGE_UNAVAILABLE',
      status: 503,
    });
    await c.close();
  });

  it('does not cache failures', async () => {
    const c = client();
    const st = subjectToken(Date.now() / 1000 + 3600);
    mode = '500';
    await expect(c.exchangeFor(asCaller(st), { audience: 'a' })).rejects.toMatchObject({ code: 'AUTH_EXCHANGE_UNAVAILABLE' });
    mode = 'ok';
    await expect(c.exchangeFor(asCaller(st), { audience: 'a' })).resolves.toMatchObject({ accessToken: expect.any(String) });
    expect(seen).toHaveLength(2);
    await c.close();
  });

  it('writes nothing to stdout or stderr (the request body is never logged)', async () => {
    const writes: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (writes.push(String(chunk)), true));
    const errw = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (writes.push(String(chunk)), true));
    const logs = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...a: unknown[]) => void writes.push(a.join(' '))),
    );
    try {
      const c = client();
      const st = subjectToken(Date.now() / 1000 + 3600, 'quiet');
      await c.exchangeFor(asCaller(st), { audience: 'a' });
      mode = 'invalid_grant';
      await c.exchangeFor(asCaller(st), { audience: 'b' }).catch(() => undefined);
      await c.close();
      expect(writes.join('')).not.toContain(st);
      expect(writes.join('')).not.toContain('s3cret');
    } finally {
      out.mockRestore();
      errw.mockRestore();
      for (const l of logs) l.mockRestore();
    }
  });

  it("sends the caller's request id and a child of its traceparent (or the hop's) to the issuer, and nothing when it has none", async () => {
    const c = client();
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await c.exchangeFor(asCaller(subjectToken(Date.now() / 1000 + 3600, 'corr'), { requestId: 'req-9', traceparent: parent }), {
      audience: 'a',
    });
    const child = parseTraceparent(seen[0]!.traceparent);
    expect(seen[0]!.requestId).toBe('req-9');
    expect(child?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
    const hop = '00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01';
    await c.exchangeFor(asCaller(subjectToken(Date.now() / 1000 + 3600, 'corr'), { traceparent: parent }), {
      audience: 'b',
      traceparent: hop,
    });
    expect(seen[1]!.traceparent).toBe(hop);
    await c.exchangeFor(asCaller(subjectToken(Date.now() / 1000 + 3600, 'bare')), { audience: 'a' });
    expect(seen[2]!.requestId).toBeUndefined();
    expect(seen[2]!.traceparent).toBeUndefined();
    await c.close();
  });

  it('refuses to exchange for anything but a genuine Caller (a copy carries no token)', async () => {
    const c = client();
    const caller = asCaller(subjectToken());
    await expect(c.exchangeFor({ ...caller } as Caller, { audience: 'a' })).rejects.toThrow(TypeError);
    await expect(c.exchangeFor(JSON.parse(JSON.stringify(caller)) as Caller, { audience: 'a' })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
    await c.close();
  });

  it('sends its requests through a dispatcher that is passed in, and does not close it', async () => {
    const dispatched: string[] = [];
    class RecordingAgent extends Agent {
      override dispatch(options: Agent.DispatchOptions, handler: Parameters<Agent['dispatch']>[1]): boolean {
        dispatched.push(`${String(options.method)} ${String(options.origin)}${options.path}`);
        return super.dispatch(options, handler);
      }
    }
    const dispatcher = new RecordingAgent();
    const c = client({ dispatcher });
    await c.exchangeFor(asCaller(subjectToken()), { audience: 'a' });
    expect(dispatched).toEqual([`POST ${new URL(endpoint).origin}${new URL(endpoint).pathname}`]);
    await c.close(); // does not close a dispatcher it does not own
    expect(dispatcher.closed).toBe(false);
    await c.exchangeFor(asCaller(subjectToken(undefined, 'other')), { audience: 'a' });
    expect(dispatched).toHaveLength(2);
    expect(seen).toHaveLength(2);
    await dispatcher.close();
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => createTokenExchangeClient({ tokenEndpoint: 'nope', clientId: 'a', clientSecret: 'b' })).toThrow(TypeError);
    expect(() => createTokenExchangeClient({ tokenEndpoint: endpoint, clientId: '', clientSecret: 'b' })).toThrow(TypeError);
    expect(() => createTokenExchangeClient({ tokenEndpoint: endpoint, clientId: 'a', clientSecret: 'b', timeoutMs: 0 })).toThrow(TypeError);
  });
});

describe('createTokenExchangeClient: request options for other providers', () => {
  const caller = () => asCaller(subjectToken(Date.now() / 1000 + 3600, `u-${Math.random()}`));

  it('sends client_secret_post credentials in the form and no Authorization header', async () => {
    const c = client({ clientAuthMethod: 'client_secret_post' });
    await c.exchangeFor(caller(), { audience: 'agent-research' });
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[0]!.form.get('client_id')).toBe('workflow');
    expect(seen[0]!.form.get('client_secret')).toBe('s3cret');
    await c.close();
  });

  it('authenticates with private_key_jwt: a fresh RFC 7523 assertion per request (aud = token endpoint, 60 s, unique jti, kid)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const c = createTokenExchangeClient({
      tokenEndpoint: endpoint,
      clientId: 'workflow',
      clientAuthMethod: 'private_key_jwt',
      clientAssertionKey: { privateKey, kid: 'wf-key-1' },
    });
    await c.exchangeFor(caller(), { audience: 'agent-research' });
    await c.exchangeFor(caller(), { audience: 'agent-research' });
    expect(seen).toHaveLength(2);
    const jtis = new Set<string>();
    for (const s of seen) {
      expect(s.authorization).toBeUndefined();
      expect(s.form.get('client_secret')).toBeNull();
      expect(s.form.get('client_id')).toBe('workflow');
      expect(s.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      const assertion = s.form.get('client_assertion')!;
      const { header, payload } = jwt.verify(assertion, publicKey, { algorithms: ['RS256'], complete: true }) as jwt.Jwt & {
        payload: jwt.JwtPayload;
      };
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'wf-key-1' });
      expect(payload).toEqual({
        iss: 'workflow',
        sub: 'workflow',
        aud: endpoint,
        iat: expect.any(Number),
        exp: payload.iat! + 60,
        jti: expect.any(String),
      });
      jtis.add(payload.jti!);
    }
    expect(jtis.size).toBe(2);
    await c.close();
  });

  it('signs ES256 and PS256 assertions and defaults kid to the RFC 7638 thumbprint', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const [key, alg] of [
      [ec, 'ES256'],
      [rsa, 'PS256'],
    ] as const) {
      seen = [];
      const c = createTokenExchangeClient({
        tokenEndpoint: endpoint,
        clientId: 'workflow',
        clientAuthMethod: 'private_key_jwt',
        clientAssertionKey: { privateKey: key.privateKey, ...(alg === 'PS256' ? { alg } : {}) },
      });
      await c.exchangeFor(caller(), { audience: 'a' });
      const decoded = jwt.verify(seen[0]!.form.get('client_assertion')!, key.publicKey, { algorithms: [alg], complete: true });
      expect(decoded.header).toEqual({ alg, typ: 'JWT', kid: keyThumbprint(key.publicKey) });
      await c.close();
    }
  });

  it('sends resource instead of audience, or both, and the configured requested_token_type', async () => {
    const r = createTokenExchangeClient({ tokenEndpoint: endpoint, clientId: 'w', clientSecret: 's', target: 'resource' });
    await r.exchangeFor(caller(), { audience: 'agent-research', resource: 'https://research.example/research' });
    expect(seen[0]!.form.get('audience')).toBeNull();
    expect(seen[0]!.form.get('resource')).toBe('https://research.example/research');
    const b = createTokenExchangeClient({
      tokenEndpoint: endpoint,
      clientId: 'w',
      clientSecret: 's',
      target: 'both',
      requestedTokenType: TOKEN_TYPE_JWT,
    });
    await b.exchangeFor(caller(), { audience: 'agent-research', resource: 'https://research.example/research' });
    expect(seen[1]!.form.get('audience')).toBe('agent-research');
    expect(seen[1]!.form.get('resource')).toBe('https://research.example/research');
    expect(seen[1]!.form.get('requested_token_type')).toBe(TOKEN_TYPE_JWT);
    await expect(r.exchangeFor(caller(), { audience: 'agent-research' })).rejects.toThrow(/needs the request's resource/);
    await r.close();
    await b.close();
  });

  it("sends Entra ID's on-behalf-of form for the entra-obo flow (jwt-bearer grant, assertion, scope, requested_token_use)", async () => {
    const c = client({ flow: 'entra-obo', clientAuthMethod: 'client_secret_post' });
    const st = subjectToken(Date.now() / 1000 + 3600);
    await c.exchangeFor(asCaller(st), { audience: 'agent-research', scope: 'api://agent-research/.default' });
    expect(Object.fromEntries(seen[0]!.form)).toEqual({
      grant_type: GRANT_TYPE_JWT_BEARER,
      assertion: st,
      scope: 'api://agent-research/.default',
      requested_token_use: 'on_behalf_of',
      client_id: 'workflow',
      client_secret: 's3cret',
    });
    await expect(c.exchangeFor(caller(), { audience: 'agent-research' })).rejects.toThrow(/needs scope/);
    await c.close();
  });

  it('rejects incomplete client authentication and unknown flow options with a TypeError that names no secret', () => {
    const base = { tokenEndpoint: endpoint, clientId: 'a' };
    expect(() => createTokenExchangeClient({ ...base })).toThrow(/needs clientSecret/);
    expect(() => createTokenExchangeClient({ ...base, clientAuthMethod: 'private_key_jwt', clientSecret: 'hunter2-secret' })).toThrow(
      /needs assertionKey/,
    );
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() =>
      createTokenExchangeClient({ ...base, clientAuthMethod: 'private_key_jwt', clientAssertionKey: { privateKey: publicKey } }),
    ).toThrow(/private KeyObject/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      createTokenExchangeClient({
        ...base,
        clientAuthMethod: 'private_key_jwt',
        clientAssertionKey: { privateKey: ec.privateKey, alg: 'RS256' },
      }),
    ).toThrow(/needs an RSA key/);
    expect(() => createTokenExchangeClient({ ...base, clientSecret: 'b', target: 'everything' as never })).toThrow(TypeError);
    expect(() => createTokenExchangeClient({ ...base, clientSecret: 'b', requestedTokenType: 'urn:x' })).toThrow(TypeError);
    expect(() => createTokenExchangeClient({ ...base, clientSecret: 'b', flow: 'entra-obo', target: 'resource' })).toThrow(TypeError);
    try {
      createTokenExchangeClient({ ...base, clientAuthMethod: 'private_key_jwt', clientSecret: 'hunter2-secret' });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
  });
});
