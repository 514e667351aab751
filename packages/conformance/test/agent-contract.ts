// The agent contract (docs/AGENT-CONTRACT.md) checked from the outside, over HTTP, against any
// agent URL: a Baton agent, or one written in another language (a Python LangServe app) that
// trusts this suite's issuer. Every token comes from `@baton/testkit`'s test issuer (a real JWKS
// on 127.0.0.1); the hostile ones are crafted here.
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { foreignKey, parseSse, type TestIssuer } from '@baton/testkit';

export interface AgentTarget {
  /** The agent's base URL with its path, e.g. `http://127.0.0.1:3001/research`. */
  url: string;
  /** The `aud` its tokens carry, and the scope its routes require. */
  audience: string;
  scope: string;
  /** The acting service the agent trusts (`act.sub`), and whether it refuses any other. */
  actor: string;
  requiresActor: boolean;
  /** An input the agent accepts. */
  input: unknown;
  /** The issuer the agent trusts: the suite mints every token with it. */
  issuer: TestIssuer;
  /** The agent's log lines so far, when the suite can read them (audit checks run then only). */
  logLines?: () => string[];
  close(): Promise<void>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function call(target: AgentTarget, route: string, body: unknown, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${target.url}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Hostile tokens built from a valid one, with no key (alg none, edited payload) or the public key (HS256). */
async function crafted(issuer: TestIssuer, valid: string) {
  const [h, p, sig] = valid.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
  const pem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const hsHead = b64({ ...header, alg: 'HS256' });
  const hsBody = b64(payload);
  return {
    algNone: `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`,
    edited: `${h}.${b64({ ...payload, sub: 'mallory' })}.${sig}`,
    hsWithPublicKey: `${hsHead}.${hsBody}.${createHmac('sha256', pem).update(`${hsHead}.${hsBody}`).digest('base64url')}`,
    jku: `${b64({ ...header, jku: 'http://127.0.0.1:9/jwks.json' })}.${p}.${sig}`,
  };
}

function expectRefusal(r: { status: number; headers: Headers; text: string }, status: 401 | 403, code: string, token?: string) {
  expect({ status: r.status, code: (JSON.parse(r.text) as { error?: { code?: string } }).error?.code }).toEqual({ status, code });
  const body = JSON.parse(r.text) as { error: { code: unknown; message: unknown } };
  expect(typeof body.error.message).toBe('string');
  // RFC 6750 §3: a challenge on every 401, and on the 403 for a missing scope (an actor refusal is
  // an authorization decision about the caller, not about the token: no challenge needed).
  const challenge = r.headers.get('www-authenticate') ?? '';
  if (status === 401 || code === 'AUTH_INSUFFICIENT_SCOPE') expect(challenge).toMatch(/^Bearer\b/);
  if (code === 'AUTH_INSUFFICIENT_SCOPE') expect(challenge).toContain('error="insufficient_scope"');
  if (status === 401 && code !== 'AUTH_TOKEN_MISSING') expect(challenge).toContain('error="invalid_token"');
  if (token) {
    expect(r.text).not.toContain(token);
    expect(challenge).not.toContain(token);
  }
}

/** How long the suite waits for the agent to answer (it may fetch the suite's keys only now). */
const READY_WITHIN_MS = 90_000;

/**
 * Waits while the agent is unreachable, answers 503 (no keys yet: an outage, never a 401), or does
 * not know the suite's key yet (401 AUTH_KEY_NOT_FOUND: a rerun against the same agent brings a
 * new key, which it fetches once its JWKS cooldown has passed).
 */
async function untilReady(t: AgentTarget, token: string): Promise<void> {
  const until = Date.now() + READY_WITHIN_MS;
  let last = 'no answer';
  while (Date.now() < until) {
    try {
      const r = await call(t, '/input_schema', undefined, token);
      if (r.status !== 503 && !(r.status === 401 && r.text.includes('AUTH_KEY_NOT_FOUND'))) return;
      last = `${r.status} ${r.text.slice(0, 200)}`;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the agent at ${t.url} was not ready within ${READY_WITHIN_MS} ms (${last})`);
}

/** The contract as jest tests. `start` gives the target (and starts what it needs); `close` stops it. */
export function describeAgentContract(name: string, start: () => Promise<AgentTarget>): void {
  describe(`agent contract: ${name}`, () => {
    let t: AgentTarget;
    const sub = `conformance-${randomUUID().slice(0, 8)}`;
    const mint = (o: Parameters<TestIssuer['mint']>[0] = {}) =>
      t.issuer.mint({ sub, aud: t.audience, scope: t.scope, act: { sub: t.actor }, ...o });

    beforeAll(async () => {
      t = await start();
      await untilReady(t, mint());
    }, READY_WITHIN_MS + 30_000);
    afterAll(async () => t?.close());

    describe('serves the LangServe routes to a valid token', () => {
      it('POST /invoke: {output, metadata: {run_id}}', async () => {
        const r = await call(t, '/invoke', { input: t.input }, mint());
        expect(r.status).toBe(200);
        const body = JSON.parse(r.text) as { output?: unknown; metadata?: { run_id?: unknown } };
        expect(body.output).toBeDefined();
        expect(typeof body.metadata?.run_id).toBe('string');
      });

      it('POST /batch: one output per input, in order', async () => {
        const r = await call(t, '/batch', { inputs: [t.input, t.input] }, mint());
        expect(r.status).toBe(200);
        expect((JSON.parse(r.text) as { output: unknown[] }).output).toHaveLength(2);
      });

      it('POST /stream: SSE metadata, data..., end', async () => {
        const r = await call(t, '/stream', { input: t.input }, mint());
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const events = parseSse(r.text).map((e) => e.event);
        expect(events[0]).toBe('metadata');
        expect(events).toContain('data');
        expect(events.at(-1)).toBe('end');
      });

      it('GET /input_schema: a JSON Schema, behind the same token check', async () => {
        const r = await call(t, '/input_schema', undefined, mint());
        expect(r.status).toBe(200);
        expect(typeof JSON.parse(r.text)).toBe('object');
        expect((await call(t, '/input_schema', undefined)).status).toBe(401);
      });

      it('answers a body that is not the LangServe shape with a 4xx JSON error', async () => {
        const r = await call(t, '/invoke', { nope: true }, mint());
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect((JSON.parse(r.text) as { error: { code: string } }).error.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      });
    });

    describe('refuses every token it must not accept (RFC 6750, {error: {code, message}}, no token echoed)', () => {
      const cases: Array<[string, () => Promise<string | undefined>, 401 | 403, string]> = [
        ['no token', async () => undefined, 401, 'AUTH_TOKEN_MISSING'],
        ['not a JWT', async () => 'not-a-jwt', 401, 'AUTH_TOKEN_MALFORMED'],
        ['expired (exp in the past)', async () => mint({ expiresInSec: -120 }), 401, 'AUTH_TOKEN_EXPIRED'],
        [
          'not yet valid (nbf in the future)',
          async () => mint({ extra: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
          401,
          'AUTH_TOKEN_NOT_YET_VALID',
        ],
        ['no exp', async () => mint({ expiresInSec: null }), 401, 'AUTH_CLAIM_INVALID'],
        ['another issuer (iss)', async () => mint({ iss: 'https://evil.example' }), 401, 'AUTH_ISSUER_MISMATCH'],
        ['another audience', async () => mint({ aud: 'another-agent' }), 401, 'AUTH_AUDIENCE_MISMATCH'],
        ['signed by a key the JWKS does not serve', async () => mint({ key: foreignKey() }), 401, 'AUTH_SIGNATURE_INVALID'],
        ['alg none', async () => (await crafted(t.issuer, mint())).algNone, 401, 'AUTH_ALG_NOT_ALLOWED'],
        ['HS256 keyed with the public key', async () => (await crafted(t.issuer, mint())).hsWithPublicKey, 401, 'AUTH_ALG_NOT_ALLOWED'],
        ['an edited payload', async () => (await crafted(t.issuer, mint())).edited, 401, 'AUTH_SIGNATURE_INVALID'],
        ['a jku header', async () => (await crafted(t.issuer, mint())).jku, 401, 'AUTH_HEADER_NOT_ALLOWED'],
        ['without the scope', async () => mint({ scope: 'something:else' }), 403, 'AUTH_INSUFFICIENT_SCOPE'],
      ];
      it.each(cases)('%s', async (_name, token, status, code) => {
        const tok = await token();
        expectRefusal(await call(t, '/invoke', { input: t.input }, tok), status, code, tok);
      });

      it('a token acting for a service it does not trust (act.sub), when it requires its actor', async () => {
        if (!t.requiresActor) return; // AGENT_REQUIRES_ACTOR=0: the agent accepts any actor (development)
        const tok = mint({ act: { sub: 'intruder' } });
        expectRefusal(await call(t, '/invoke', { input: t.input }, tok), 403, 'AUTH_ACTOR_NOT_ALLOWED', tok);
        const none = mint({ act: undefined });
        expectRefusal(await call(t, '/invoke', { input: t.input }, none), 403, 'AUTH_ACTOR_NOT_ALLOWED', none);
      });
    });

    it('writes one audit line per decision naming sub and act, with a token fingerprint and never the token', async () => {
      if (!t.logLines) return; // the agent's log is not readable from here (AGENT_LOG_FILE unset)
      const ok = mint();
      const rid = randomUUID();
      expect((await call(t, '/invoke', { input: t.input }, ok, { 'x-request-id': rid })).status).toBe(200);
      const denied = mint({ expiresInSec: -120 });
      await call(t, '/invoke', { input: t.input }, denied);
      await new Promise((r) => setTimeout(r, 200)); // let the agent's log reach us
      const lines = t.logLines();
      for (const l of lines) expect(l.includes(ok) || l.includes(denied)).toBe(false);
      const audits = lines.flatMap((l) => {
        try {
          const o = JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>;
          return o.audit === true && o.event === 'auth.decision' ? [o] : [];
        } catch {
          return [];
        }
      });
      const allow = audits.find((a) => a.sub === sub && a.decision === 'allow');
      expect(allow).toMatchObject({ reason: 'ok', act: { sub: t.actor }, scope: expect.arrayContaining([t.scope]) });
      expect(allow!.aud).toEqual(expect.arrayContaining([t.audience]));
      expect(allow!.token_fp).toMatch(/^[0-9a-f]{16}$/);
      for (const key of ['service', 'client_id', 'request_id', 'trace_id', 'time']) expect(allow).toHaveProperty(key);
      expect(audits.some((a) => a.decision === 'deny' && a.reason === 'AUTH_TOKEN_EXPIRED' && a.sub === null)).toBe(true);
    });
  });
}
