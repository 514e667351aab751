// Leak-proofing: one full workflow — invoke, stream, failing agents, bad tokens, hostile bodies —
// against the real five processes, then every sink is searched for every token that took part:
// the user's, each exchanged one (seen on the wire by recording proxies in front of the agents)
// and the bad ones. A token may appear in exactly one place: an exchanged token in the
// `authorization` header of the request to its agent. Nowhere else — not in a log or audit line, a
// response, an SSE event, a downstream body, the checkpoint database, LangChain callback/trace
// metadata, or an error message.
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnService } from '@baton/testkit';
import { ROOT, readSse, startStack, type Stack } from './stack.js';

// ---------------------------------------------------------------------------------------------
// sinks

type Sink = { name: string; text: string } | { name: string; bytes: Buffer };
const sinks: Sink[] = [];
const addText = (name: string, text: string) => sinks.push({ name, text });

// ---------------------------------------------------------------------------------------------
// recording reverse proxies in front of the agents

interface Recorded {
  agent: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  status?: number;
  responseHeaders?: http.IncomingHttpHeaders;
  responseBody: string;
  /** Set when the proxy, not the agent, answered (a fault injected by this test). */
  injected?: 'error500' | 'drop';
}

class RecordingProxy {
  readonly records: Recorded[] = [];
  target = '';
  fault: 'error500' | 'drop' | undefined;
  private server!: http.Server;
  port = 0;

