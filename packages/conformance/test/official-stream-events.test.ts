// What the official LangServe JS client (@langchain/core@0.3.80's RemoteRunnable) gets from
// /stream_events: the schema version it asks for (it sends `version` inside `kwargs`), and no
// `metadata` event unless asked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { RunnableLambda } from '@langchain/core/runnables';
import { RemoteRunnable } from 'langchain-core-legacy/runnables/remote';
import { addRoutes } from '@baton/runnable-server';

const asked: unknown[] = [];
let server: http.Server;
let base: string;
beforeAll(async () => {
  const runnable = RunnableLambda.from(async (x: string) => `${x}!`);
  const original = runnable.streamEvents.bind(runnable) as (...a: unknown[]) => unknown;
  (runnable as unknown as { streamEvents: unknown }).streamEvents = (input: unknown, options: { version?: string }, filters: unknown) => {
    asked.push(options.version);
    return original(input, options, filters);
  };
  const app = express();
  addRoutes(app, runnable, { path: '/shout' });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shout`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('the official RemoteRunnable streamEvents', () => {
  it('gets the version it asked for: v1 runs as v1, v2 as v2', async () => {
    const remote = new RemoteRunnable({ url: base });
    for (const version of ['v1', 'v2'] as const) {
      const events: Array<{ event: string }> = [];
      for await (const e of remote.streamEvents('hi', { version })) events.push(e as { event: string });
      expect(events.map((e) => e.event)).toEqual(['on_chain_start', 'on_chain_stream', 'on_chain_end']);
    }
    expect(asked).toEqual(['v1', 'v2']);
  });

  it('receives no metadata event by default (the Python client logs an ERROR for one)', async () => {
    const res = await fetch(`${base}/stream_events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input":"hi"}',
    });
    const text = await res.text();
    expect(text).not.toContain('event: metadata');
    expect(text.startsWith('event: data')).toBe(true);
  });
});
