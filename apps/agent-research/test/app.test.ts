import { runAgent, type RunningAgent } from '@baton/agent-host';
import { captureLines, post, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { createApp } from '../src/app.js';
import { configSchema, RESEARCH } from '../src/config.js';

let issuer: TestIssuer;
let agent: RunningAgent;
const capture = captureLines();

beforeAll(async () => {
  issuer = await startTestIssuer();
  // The production entry point (what src/main.ts runs), on 127.0.0.1:0, with logs captured.
  agent = await runAgent({
    definition: RESEARCH,
    schema: configSchema,
    createApp,
    env: { PORT: '0', HOST: '127.0.0.1', ISSUER_URL: issuer.issuer },
    logDestination: capture.stream,
    signals: [],
    exit: () => {},
  });
});
afterAll(async () => {
  await agent.close();
  await issuer.close();
});

const exchanged = () => issuer.mint({ sub: 'alice', aud: 'agent-research', scope: 'research:invoke', act: { sub: 'workflow' } });

describe('research agent over HTTP', () => {
  it('invokes with an exchanged token for agent-research and returns sources', async () => {
    const res = await post(agent.url, '/research/invoke', { input: { topic: 'token exchange', limit: 3 } }, exchanged());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { output: { topic: string; sources: Array<{ id: string }> }; metadata: { run_id: string } };
    expect(body.output.topic).toBe('token exchange');
    expect(body.output.sources).toHaveLength(3);
    expect(body.output.sources[0]!.id).toBe('token-exchange');
    expect(body.metadata.run_id).toEqual(expect.any(String));
  });

  it('writes an audit line naming the service, sub and act', async () => {
    await post(agent.url, '/research/invoke', { input: { topic: 'jwt' } }, exchanged());
    const audit = capture
      .lines()
      .filter((l) => l.audit === true)
      .pop();
    expect(audit).toMatchObject({ service: 'agent-research', decision: 'allow', sub: 'alice', act: { sub: 'workflow' } });
  });

  it('refuses the workflow-audience token in exchange mode with 401', async () => {
    const res = await post(
      agent.url,
      '/research/invoke',
      { input: { topic: 'jwt' } },
      issuer.mint({ aud: 'baton-workflow', scope: 'workflow:invoke' }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('refuses a token without research:invoke with 403', async () => {
    const res = await post(
      agent.url,
      '/research/invoke',
      { input: { topic: 'jwt' } },
      issuer.mint({ aud: 'agent-research', scope: 'writer:invoke', act: { sub: 'workflow' } }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
  });

  it('rejects a limit above 10 with 422', async () => {
    const res = await post(agent.url, '/research/invoke', { input: { topic: 'jwt', limit: 50 } }, exchanged());
    expect(res.status).toBe(422);
  });

  it('never logs the token', async () => {
    const token = exchanged();
    await post(agent.url, '/research/invoke', { input: { topic: 'mtls' } }, token);
    expect(JSON.stringify(capture.lines())).not.toContain(token.split('.')[2]);
  });
});