  constructor(readonly agent: string) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rec: Recorded = {
      agent: this.agent,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: { ...req.headers },
      body: Buffer.concat(chunks).toString('utf8'),
      responseBody: '',
    };
    this.records.push(rec);
    if (this.fault === 'drop') {
      rec.injected = 'drop';
      req.socket.destroy();
      return;
    }
    if (this.fault === 'error500') {
      // A buggy agent that echoes what it was sent — its bearer token and its input — in its
      // error: the workflow must relay none of it.
      rec.injected = 'error500';
      const echo = JSON.stringify({
        error: { code: 'AGENT_EXPLODED', message: `cannot serve ${req.headers.authorization} for ${rec.body}` },
        detail: req.headers,
      });
      rec.status = 500;
      rec.responseBody = echo;
      res.writeHead(500, { 'content-type': 'application/json' }).end(echo);
      return;
    }
    const target = new URL(this.target);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        rec.status = up.statusCode;
        rec.responseHeaders = { ...up.headers };
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on('data', (d: Buffer) => {
          rec.responseBody += d.toString('utf8');
          res.write(d);
        });
        up.on('end', () => res.end());
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(Buffer.concat(chunks));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// a recording LangSmith endpoint: the services' LangChain tracers upload their runs here

class TraceSink {
  readonly records: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  private server!: http.Server;
  env: Record<string, string> = {};

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.env = { LANGSMITH_TRACING: 'true', LANGSMITH_ENDPOINT: `http://127.0.0.1:${port}`, LANGSMITH_API_KEY: 'leak-test-not-a-secret' };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.records.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: { ...req.headers },
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------

const AGENTS = ['research', 'writer', 'reviewer'] as const;
const proxies = Object.fromEntries(AGENTS.map((a) => [a, new RecordingProxy(a)])) as Record<(typeof AGENTS)[number], RecordingProxy>;
const tracing = new TraceSink();
let stack: Stack;
let tmp: string;

beforeAll(async () => {
  for (const p of Object.values(proxies)) await p.start();
  await tracing.start();
  stack = await startStack({
    ...tracing.env,
    RESEARCH_URL: `http://127.0.0.1:${proxies.research.port}/research`,
    WRITER_URL: `http://127.0.0.1:${proxies.writer.port}/writer`,
    REVIEWER_URL: `http://127.0.0.1:${proxies.reviewer.port}/reviewer`,
  });
  proxies.research.target = stack.urls.research;
  proxies.writer.target = stack.urls.writer;
  proxies.reviewer.target = stack.urls.reviewer;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'baton-leaks-'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const p of Object.values(proxies)) await p.close();
  await tracing.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One HTTP exchange with a service, recorded whole (status, headers, raw body) as a sink. */
async function call(
  name: string,
  url: string,
  init: RequestInit & { headers?: Record<string, string> },
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  addText(`response ${name}`, `${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`);
  return { status: res.status, headers: res.headers, text };
}

const json = { 'content-type': 'application/json' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}`, ...json });

/** A token with one signature character changed: well-formed, but its signature does not verify. */
function tamper(token: string): string {
  const [h, p, s] = token.split('.');
  const i = 20;
  const c = s![i] === 'A' ? 'B' : 'A';
  return `${h}.${p}.${s!.slice(0, i)}${c}${s!.slice(i + 1)}`;
}

/** A port nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function settleLogs(): Promise<void> {
  // the launcher relays each service's lines through a pipe: wait until nothing new arrives
  let n = -1;
  for (let i = 0; i < 100 && n !== stack.lines.length; i++) {
    n = stack.lines.length;
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('leaks no token — user, exchanged or bad — into any log, response, SSE event, downstream body, checkpoint, trace or error', async () => {
  const W = stack.urls.workflow;
  const alice = await stack.token('alice');
  const bob = await stack.token('bob');
  const threadId = `leaks-${Date.now()}`;

  // 1. invoke (with a thread: SQLite checkpoints) and stream, both complete
  const inv = await call('invoke', `${W}/workflow/invoke`, {
    method: 'POST',
    headers: bearer(alice),
    body: JSON.stringify({ input: { topic: 'token exchange between services' }, config: { configurable: { thread_id: threadId } } }),
  });
  expect(inv.status).toBe(200);
  const str = await fetch(`${W}/workflow/stream`, {
    method: 'POST',
    headers: bearer(bob),
    body: JSON.stringify({ input: { topic: 'streaming agents' }, config: { configurable: { thread_id: threadId } } }),
  });
  const events = await readSse(str);
  addText('SSE /workflow/stream (bob)', JSON.stringify(events));
  expect(events.at(-1)!.event).toBe('end');
  const ev = await call('stream_events', `${W}/workflow/stream_events`, {
    method: 'POST',
    headers: bearer(alice),
    body: JSON.stringify({ input: { topic: 'stream events' } }),
  });
  expect(ev.status).toBe(200);
  const thread = await call('thread state', `${W}/workflow/threads/${threadId}`, { headers: bearer(alice) });
  expect(thread.status).toBe(200);

  // 2. failing agents: a reviewer answering 500 (echoing its token and input), a writer dropping the connection
  proxies.reviewer.fault = 'error500';
  const failed = await call('invoke, reviewer 500', `${W}/workflow/invoke`, {
    method: 'POST',
    headers: bearer(alice),
    body: JSON.stringify({ input: { topic: 'failing reviewer' }, config: { configurable: { thread_id: `${threadId}-f` } } }),
  });
  proxies.reviewer.fault = undefined;
  expect(failed.status).toBe(502);
  expect(JSON.parse(failed.text).error).toMatchObject({ code: 'WORKFLOW_NODE_FAILED', detail: { node: 'review' } });

  proxies.writer.fault = 'drop';
  const dropped = await call('stream, writer drops', `${W}/workflow/stream`, {
    method: 'POST',
    headers: bearer(alice),
    body: JSON.stringify({ input: { topic: 'failing writer' } }),
  });
  proxies.writer.fault = undefined;
  expect(dropped.status).toBe(200);
  const errorEvent = /event: error\r?\ndata: (.*)/.exec(dropped.text)?.[1];
  expect(JSON.parse(errorEvent ?? 'null')).toMatchObject({
    code: 'WORKFLOW_NODE_FAILED',
    status_code: 502,
    message: expect.stringContaining('"write"'),
  });

  // 3. bad tokens and hostile requests: none may be echoed
  const exchangedSoFar = proxies.research.records.map((r) => String(r.headers.authorization ?? '').replace(/^Bearer /, '')).filter(Boolean);
  const badTokens = [tamper(alice), `${alice}x`, exchangedSoFar[0]!];
  const aliceForResearch = await stack.token('alice', { audience: 'agent-research' });
  const hostile: Array<[string, string, RequestInit & { headers?: Record<string, string> }, number]> = [
    [
      'tampered signature',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(badTokens[0]!), body: JSON.stringify({ input: { topic: 'x' } }) },
      401,
    ],
    [
      'trailing garbage',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(badTokens[1]!), body: JSON.stringify({ input: { topic: 'x' } }) },
      401,
    ],
    [
      'an agent token at the workflow (wrong audience)',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(badTokens[2]!), body: JSON.stringify({ input: { topic: 'x' } }) },
      401,
    ],
    [
      'two tokens in one header',
      '/workflow/invoke',
      { method: 'POST', headers: { authorization: `Bearer ${alice} ${bob}`, ...json }, body: '{}' },
      400,
    ],
    [
      'Basic scheme carrying the token',
      '/workflow/invoke',
      { method: 'POST', headers: { authorization: `Basic ${alice}`, ...json }, body: '{}' },
      401,
    ],
    [
      'token in the query string',
      `/workflow/invoke?access_token=${alice}`,
      { method: 'POST', headers: json, body: JSON.stringify({ input: { topic: 'x' } }) },
      400,
    ],
    [
      'token in the query string and the header',
      `/workflow/invoke?access_token=${alice}`,
      { method: 'POST', headers: bearer(alice), body: JSON.stringify({ input: { topic: 'x' } }) },
      400,
    ],
    [
      'token in the body',
      '/workflow/invoke',
      { method: 'POST', headers: json, body: JSON.stringify({ access_token: alice, input: { topic: 'x' } }) },
      401,
    ],
    [
      'malformed JSON: unterminated string holding the token',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(alice), body: `{"input": "${alice}` },
      400,
    ],
    [
      'malformed JSON: the token unquoted',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(alice), body: `{"input": ${alice}}` },
      400,
    ],
    ['malformed JSON: the token as a key', '/workflow/stream', { method: 'POST', headers: bearer(alice), body: `{${alice}: 1}` }, 400],
    [
      'the token as the topic (too long)',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(alice), body: JSON.stringify({ input: { topic: alice } }) },
      422,
    ],
    ['the token as the input', '/workflow/invoke', { method: 'POST', headers: bearer(alice), body: JSON.stringify({ input: alice }) }, 422],
    [
      'the token as thread_id',
      '/workflow/invoke',
      {
        method: 'POST',
        headers: bearer(alice),
        body: JSON.stringify({ input: { topic: 'x' }, config: { configurable: { thread_id: alice } } }),
      },
      422,
    ],
    [
      'the token in an unknown configurable key',
      '/workflow/invoke',
      {
        method: 'POST',
        headers: bearer(alice),
        body: JSON.stringify({ input: { topic: 'x' }, config: { configurable: { api_key: alice } } }),
      },
      -1,
    ],
    [
      'the token in config.metadata',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(alice), body: JSON.stringify({ input: { topic: 'x' }, config: { metadata: { token: alice } } }) },
      -1,
    ],
    [
      'the token in kwargs',
      '/workflow/invoke',
      { method: 'POST', headers: bearer(alice), body: JSON.stringify({ input: { topic: 'x' }, kwargs: { token: alice } }) },
      -1,
    ],
    ['the token as a thread path', `/workflow/threads/${alice}`, { headers: bearer(alice) }, -1],
    [
      'malformed JSON straight to an agent',
      '',
      { method: 'POST', headers: bearer(aliceForResearch), body: `{"input": ${aliceForResearch}` },
      400,
    ],
    [
      "the token as an agent's input",
      '',
      { method: 'POST', headers: bearer(aliceForResearch), body: JSON.stringify({ input: aliceForResearch }) },
      422,
    ],
  ];
  for (const [name, route, init, status] of hostile) {
    const url = route === '' ? `${stack.urls.research}/research/invoke` : `${W}${route}`;
    const res = await call(name, url, init);
    if (status > 0) expect({ name, status: res.status }).toEqual({ name, status });
    else expect({ name, failed: res.status >= 400 || res.status === 200 }).toEqual({ name, failed: true });
  }

  // 4. traces, a third caller and an unreachable agent. Every process of the stack runs with
  // LangSmith tracing on, pointed at a recording server: LangChain's callback/trace metadata (run
  // inputs, outputs, errors, config metadata) as it leaves each process. A third caller invokes,
  // streams events and reads its thread; a second workflow process, its research agent on a closed
  // port, fails that node.
  const secret = readFileSync(path.join(stack.dataDir, 'workflow-client-secret'), 'utf8').trim();
  const carol = await stack.token('alice');
  const tracedThread = `${threadId}-traced`;
  const tracedBody = (topic: string, thread?: string) =>
    JSON.stringify({
      input: { topic },
      config: { ...(thread ? { configurable: { thread_id: thread } } : {}), metadata: { purpose: 'leak test' }, tags: ['leaks'] },
    });
  const traced = await call('traced invoke', `${W}/workflow/invoke`, {
    method: 'POST',
    headers: bearer(carol),
    body: tracedBody('traced invoke', tracedThread),
  });
  expect(traced.status).toBe(200);
  const tracedEvents = await call('traced stream_events', `${W}/workflow/stream_events`, {
    method: 'POST',
    headers: bearer(carol),
    body: tracedBody('traced stream events'),
  });
  expect(tracedEvents.status).toBe(200);
  const tracedState = await call('traced thread state', `${W}/workflow/threads/${tracedThread}`, { headers: bearer(carol) });
  expect(tracedState.status).toBe(200);

  const secondDir = path.join(tmp, 'second-workflow');
  const second = await spawnService(
    path.join(ROOT, 'apps/workflow/dist/main.js'),
    {
      ...tracing.env,
      ISSUER_URL: stack.urls.issuer,
      WORKFLOW_CLIENT_SECRET: secret,
      RESEARCH_URL: `http://127.0.0.1:${await closedPort()}/research`,
      WRITER_URL: 'http://127.0.0.1:1/writer',
      REVIEWER_URL: 'http://127.0.0.1:1/reviewer',
      CHECKPOINTER: 'sqlite',
      WORKFLOW_DATA_DIR: secondDir,
      REMOTE_CONNECT_TIMEOUT_MS: '1000',
    },
    ROOT,
  );
  const unreachable = await call('invoke, research unreachable', `${second.base}/workflow/invoke`, {
    method: 'POST',
    headers: bearer(carol),
    body: tracedBody('unreachable agent', `${threadId}-unreachable`),
  });
  expect(unreachable.status).toBe(502);
  expect(JSON.parse(unreachable.text).error).toMatchObject({ code: 'WORKFLOW_NODE_FAILED', detail: { node: 'research' } });
  expect(existsSync(path.join(secondDir, 'checkpoints.sqlite'))).toBe(true);
  await second.stop();
  addText('second workflow process output', second.output());
  for (const f of ['checkpoints.sqlite', 'checkpoints.sqlite-wal', 'checkpoints.sqlite-journal']) {
    const file = path.join(secondDir, f);
    if (existsSync(file)) sinks.push({ name: `second workflow ${f}`, bytes: readFileSync(file) });
  }

  // the tracers send in batches: wait until the runs asserted on below have arrived (a run that
  // failed carries an `error` event)
  const traceText = () => tracing.records.map((r) => r.body).join('\n');
  for (let i = 0; i < 120 && !(traceText().includes('traced invoke') && /"name":"error"/.test(traceText())); i++)
    await new Promise((r) => setTimeout(r, 250));
  expect(traceText()).toContain('traced invoke');
  expect(traceText()).toMatch(/"name":"error"/);
  tracing.records.forEach((r, i) => addText(`trace upload #${i} ${r.method} ${r.url}`, `${JSON.stringify(r.headers)}\n\n${r.body}`));

  // 5. the service's checkpoint database (and its WAL), downstream traffic, every log line
  const dbDir = path.join(stack.dataDir, 'workflow');
  const db = readFileSync(path.join(dbDir, 'checkpoints.sqlite'));
  sinks.push({ name: 'workflow checkpoints.sqlite', bytes: db });
  for (const f of ['checkpoints.sqlite-wal', 'checkpoints.sqlite-journal', 'checkpoints.sqlite-shm']) {
    const file = path.join(dbDir, f);
    if (existsSync(file)) sinks.push({ name: `workflow ${f}`, bytes: readFileSync(file) });
  }
  const dbAll = Buffer.concat(
    sinks.filter((s): s is { name: string; bytes: Buffer } => 'bytes' in s && s.name.startsWith('workflow ')).map((s) => s.bytes),
  );
  expect(dbAll.includes(Buffer.from('token exchange between services'))).toBe(true); // we read the right file

  const downstream = Object.values(proxies).flatMap((p) => p.records);
  const exchanged = [
    ...new Set(
      downstream
        .map((r) => String(r.headers.authorization ?? ''))
        .filter((h) => h.startsWith('Bearer '))
        .map((h) => h.slice(7)),
    ),
  ];
  // one exchanged token per agent for each caller token (alice, bob, and the traced caller)
  expect(exchanged.length).toBeGreaterThanOrEqual(AGENTS.length * 3);
  for (const r of downstream) {
    const { authorization: _authorization, ...otherHeaders } = r.headers;
    addText(
      `downstream ${r.agent} ${r.url}: request body + other headers`,
      `${r.method} ${r.url}\n${JSON.stringify(otherHeaders)}\n\n${r.body}`,
    );
    // the proxy's own injected 500 echoes its token on purpose (it is the bug being simulated)
    if (!r.injected)
      addText(`downstream ${r.agent} ${r.url}: response`, `${r.status}\n${JSON.stringify(r.responseHeaders)}\n\n${r.responseBody}`);
  }
  expect(downstream.some((r) => r.injected === 'error500')).toBe(true);
  expect(downstream.some((r) => r.injected === 'drop')).toBe(true);

  await settleLogs();
  addText('service logs (all five processes, audit lines included)', stack.lines.join('\n'));
  expect(stack.logs().filter((l) => l.audit === true).length).toBeGreaterThan(10);

  // 6. search. A needle is the whole token and, separately, its signature segment.
  const needles: Array<{ name: string; value: string }> = [];
  const add = (name: string, token: string) => {
    needles.push({ name, value: token });
    const sig = token.split('.')[2];
    if (sig && sig.length >= 20) needles.push({ name: `${name} (signature)`, value: sig });
  };
  add('alice user token', alice);
  add('bob user token', bob);
  add('traced user token', carol);
  // (#2 is an exchanged token presented to the workflow: also an 'exchanged' needle, allowed in its agent's header)
  badTokens.forEach((t, i) => add(i === 2 ? 'exchanged token presented to the workflow' : `bad token #${i}`, t));
  exchanged.forEach((t, i) => add(`exchanged token #${i}`, t));
  add('alice token for the research agent', aliceForResearch);
  add('workflow client secret', secret);

  const hits: string[] = [];
  for (const sink of sinks) {
    for (const n of needles) {
      const found = 'bytes' in sink ? sink.bytes.includes(Buffer.from(n.value)) : sink.text.includes(n.value);
      if (found) {
        const text = 'bytes' in sink ? sink.bytes.toString('latin1') : sink.text;
        const at = text.indexOf(n.value);
        hits.push(`${n.name} in ${sink.name}: …${text.slice(Math.max(0, at - 300), at).replace(n.value, '<needle>')}<needle>…`);
      }
    }
  }
  // The user's tokens never travel downstream at all, not even as a bearer token (exchange mode).
  for (const r of downstream) {
    const h = String(r.headers.authorization ?? '');
    for (const n of needles.filter((x) => !x.name.startsWith('exchanged')))
      if (h.includes(n.value)) hits.push(`${n.name} in downstream authorization header to ${r.agent}`);
  }
  expect(sinks.length).toBeGreaterThan(40);
  expect(hits).toEqual([]);
});
