import { Agent } from 'undici';
import { Annotation, StateGraph, START, END } from '@langchain/langgraph';
import { RunContext, type Caller } from '@baton/identity';
import { RemoteRunnable } from '../src/index.js';
import { TestServer, bearerOf, sse } from './langserve-server.js';
import { caller, echoExchanger } from './helpers.js';

const server = new TestServer();
const dispatcher = new Agent();
beforeAll(() => server.start());
afterAll(async () => {
  await server.close();
  await dispatcher.close();
});
beforeEach(() => server.reset());

const State = Annotation.Root({
  topic: Annotation<string>,
  result: Annotation<unknown>,
  chunks: Annotation<unknown[]>,
});
const Context = RunContext;

function ctx(c: Caller) {
  return { caller: c };
}

function graphWith(remote: RemoteRunnable<any, any>) {
  return new StateGraph(State, Context)
    .addNode('research', async (state, config) => ({ result: await remote.invoke({ topic: state.topic }, config) }))
    .addNode('write', async (state, config) => {
      const chunks: unknown[] = [];
      for await (const chunk of await remote.stream({ chunks: [state.topic, 'done'] }, config)) chunks.push(chunk);
      return { chunks };
    })
    .addEdge(START, 'research')
    .addEdge('research', 'write')
    .addEdge('write', END)
    .compile();
}

describe('inside a LangGraph StateGraph (caller in context)', () => {
  it('40 interleaved runs of two users: every request carries its own user token', async () => {
    const exchanger = echoExchanger();
    const remote = new RemoteRunnable({
      url: `${server.url}/agent`,
      credentials: { strategy: 'exchange', exchanger, audience: 'agent-research' },
      dispatcher,
    });
    // Slow the agent down a little at random so runs really interleave.
    server.handle('/agent/invoke', async (req, res, body) => {
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5)));
      res.json({ output: { topic: body.input.topic, bearer: bearerOf({ headers: req.headers } as any) } });
    });
    const graph = graphWith(remote);
    const tokens = { alice: 'token-of-alice.a.a', bob: 'token-of-bob.b.b' };
    const runs = Array.from({ length: 40 }, (_, i) => {
      const who = i % 2 === 0 ? 'alice' : 'bob';
      return graph
        .invoke({ topic: `${who}-${i}` }, { context: ctx(caller(who, tokens[who], { requestId: `run-${i}` })) })
        .then((out) => ({ who, i, out }));
    });
    const results = await Promise.all(runs);
    for (const { who, i, out } of results) {
      const expected = `exchanged.agent-research.token-of-${who}.${who[0]}.${who[0]}`;
      expect(out.result).toEqual({ topic: `${who}-${i}`, bearer: expected });
      expect(out.chunks).toEqual([`${who}-${i}`, 'done']);
    }
    expect(server.requests).toHaveLength(80);
    for (const r of server.requests) {
      const requestId = r.headers['x-request-id'] as string;
      const i = Number(requestId.slice(4));
      const who = i % 2 === 0 ? 'alice' : 'bob';
      expect(bearerOf(r)).toBe(`exchanged.agent-research.token-of-${who}.${who[0]}.${who[0]}`);
      expect(r.rawBody).not.toContain('token-of-');
    }
  });

  it('a node consuming a stream sees each chunk as it arrives', async () => {
    let release: (() => void) | undefined;
    server.handle('/agent/stream', async (_req, res) => {
      const send = sse(res);
      for (const c of ['a', 'b', 'c']) {
        const received = new Promise<void>((r) => (release = r));
        send('data', c);
        await received;
      }
      send('end');
      res.end();
    });
    const remote = new RemoteRunnable<unknown, string>({
      url: `${server.url}/agent`,
      credentials: { strategy: 'passthrough' },
      dispatcher,
    });
    const graph = new StateGraph(State, Context)
      .addNode('write', async (_state, config) => {
        const chunks: unknown[] = [];
        for await (const chunk of await remote.stream({}, config)) {
          chunks.push(chunk);
          release!();
        }
        return { chunks };
      })
      .addEdge(START, 'write')
      .compile();
    const out = await graph.invoke({ topic: 't' }, { context: ctx(caller('carol', 'carol-token')) });
    expect(out.chunks).toEqual(['a', 'b', 'c']);
    expect(bearerOf(server.requests[0]!)).toBe('carol-token');
  });

  it('a RemoteRunnable can be a node itself', async () => {
    server.handle('/agent/invoke', (_req, res, body) => {
      res.json({ output: { result: `researched ${body.input.topic}` } });
    });
    const remote = new RemoteRunnable<any, any>({ url: `${server.url}/agent`, credentials: { strategy: 'passthrough' }, dispatcher });
    const graph = new StateGraph(State, Context).addNode('research', remote).addEdge(START, 'research').compile();
    const out = await graph.invoke({ topic: 'otters' }, { context: ctx(caller('dave', 'dave-token')) });
    expect(out.result).toBe('researched otters');
    expect(bearerOf(server.requests[0]!)).toBe('dave-token');
    expect(server.requests[0]!.rawBody).not.toContain('dave');
  });

  it('a run whose caller has no token attached fails closed and makes no request', async () => {
    const remote = new RemoteRunnable<any, any>({ url: `${server.url}/agent`, credentials: { strategy: 'passthrough' }, dispatcher });
    const graph = new StateGraph(State) // no context schema: the copy reaches the node unchecked
      .addNode('research', async (state, config) => ({ result: await remote.invoke({ topic: state.topic }, config) }))
      .addEdge(START, 'research')
      .compile();
    // e.g. a caller that went through JSON (a checkpoint) and lost its private token
    const copied = JSON.parse(JSON.stringify(caller('frank', 'frank-token'))) as Caller;
    await expect(graph.invoke({ topic: 'x' }, { context: { caller: copied } } as never)).rejects.toMatchObject({
      code: 'REMOTE_NO_CREDENTIALS',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('aborting the graph run cancels the remote call', async () => {
    server.handle('/agent/invoke', () => {
      /* never answers */
    });
    const remote = new RemoteRunnable<any, any>({ url: `${server.url}/agent`, credentials: { strategy: 'passthrough' }, dispatcher });
    const graph = graphWith(remote);
    const controller = new AbortController();
    const run = graph.invoke({ topic: 'x' }, { context: ctx(caller('erin', 'erin-token')), signal: controller.signal });
    const settled = run.catch((e: unknown) => e);
    await server.waitForRequests(1);
    controller.abort();
    expect(await settled).toBeInstanceOf(Error);
    await server.requests[0]!.closed;
  });
});
