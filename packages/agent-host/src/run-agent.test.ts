import { RunnableLambda } from '@langchain/core/runnables';
import { z } from 'zod';
import { captureLines, post, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { agentEnvSchema } from '@baton/contract';
import { type AgentDefinition } from './config.js';
import { createAgentApp, fromDeps } from './create-agent-app.js';
import { runAgent, type AgentDeps } from './run-agent.js';

const ECHO: AgentDefinition = {
  name: 'agent-echo',
  path: '/echo',
  port: 3999,
  audience: 'agent-echo',
  scope: 'echo:invoke',
  trustedActors: ['workflow'],
  passthrough: { audience: 'baton-workflow', scope: 'workflow:invoke' },
};
const schema = agentEnvSchema(ECHO);
const echo = RunnableLambda.from((input: { text: string }) => ({ echoed: input.text }));

const createApp = (deps: AgentDeps<z.infer<typeof schema>>) =>
  createAgentApp({ ...fromDeps(deps), runnable: echo, inputSchema: z.object({ text: z.string() }) });

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

describe('runAgent', () => {
  it('listens on PORT=0, reports the bound port in url, logs to logDestination and close() stops it once', async () => {
    const capture = captureLines();
    const onClose = jest.fn(async () => {});
    const exit = jest.fn();
    const agent = await runAgent({
      definition: ECHO,
      schema,
      createApp,
      env: { PORT: '0', HOST: '127.0.0.1', ISSUER_URL: issuer.issuer },
      logDestination: capture.stream,
      signals: [],
      exit,
      onClose,
    });
    const port = Number(new URL(agent.url).port);
    expect(port).toBeGreaterThan(0);
    expect(agent.url).toBe(`http://127.0.0.1:${port}`);
    expect(capture.lines()).toContainEqual(expect.objectContaining({ service: 'agent-echo', msg: 'agent listening', url: agent.url }));

    const token = issuer.mint({ aud: 'agent-echo', scope: 'echo:invoke' });
    const res = await post(agent.url, '/echo/invoke', { input: { text: 'hi' } }, token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({ echoed: 'hi' });

    await Promise.all([agent.close(), agent.close()]);
    expect(agent.server.listening).toBe(false);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(exit).not.toHaveBeenCalled();
    await expect(fetch(`${agent.url}/healthz`)).rejects.toThrow();
  });

  it('installs no signal handlers when signals is empty', async () => {
    const before = process.listenerCount('SIGTERM');
    const agent = await runAgent({
      definition: ECHO,
      schema,
      createApp,
      env: { PORT: '0', ISSUER_URL: issuer.issuer, LOG_LEVEL: 'silent' },
      signals: [],
      exit: () => {},
    });
    expect(process.listenerCount('SIGTERM')).toBe(before);
    await agent.close();
  });
});
