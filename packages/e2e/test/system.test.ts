// The running system, end to end: five real processes started by `scripts/start.mjs`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readSse, startStack, type Stack } from './stack.js';

let stack: Stack;
let alice: string;

beforeAll(async () => {
  stack = await startStack();
  alice = await stack.token('alice');
}, 90_000);

afterAll(async () => {
  const code = await stack?.stop();
  expect(code).toBe(0);
});

const json = { 'content-type': 'application/json' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}`, ...json });
const invoke = (token: string | undefined, body: unknown, route = '/workflow/invoke') =>
  fetch(`${stack.urls.workflow}${route}`, {
    method: 'POST',
    headers: token ? bearer(token) : json,
    body: JSON.stringify(body),
  });

describe('the running system', () => {
  it("runs alice's invoke through research, writer and reviewer and returns the report", async () => {
    const res = await invoke(alice, { input: { topic: 'token exchange between services' } });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(typeof body.metadata.run_id).toBe('string');
    const out = body.output;
    expect(out.report.length).toBeGreaterThan(200);
    expect(out.sources.length).toBeGreaterThan(0);
    expect(typeof out.review.approved).toBe('boolean');
    // the writer cited the research agent's sources
    expect(out.report).toMatch(/\[1\]/);
    expect(out.report).toContain(out.sources[0].title);
  });

  it('streams the writer text in many data events before end, metadata first', async () => {
    const res = await invoke(alice, { input: { topic: 'streaming agents' } }, '/workflow/stream');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(res);
    expect(events[0]!.event).toBe('metadata');
    expect(events.at(-1)!.event).toBe('end');
    const data = events.filter((e) => e.event === 'data').map((e) => e.data as { event: string; node?: string; delta?: string });
    const deltas = data.filter((d) => d.event === 'delta');
    expect(deltas.length).toBeGreaterThanOrEqual(8);
    const output = data.find((d) => d.event === 'output') as unknown as { output: { report: string } };
    // the deltas of the final draft add up to the report; they came before the output event
    const lastRevision = Math.max(...deltas.map((d) => (d as { revision?: number }).revision ?? 0));
    const finalText = deltas
      .filter((d) => ((d as { revision?: number }).revision ?? 0) === lastRevision)
      .map((d) => d.delta)
      .join('');
    expect(finalText).toBe(output.output.report);
    expect(data.findIndex((d) => d.event === 'delta')).toBeLessThan(data.findIndex((d) => d.event === 'output'));
  });

  it('answers a request without a token with 401 and a bare Bearer challenge', async () => {
    const res = await invoke(undefined, { input: { topic: 'x' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
    expect(((await res.json()) as any).error.code).toBe('AUTH_TOKEN_MISSING');
  });

  it('answers eve (authenticated, without workflow:invoke) with 403 insufficient_scope', async () => {
    const eve = await stack.token('eve');
    const res = await invoke(eve, { input: { topic: 'x' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(res.headers.get('www-authenticate')).toMatch(/scope="workflow:invoke"/);
  });

  it("refuses alice's workflow token sent straight to an agent (wrong audience)", async () => {
    for (const [url, route] of [
      [stack.urls.research, '/research/invoke'],
      [stack.urls.writer, '/writer/invoke'],
      [stack.urls.reviewer, '/reviewer/invoke'],
    ] as const) {
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: bearer(alice),
        body: JSON.stringify({ input: { topic: 'x' } }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect(((await res.json()) as any).error.code).toBe('AUTH_AUDIENCE_MISMATCH');
    }
  });

  it('has every agent audit an allow for sub=alice acting through the workflow', async () => {
    await invoke(alice, { input: { topic: 'audit trail' } });
    const audits = stack.logs().filter((l) => l.audit === true);
    for (const service of ['agent-research', 'agent-writer', 'agent-reviewer']) {
      const allows = audits.filter((a) => a.service === service && a.decision === 'allow' && a.sub === 'alice');
      expect(allows.length).toBeGreaterThan(0);
      for (const a of allows) expect(a.act).toEqual(expect.objectContaining({ sub: 'workflow' }));
    }
    const wf = audits.filter((a) => a.service === 'workflow' && a.sub === 'alice' && a.decision === 'allow');
    expect(wf.length).toBeGreaterThan(0);
    expect(wf[0]!.act ?? null).toBeNull();
  });

  it('answers an unknown route with 404 REQUEST_NOT_FOUND on the workflow and the issuer', async () => {
    for (const [url, headers] of [
      [`${stack.urls.workflow}/no/such/route`, bearer(alice)],
      [`${stack.urls.issuer}/no/such/route`, json],
    ] as const) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('REQUEST_NOT_FOUND');
    }
  });

  it("keeps alice's thread invisible to bob", async () => {
    const bob = await stack.token('bob');
    const threadId = `t-${Date.now()}`;
    const res = await invoke(alice, { input: { topic: 'private research topic' }, config: { configurable: { thread_id: threadId } } });
    expect(res.status).toBe(200);
    const mine = await fetch(`${stack.urls.workflow}/workflow/threads/${threadId}`, { headers: bearer(alice) });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as any).values.topic).toBe('private research topic');
    const theirs = await fetch(`${stack.urls.workflow}/workflow/threads/${threadId}`, { headers: bearer(bob) });
    expect(theirs.status).toBe(404);
    expect(((await theirs.json()) as any).error.code).toBe('WORKFLOW_THREAD_NOT_FOUND');
    // checkpoints are on disk (SQLite) and hold neither alice's token nor her identity in clear
    const dir = path.join(stack.dataDir, 'workflow');
    const files = readdirSync(dir).filter((f) => f.startsWith('checkpoints.sqlite')); // the database and its WAL
    expect(files).toContain('checkpoints.sqlite');
    const db = Buffer.concat(files.map((f) => readFileSync(path.join(dir, f))));
    expect(db.includes(Buffer.from('private research topic'))).toBe(true);
    expect(db.includes(Buffer.from(alice))).toBe(false);
  });

  it("writes alice's token into no log line and no response", async () => {
    const res = await invoke(alice, { input: { topic: 'leaks' } });
    expect(await res.text()).not.toContain(alice);
    expect(stack.lines.join('\n')).not.toContain(alice);
    expect(stack.lines.join('\n')).not.toContain(alice.split('.')[2]!);
  });
});
