// The caller's token must outlive the run: checked before a run starts (MIN_TOKEN_LIFETIME_SEC),
// and a token that passed the workflow inside its clock leeway but that the issuer then refuses
// as expired is the caller's 401 invalid_token, not a 403. Real issuer, agents and workflows.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnService, type SpawnedService } from '@baton/testkit';
import { ROOT, startStack, type Stack } from './stack.js';

let stack: Stack;
/** A second workflow against the same issuer and agents, with no minimum lifetime. */
let lenient: SpawnedService;

beforeAll(async () => {
  stack = await startStack({ MIN_TOKEN_LIFETIME_SEC: '60' });
  const secret = readFileSync(path.join(stack.dataDir, 'workflow-client-secret'), 'utf8').trim();
  lenient = await spawnService(
    path.join(ROOT, 'apps/workflow/dist/main.js'),
    {
      ISSUER_URL: stack.urls.issuer,
      WORKFLOW_CLIENT_SECRET: secret,
      RESEARCH_URL: `${stack.urls.research}/research`,
      WRITER_URL: `${stack.urls.writer}/writer`,
      REVIEWER_URL: `${stack.urls.reviewer}/reviewer`,
      CHECKPOINTER: 'none',
      MIN_TOKEN_LIFETIME_SEC: '0',
    },
    ROOT,
  );
}, 120_000);

afterAll(async () => {
  await lenient?.stop();
  await stack?.stop();
});

const body = JSON.stringify({ input: { topic: 'token lifetimes' } });

function post(base: string, route: string, token: string, requestId = randomUUID()) {
  return fetch(`${base}/workflow/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body,
  });
}

const expOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp;

describe('minimum remaining lifetime (MIN_TOKEN_LIFETIME_SEC=60)', () => {
  it.each(['invoke', 'stream', 'batch'])(
    'refuses to start a run on /%s with a token that expires sooner: 401 invalid_token',
    async (route) => {
      const short = await stack.token('alice', { ttl: 30 });
      const requestId = randomUUID();
      const res =
        route === 'batch'
          ? await fetch(`${stack.urls.workflow}/workflow/batch`, {
              method: 'POST',
              headers: { authorization: `Bearer ${short}`, 'content-type': 'application/json', 'x-request-id': requestId },
              body: JSON.stringify({ inputs: [{ topic: 'a' }] }),
            })
          : await post(stack.urls.workflow, route, short, requestId);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="baton", error="invalid_token"/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_TOKEN_LIFETIME_TOO_SHORT');
      // audited as a refusal, and no agent was called for it (an agent's audit line would carry the
      // id). The server makes its own request id (answered in x-request-id); ours is client_request_id.
      const serverId = res.headers.get('x-request-id');
      expect(serverId).not.toBe(requestId);
      const mine = () =>
        stack
          .logs()
          .filter(
            (l: Record<string, unknown>) => l.request_id === serverId && l.client_request_id === requestId && l.event === 'auth.decision',
          );
      for (let i = 0; i < 50 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));
      expect(mine()).toEqual([expect.objectContaining({ service: 'workflow', decision: 'deny', reason: 'AUTH_TOKEN_LIFETIME_TOO_SHORT' })]);
    },
  );

  it('runs with a token that lives long enough, and lets a short-lived token read what starts no run', async () => {
    const long = await stack.token('alice', { ttl: 600 });
    expect((await post(stack.urls.workflow, 'invoke', long)).status).toBe(200);
    const short = await stack.token('alice', { ttl: 30 });
    const schema = await fetch(`${stack.urls.workflow}/workflow/input_schema`, { headers: { authorization: `Bearer ${short}` } });
    expect(schema.status).toBe(200);
  });
});

describe('a token the workflow accepted inside its clock leeway, refused by the issuer as expired', () => {
  it('is 401 invalid_token AUTH_TOKEN_EXPIRED with WWW-Authenticate, not 403', async () => {
    // The workflow allows 5 s of clock skew on exp; the issuer refuses to exchange a token whose
    // exp has passed. A 1 s token, sent just after its exp, sits in between. On a machine slow
    // enough that the workflow itself already refused it, try again with a fresh one.
    for (let attempt = 0; attempt < 4; attempt++) {
      const token = await stack.token('alice', { ttl: 1 });
      const exp = expOf(token);
      while (Date.now() < exp * 1000 + 200) await new Promise((r) => setTimeout(r, 50));
      const requestId = randomUUID();
      const res = await post(lenient.base, 'invoke', token, requestId);
      const error = ((await res.json()) as { error: { code: string } }).error;
      const audit = () =>
        lenient
          .output()
          .split('\n')
          .filter((l) => l.includes(requestId) && l.includes('"auth.decision"'));
      for (let i = 0; i < 50 && audit().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      if (!audit().some((l) => l.includes('"decision":"allow"'))) continue; // refused by the workflow itself: too slow
      expect(res.status).toBe(401);
      expect(error.code).toBe('AUTH_TOKEN_EXPIRED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="baton", error="invalid_token"/);
      return;
    }
    throw new Error('the workflow refused every 1 s token before the issuer could: the machine is too slow for this check');
  });
});
