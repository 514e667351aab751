import { FakeListChatModel } from '@langchain/core/utils/testing';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { runAgent, type RunningAgent } from '@baton/agent-host';
import type { LogDestination } from '@baton/service';
import { captureLines, parseSse, post, SAMPLE_SOURCES as SOURCES, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { createApp } from '../src/app.js';
import { configSchema, WRITER } from '../src/config.js';

let issuer: TestIssuer;
let agent: RunningAgent;
const capture = captureLines();

/** The production entry point (what src/main.ts runs) on 127.0.0.1:0, optionally with an injected chat model. */
function startWriter(options: { env?: Record<string, string>; logDestination?: LogDestination; model?: BaseChatModel } = {}) {
  const { model } = options;
  return runAgent({
    definition: WRITER,
    schema: configSchema,
    createApp: model ? (deps) => createApp({ ...deps, model }) : createApp,
    env: { PORT: '0', HOST: '127.0.0.1', ISSUER_URL: issuer.issuer, ...options.env },
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    signals: [],
    exit: () => {},
  });
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  agent = await startWriter({ env: { WRITER_CHUNK_DELAY_MS: '1' }, logDestination: capture.stream });
});
afterAll(async () => {
  await agent.close();
  await issuer.close();
});

const exchanged = () => issuer.mint({ sub: 'alice', aud: 'agent-writer', scope: 'writer:invoke', act: { sub: 'workflow' } });
const input = { topic: 'token exchange for agents', sources: SOURCES };

describe('writer agent over HTTP', () => {
  it('invokes with an exchanged token for agent-writer and returns the report as a string', async () => {
    const res = await post(agent.url, '/writer/invoke', { input }, exchanged());
    expect(res.status).toBe(200);
    const { output } = (await res.json()) as { output: string };
    expect(typeof output).toBe('string');
    expect(output).toMatch(/^# Token Exchange for Agents/);
    expect(output).toContain('## Sources');
  });

  it('streams many data events, in order, that concatenate to the invoke output', async () => {
    const token = exchanged();
    const res = await post(agent.url, '/writer/stream', { input }, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events[0]!.event).toBe('metadata');
    expect(events[events.length - 1]!.event).toBe('end');
    const data = events.filter((e) => e.event === 'data').map((e) => JSON.parse(e.data) as string);
    expect(data.length).toBeGreaterThan(40);
    const invoked = (await (await post(agent.url, '/writer/invoke', { input }, token)).json()) as { output: string };
    expect(data.join('')).toBe(invoked.output);
  });

  it('writes an audit line naming the service, sub and act', async () => {
    await post(agent.url, '/writer/invoke', { input }, exchanged());
    expect(
      capture
        .lines()
        .filter((l) => l.audit === true)
        .pop(),
    ).toMatchObject({ service: 'agent-writer', decision: 'allow', sub: 'alice', act: { sub: 'workflow' } });
  });

  it('refuses an excerpt over the size cap with 413 WRITER_INPUT_TOO_LARGE', async () => {
    const big = { ...input, sources: [{ ...SOURCES[0]!, excerpt: 'Tokens expire. '.repeat(2000) }] };
    const res = await post(agent.url, '/writer/invoke', { input: big }, exchanged());
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WRITER_INPUT_TOO_LARGE');
  });

  it('refuses the workflow-audience token in exchange mode with 401', async () => {
    const res = await post(agent.url, '/writer/stream', { input }, issuer.mint({ aud: 'baton-workflow', scope: 'workflow:invoke' }));
    expect(res.status).toBe(401);
  });

  it('refuses a token without writer:invoke with 403', async () => {
    const res = await post(
      agent.url,
      '/writer/invoke',
      { input },
      issuer.mint({ aud: 'agent-writer', scope: 'research:invoke', act: { sub: 'workflow' } }),
    );
    expect(res.status).toBe(403);
  });
});

describe('writer agent with an injected chat model', () => {
  it('streams the model output plus the Sources list', async () => {
    const model = new FakeListChatModel({ responses: ['# Report\n\nTokens are exchanged per agent [1][2][3].'] });
    const llmAgent = await startWriter({ model, logDestination: captureLines().stream });
    try {
      const res = await post(llmAgent.url, '/writer/stream', { input }, exchanged());
      const data = parseSse(await res.text())
        .filter((e) => e.event === 'data')
        .map((e) => JSON.parse(e.data) as string);
      expect(data.join('')).toMatch(/^# Report\n\nTokens are exchanged per agent \[1\]\[2\]\[3\]\.\n\n## Sources\n\n- \[1\] RFC 8693/);
    } finally {
      await llmAgent.close();
    }
  });
});
