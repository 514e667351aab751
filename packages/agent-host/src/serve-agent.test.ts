import { RunnableLambda } from '@langchain/core/runnables';
import { z } from 'zod';
import { captureLines, post, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { serveAgent } from './serve-agent.js';
import type { RunningAgent } from './run-agent.js';

const summarize = RunnableLambda.from((input: { text: string }) => ({ summary: input.text.slice(0, 5) }));

let issuer: TestIssuer;
const running: RunningAgent[] = [];
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await Promise.all(running.map((a) => a.close()));
  await issuer.close();
});

async function start(env: Record<string, string> = {}) {
  const capture = captureLines();
  const agent = await serveAgent({
    runnable: summarize,
    name: 'agent-summarizer',
    path: '/summarizer',
    port: 3004,
    audience: 'agent-summarizer',
    scope: 'summarizer:invoke',
    trustedActors: ['my-workflow'],
    inputSchema: z.object({ text: z.string() }),
    env: { PORT: '0', ISSUER_URL: issuer.issuer, ...env },
    logDestination: capture.stream,
    signals: [],
    exit: () => {},
  });
  running.push(agent);
  return { agent, capture };
}

describe('serveAgent', () => {
  it('serves a Runnable at its path behind its own audience and scope, auditing sub and act', async () => {
    const { agent, capture } = await start();
    const token = issuer.mint({ sub: 'alice', aud: 'agent-summarizer', scope: 'summarizer:invoke', act: { sub: 'my-workflow' } });
    const res = await post(agent.url, '/summarizer/invoke', { input: { text: 'hello world' } }, token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({ summary: 'hello' });
    expect(capture.lines()).toContainEqual(
      expect.objectContaining({ audit: true, service: 'agent-summarizer', sub: 'alice', act: { sub: 'my-workflow' }, decision: 'allow' }),
    );
    const wrongScope = issuer.mint({ aud: 'agent-summarizer', scope: 'other:invoke' });
    expect((await post(agent.url, '/summarizer/invoke', { input: { text: 'x' } }, wrongScope)).status).toBe(403);
    const wrongAudience = issuer.mint({ aud: 'agent-research', scope: 'summarizer:invoke' });
    expect((await post(agent.url, '/summarizer/invoke', { input: { text: 'x' } }, wrongAudience)).status).toBe(401);
    expect((await post(agent.url, '/summarizer/invoke', { input: { nope: 1 } }, token)).status).toBe(422);
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
  });

  it('in the production profile accepts only the trusted actors it was given, not a workflow it was not told of', async () => {
    const { agent } = await start({ BATON_PROFILE: 'production' });
    const as = (actor: string) => issuer.mint({ aud: 'agent-summarizer', scope: 'summarizer:invoke', act: { sub: actor } });
    expect((await post(agent.url, '/summarizer/invoke', { input: { text: 'x' } }, as('my-workflow'))).status).toBe(200);
    const other = await post(agent.url, '/summarizer/invoke', { input: { text: 'x' } }, as('workflow'));
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('AUTH_ACTOR_NOT_ALLOWED');
  });

  it('refuses passthrough mode without the audience and scope of the caller’s token', async () => {
    const exit = jest.fn();
    await expect(
      serveAgent({
        runnable: summarize,
        name: 'agent-summarizer',
        path: '/summarizer',
        port: 3004,
        audience: 'agent-summarizer',
        scope: 'summarizer:invoke',
        trustedActors: ['my-workflow'],
        env: { PORT: '0', ISSUER_URL: issuer.issuer, AUTH_MODE: 'passthrough', LOG_LEVEL: 'silent' },
        signals: [],
        exit,
      }),
    ).rejects.toThrow();
    expect(exit).toHaveBeenCalledWith(1);
  });
});
