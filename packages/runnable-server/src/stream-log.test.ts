import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { StateGraph, START, END } from '@langchain/langgraph';
import { RunLog, RunLogPatch } from '@langchain/core/tracers/log_stream';
import { Caller } from '@baton/identity';
import { addRoutes } from './index.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.stream-log-secret.signature';
const withPrincipal: RequestHandler = (req, res, next) => {
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.status(401).json({ error: { code: 'AUTH_TOKEN_MISSING', message: 'Missing bearer token' } });
    return;
  }
  (req as unknown as { auth: unknown }).auth = new Caller({
    token: TOKEN,
    principal: { sub: 'alice-sub-4711', iss: 'https://issuer', aud: ['w'], scope: [], exp: 2e9, token_fp: 'fp-alice-9999' },
  });
  next();
};

const State = z.object({ topic: z.string(), draft: z.string().default(''), verdict: z.string().default('') });
function graph() {
  return new StateGraph(State)
    .addNode('write', async (s: z.infer<typeof State>, config: { context?: { caller?: { sub: string } } }) => ({
      draft: `about ${s.topic} for ${config.context?.caller ? 'a caller' : 'nobody'}`,
    }))
    .addNode('review', async (s: z.infer<typeof State>) => ({ verdict: s.draft.length > 3 ? 'accept' : 'revise' }))
    .addEdge(START, 'write')
    .addEdge('write', 'review')
    .addEdge('review', END)
    .compile({ name: 'essay' });
}

let server: http.Server;
let url: string;
beforeAll(async () => {
  const app = express();
  addRoutes(app, graph(), { path: '/g', auth: withPrincipal });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/g`;
});
afterAll(() => new Promise((r) => server.close(r)));

async function post(route: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function frames(text: string) {
  return text
    .split('\r\n\r\n')
    .filter((f) => f && !f.startsWith(':'))
    .map((f) => {
      const lines = Object.fromEntries(f.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      return { event: lines.event, data: lines.data, id: lines.id };
    });
}

/** Rebuilds the run the way the official clients do: RunLog.fromRunLogPatch, then concat. */
function rebuild(text: string): RunLog {
  let log: RunLog | undefined;
  for (const f of frames(text).filter((e) => e.event === 'data')) {
    const patch = new RunLogPatch({ ops: JSON.parse(f.data!).ops });
    log = log ? log.concat(patch) : RunLog.fromRunLogPatch(patch);
  }
  return log!;
}

describe('POST /stream_log', () => {
  it('streams JSON-patch ops that rebuild the invoke output and the child runs, framed like LangServe', async () => {
    const invoked = JSON.parse((await post('invoke', { input: { topic: 'owls' } })).text).output;
    const res = await post('stream_log', { input: { topic: 'owls' }, config: {}, kwargs: {}, diff: false });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const fs = frames(res.text);
    expect(fs[0]!.event).toBe('data'); // no metadata event by default, as LangServe
    expect(fs.at(-1)!.event).toBe('end');
    const runId = fs[0]!.id!.split(':')[0];
    expect(fs.every((f, i) => f.id === `${runId}:${i}`)).toBe(true);
    for (const f of fs.filter((e) => e.event === 'data')) expect(Object.keys(JSON.parse(f.data!))).toEqual(['ops']);
    const log = rebuild(res.text);
    expect(log.state.final_output).toEqual(invoked);
    expect(invoked).toEqual({ topic: 'owls', draft: 'about owls for a caller', verdict: 'accept' });
    expect(log.state.streamed_output.length).toBeGreaterThan(0);
    const names = Object.keys(log.state.logs);
    expect(names).toEqual(expect.arrayContaining(['write', 'review']));
    expect(log.state.logs.write!.final_output).toEqual({ draft: 'about owls for a caller' });
    expect(log.state.logs.review!.end_time).toEqual(expect.any(String));
  });

  it('applies include/exclude filters to the child runs', async () => {
    const only = rebuild((await post('stream_log', { input: { topic: 'owls' }, include_names: ['review'] })).text);
    expect(Object.keys(only.state.logs)).toEqual(['review']);
    const without = rebuild((await post('stream_log', { input: { topic: 'owls' }, exclude_names: ['review'] })).text);
    expect(Object.keys(without.state.logs)).toContain('write');
    expect(Object.keys(without.state.logs)).not.toContain('review');
    expect(without.state.final_output).toMatchObject({ verdict: 'accept' });
  });

  it('puts no token and no caller in any op (the caller travels in context, not configurable)', async () => {
    const res = await post('stream_log', { input: { topic: 'owls' }, config: { configurable: { token: TOKEN }, metadata: { t: TOKEN } } });
    expect(res.status).toBe(200);
    for (const secret of [TOKEN, 'alice-sub-4711', 'fp-alice-9999', 'stream-log-secret']) expect(res.text).not.toContain(secret);
  });

  it('sends the metadata event first only when the body asks for it', async () => {
    const fs = frames((await post('stream_log', { input: { topic: 'owls' }, metadata_event: true })).text);
    expect(fs[0]!.event).toBe('metadata');
    expect(JSON.parse(fs[0]!.data!)).toEqual({ run_id: fs[0]!.id!.split(':')[0] });
  });

  it('refuses a malformed or oversized filter with 422 RUNNABLE_REQUEST_INVALID and no stream', async () => {
    for (const include_names of ['review', [1], Array(101).fill('a'), ['x'.repeat(257)]]) {
      const res = await post('stream_log', { input: { topic: 'owls' }, include_names });
      expect(res.status).toBe(422);
      expect(JSON.parse(res.text).error).toMatchObject({ code: 'RUNNABLE_REQUEST_INVALID', detail: [{ path: ['include_names'] }] });
    }
  });

  it('runs auth first', async () => {
    const res = await post('stream_log', { input: { topic: 'owls' } }, { authorization: 'Bearer nope' });
    expect(res.status).toBe(401);
  });
});
