import { runAgent, type RunningAgent } from '@baton/agent-host';
import { captureLines, post, SAMPLE_SOURCES as SOURCES, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { createApp } from '../src/app.js';
import { configSchema, REVIEWER } from '../src/config.js';

let issuer: TestIssuer;
let agent: RunningAgent;
const capture = captureLines();

beforeAll(async () => {
  issuer = await startTestIssuer();
  // The production entry point (what src/main.ts runs), on 127.0.0.1:0, with logs captured.
  agent = await runAgent({
    definition: REVIEWER,
    schema: configSchema,
    createApp,
    env: { PORT: '0', HOST: '127.0.0.1', ISSUER_URL: issuer.issuer, REVIEW_MIN_CHARS: '100' },
    logDestination: capture.stream,
    signals: [],
    exit: () => {},
  });
});
afterAll(async () => {
  await agent.close();
  await issuer.close();
});

const exchanged = () => issuer.mint({ sub: 'alice', aud: 'agent-reviewer', scope: 'reviewer:invoke', act: { sub: 'workflow' } });
const topic = 'token exchange for agents';
const report = `# Token exchange for agents\n\nExchange the token per agent [1], name the actor [2], and restrict the audience [3].\n\n## Sources\n\n- [1] a\n- [2] b\n- [3] c\n`;

describe('reviewer agent over HTTP', () => {
  it('approves a compliant report (REVIEW_MIN_CHARS from env)', async () => {
    const res = await post(agent.url, '/reviewer/invoke', { input: { topic, report, sources: SOURCES } }, exchanged());
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({
      approved: true,
      notes: [],
      checks: { citations: true, length: true, coverage: true },
    });
  });

  it('asks for a revision with actionable notes', async () => {
    const res = await post(
      agent.url,
      '/reviewer/invoke',
      { input: { topic: `${topic} with mTLS`, report: report.replace(' [2]', ''), sources: SOURCES } },
      exchanged(),
    );
    const { output } = (await res.json()) as { output: { approved: boolean; notes: unknown[] } };
    expect(output.approved).toBe(false);
    expect(output.notes).toEqual([
      { kind: 'cite', source: 2, problem: 'missing', message: 'Cite source [2] ("Delegation versus impersonation") at least once.' },
      { kind: 'cover', term: 'mtls', message: 'Cover the topic term "mtls", which the report never mentions.' },
    ]);
  });

  it('writes an audit line naming the service, sub and act', async () => {
    await post(agent.url, '/reviewer/invoke', { input: { topic, report, sources: SOURCES } }, exchanged());
    expect(
      capture
        .lines()
        .filter((l) => l.audit === true)
        .pop(),
    ).toMatchObject({ service: 'agent-reviewer', decision: 'allow', sub: 'alice', act: { sub: 'workflow' } });
  });

  it('refuses the workflow-audience token in exchange mode with 401', async () => {
    const res = await post(
      agent.url,
      '/reviewer/invoke',
      { input: { topic, report, sources: SOURCES } },
      issuer.mint({ aud: 'baton-workflow', scope: 'workflow:invoke' }),
    );
    expect(res.status).toBe(401);
  });

  it('refuses a token without reviewer:invoke with 403', async () => {
    const res = await post(
      agent.url,
      '/reviewer/invoke',
      { input: { topic, report, sources: SOURCES } },
      issuer.mint({ aud: 'agent-reviewer', scope: 'writer:invoke' }),
    );
    expect(res.status).toBe(403);
  });

  it('rejects a missing report with 422', async () => {
    expect((await post(agent.url, '/reviewer/invoke', { input: { topic, sources: [] } }, exchanged())).status).toBe(422);
  });
});
