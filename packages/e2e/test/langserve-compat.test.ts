// A client nobody here wrote: @langchain/core 0.3.80's RemoteRunnable (the last official
// LangServe JS client) against the real workflow and the real research agent.
import { RemoteRunnable } from 'langchain-core-legacy/runnables/remote';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const client = (url: string, token?: string) =>
  new RemoteRunnable({ url, options: { timeout: 60_000, ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}) } });

describe('the official RemoteRunnable', () => {
  it('invokes, batches and streams the workflow with a user token', async () => {
    const wf = client(`${stack.urls.workflow}/workflow`, await stack.token('alice'));
    const one = (await wf.invoke({ topic: 'remote runnables' })) as { report: string; sources: unknown[] };
    expect(one.report.length).toBeGreaterThan(200);
    const two = (await wf.batch([{ topic: 'jwks rotation' }, { topic: 'mutual tls' }])) as Array<{ topic: string }>;
    expect(two.map((o) => o.topic)).toEqual(['jwks rotation', 'mutual tls']);
    const chunks: Array<{ event: string }> = [];
    for await (const c of await wf.stream({ topic: 'server-sent events' })) chunks.push(c as { event: string });
    expect(chunks.filter((c) => c.event === 'delta').length).toBeGreaterThanOrEqual(8);
    expect(chunks.at(-1)!.event).toBe('output');
  });

  it('invokes the research agent with a token minted for that agent', async () => {
    const research = client(`${stack.urls.research}/research`, await stack.token('alice', { audience: 'agent-research' }));
    const out = (await research.invoke({ topic: 'token exchange' })) as { sources: Array<{ id: string; title: string }> };
    expect(out.sources.length).toBeGreaterThan(0);
    expect(typeof out.sources[0]!.title).toBe('string');
  });

  it('surfaces 401 without a token', async () => {
    await expect(client(`${stack.urls.workflow}/workflow`).invoke({ topic: 'x' })).rejects.toThrow(/401/);
  });
});
