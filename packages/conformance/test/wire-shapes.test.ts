// Every wire shape of @baton/contract/wire, served by addRoutes and read back through the official
// LangServe JS client (@langchain/core@0.3.80's RemoteRunnable) with invoke, stream and streamLog:
// what the client's reviver hands its user must be the shape itself. The reviver rewrites objects
// by their keys (`text` → StringPromptValue, `messages` → ChatPromptValue, `page_content` +
// `metadata` → Document, LangChain's type-tagged shapes), so a shape carrying one of those keys
// fails here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { RunnableLambda } from '@langchain/core/runnables';
import { RemoteRunnable } from 'langchain-core-legacy/runnables/remote';
import { RunLog } from 'langchain-core-legacy/tracers/log_stream';
import { addRoutes } from '@baton/runnable-server';
import {
  citeMissingNote,
  citeOutsideNote,
  coverNote,
  expandNote,
  otherNote,
  researchInputSchema,
  researchOutputSchema,
  reviewInputSchema,
  reviewNoteSchema,
  reviewOutputSchema,
  shortenNote,
  sourceSchema,
  workflowInputSchema,
  workflowOutputSchema,
  writerInputSchema,
} from '@baton/contract/wire';

const source = sourceSchema.parse({ id: 'a1', title: 'Tides', url: 'https://example.org/tides', excerpt: 'Tides move water.', score: 1 });
const notes = [
  citeMissingNote(1, 'Tides'),
  citeOutsideNote(4, 1),
  expandNote(400, 36),
  shortenNote(6000, 7000),
  coverNote('energy'),
  otherNote('Shorter intro.'),
];
const review = reviewOutputSchema.parse({ approved: false, notes, checks: { citations: false, length: false, coverage: false } });

/** One sample of every shape that crosses a process boundary, each parsed by its own schema. */
const SHAPES: Record<string, unknown> = {
  source,
  ...Object.fromEntries(notes.map((n, i) => [`note ${n.kind} #${i}`, reviewNoteSchema.parse(n)])),
  'research input': researchInputSchema.parse({ topic: 'tidal energy', limit: 3 }),
  'research output': researchOutputSchema.parse({ topic: 'tidal energy', sources: [source] }),
  'writer input': writerInputSchema.parse({ topic: 'tidal energy', sources: [source], notes, revision: 1 }),
  'review input': reviewInputSchema.parse({ topic: 'tidal energy', report: 'A report [1].', sources: [source] }),
  'review output': review,
  'workflow input': workflowInputSchema.parse({ topic: 'tidal energy' }),
  'workflow output': workflowOutputSchema.parse({
    topic: 'tidal energy',
    report: 'A report [1].',
    sources: [source],
    review,
    revisions: 2,
  }),
};

let server: http.Server;
let client: RemoteRunnable<unknown, any, any>;
beforeAll(async () => {
  const app = express();
  addRoutes(
    app,
    RunnableLambda.from(async (name: string) => SHAPES[name]),
    { path: '/shapes' },
  );
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new RemoteRunnable({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/shapes`, options: { timeout: 10_000 } });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('every wire shape survives the official JS client', () => {
  it.each(Object.keys(SHAPES))('%s: invoke, stream and streamLog hand back the shape itself', async (name) => {
    const shape = SHAPES[name];
    expect(await client.invoke(name)).toStrictEqual(shape);
    const chunks: unknown[] = [];
    for await (const c of await client.stream(name)) chunks.push(c);
    expect(chunks).toStrictEqual([shape]);
    let log: any;
    for await (const patch of client.streamLog(name)) log = log === undefined ? RunLog.fromRunLogPatch(patch) : log.concat(patch);
    expect(log.state.final_output).toStrictEqual(shape);
    // (each patch is applied twice here, by the client's own run log and by this one, and both
    // share the first patch's arrays: count streamed chunks on the wire, not here)
    expect(log.state.streamed_output.length).toBeGreaterThan(0);
    for (const chunk of log.state.streamed_output) expect(chunk).toStrictEqual(shape);
  });
});
