// A team's own agent declares its own error codes (no edit of @baton/errors) and they reach the
// caller through the agent host with their registered status, on invoke and on a stream.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunnableLambda } from '@langchain/core/runnables';
import { z } from 'zod';
import { BatonError, defineErrorCodes } from '@baton/errors';
import { createLogger } from '@baton/service';
import { captureLines, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { agentEnvSchema } from '@baton/contract';
import { agentSettings, type AgentDefinition } from './config.js';
import { createAgentAuth } from './agent-auth.js';
import { createAgentApp, fromDeps } from './create-agent-app.js';

const SUMMARIZER: AgentDefinition = {
  name: 'summarizer',
  path: '/summarize',
  port: 3998,
  audience: 'summarizer',
  scope: 'summarize:invoke',
  trustedActors: ['workflow'],
};
const SUMMARIZER_ERRORS = defineErrorCodes(
  { SUMMARIZER_TEXT_TOO_LONG: { status: 413, meaning: 'The text to summarise is over 2000 characters' } },
  { owner: 'summarizer' },
);

const summarize = RunnableLambda.from((input: { text: string }) => {
  // Plain JavaScript in the team's code: no BatonError, only the declared code.
  if (input.text === 'plain') throw Object.assign(new Error('text is over the limit'), { code: 'SUMMARIZER_TEXT_TOO_LONG' });
  if (input.text === 'undeclared') throw Object.assign(new Error('secret detail'), { code: 'SUMMARIZER_NOT_DECLARED' });
  if (input.text.length > 2000) throw new BatonError(SUMMARIZER_ERRORS.SUMMARIZER_TEXT_TOO_LONG, 'text is over 2000 characters');
  return { summary: input.text.slice(0, 40) };
});

let issuer: TestIssuer;
let server: http.Server;
let base: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  const settings = agentSettings(SUMMARIZER, agentEnvSchema(SUMMARIZER).parse({ ISSUER_URL: issuer.issuer }));
  const logger = createLogger({ service: SUMMARIZER.name, level: 'info', destination: captureLines().stream });
  const app = createAgentApp({
    ...fromDeps({ settings, ...createAgentAuth(settings, { logger }), logger }),
    runnable: summarize,
    inputSchema: z.object({ text: z.string() }),
    errorCodes: [SUMMARIZER_ERRORS],
  });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await issuer.close();
});

const call = (route: string, text: string) =>
  fetch(`${base}/summarize/${route}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${issuer.mint({ sub: 'alice', aud: 'summarizer', scope: 'summarize:invoke', act: { sub: 'workflow' } })}`,
    },
    body: JSON.stringify({ input: { text } }),
  });

describe("a team agent's own error code", () => {
  it('answers invoke with its registered status and code', async () => {
    const res = await call('invoke', 'x'.repeat(2001));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'SUMMARIZER_TEXT_TOO_LONG', message: 'text is over 2000 characters' } });
    expect((await call('invoke', 'short')).status).toBe(200);
  });

  it('recognises a declared code on a plain error by its code (the agent declared its codes), and nothing else', async () => {
    const res = await call('invoke', 'plain');
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'SUMMARIZER_TEXT_TOO_LONG', message: 'text is over the limit' } });
    const other = await call('invoke', 'undeclared');
    expect(other.status).toBe(500);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('RUNNABLE_FAILED');
  });

  it('ends a stream with an error event carrying its status and code', async () => {
    const res = await call('stream', 'x'.repeat(2001));
    const text = await res.text();
    const error = text.split(/\r?\n\r?\n/).find((e) => e.includes('event: error'));
    const data = JSON.parse(
      error!
        .split(/\r?\n/)
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    ) as Record<string, unknown>;
    expect(data).toMatchObject({ status_code: 413, code: 'SUMMARIZER_TEXT_TOO_LONG' });
  });
});
