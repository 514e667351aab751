import { configIssuesOf, isBatonError } from '@baton/errors';
import { ISSUER, RESEARCH, REVIEWER, WORKFLOW, WRITER } from '@baton/contract/topology';
import { parseWorkflowConfig } from './config.js';

const SECRET = 'a-client-secret-of-at-least-32-characters';

/** The thrown CONFIG_INVALID error, its issues and everything it would print. */
function refusal(env: Record<string, string>) {
  let caught: unknown;
  try {
    parseWorkflowConfig(env);
  } catch (err) {
    caught = err;
  }
  expect(isBatonError(caught)).toBe(true);
  expect(caught).toMatchObject({ code: 'CONFIG_INVALID' });
  const issues = configIssuesOf(caught) ?? [];
  return { issues, variables: issues.map((i) => i.variable), printed: `${(caught as Error).message}\n${JSON.stringify(issues)}` };
}

describe('parseWorkflowConfig', () => {
  it('takes every default from the contract topology', () => {
    const c = parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET });
    expect(c).toMatchObject({
      PORT: WORKFLOW.port,
      HOST: '127.0.0.1',
      ISSUER_URL: `http://127.0.0.1:${ISSUER.port}`,
      WORKFLOW_AUDIENCE: WORKFLOW.audience,
      WORKFLOW_SCOPE: WORKFLOW.scope,
      TOKEN_FORWARDING: 'exchange',
      WORKFLOW_CLIENT_ID: 'workflow',
      ISSUER_SPIFFE_ID: ISSUER.spiffeId,
      MAX_REVISIONS: 2,
      SOURCE_LIMIT: 5,
      CHECKPOINTER: 'auto',
      MAX_RUNS_PER_USER: 4,
      MAX_RUNS_TOTAL: 64,
      SSE_WRITE_DEADLINE_MS: 30_000,
      STREAM_RESUME_RETENTION_MS: 60_000,
      STREAM_RESUME_GRACE_MS: 10_000,
      STREAM_RESUME_MAX_RUNS: 1_000,
      STREAM_RESUME_MAX_RUNS_PER_USER: 100,
    });
    for (const [key, agent] of [
      ['RESEARCH', RESEARCH],
      ['WRITER', WRITER],
      ['REVIEWER', REVIEWER],
    ] as const) {
      const env = c as unknown as Record<string, unknown>;
      expect(env[`${key}_URL`]).toBe(`http://127.0.0.1:${agent.port}${agent.path}`);
      expect(env[`${key}_AUDIENCE`]).toBe(agent.audience);
      expect(env[`${key}_SCOPE`]).toBe(agent.scope);
      expect(env[`${key}_SPIFFE_ID`]).toBe(agent.spiffeId);
      // one endpoint per agent, derived from its envPrefix; the resource defaults to the URL
      expect(c.agents[agent.key]).toEqual({
        url: `http://127.0.0.1:${agent.port}${agent.path}`,
        audience: agent.audience,
        scope: agent.scope,
        resource: `http://127.0.0.1:${agent.port}${agent.path}`,
        spiffeId: agent.spiffeId,
      });
    }
  });

  it('keeps ISSUER_URL exactly (trailing slash included) and leaves JWKS_URI and TOKEN_ENDPOINT to discovery', () => {
    const c = parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, ISSUER_URL: 'https://issuer.example:8443/' });
    expect(c.ISSUER_URL).toBe('https://issuer.example:8443/');
    expect(c.JWKS_URI).toBeUndefined();
    expect(c.TOKEN_ENDPOINT).toBeUndefined();
    expect(c.tokenProfile.name).toBe('strict');
  });

  it('keeps an explicit JWKS_URI and TOKEN_ENDPOINT', () => {
    const c = parseWorkflowConfig({
      WORKFLOW_CLIENT_SECRET: SECRET,
      JWKS_URI: 'https://keys.example/jwks',
      TOKEN_ENDPOINT: 'https://sts.example/token',
    });
    expect(c.JWKS_URI).toBe('https://keys.example/jwks');
    expect(c.TOKEN_ENDPOINT).toBe('https://sts.example/token');
  });

  it('reads overrides of the agents and numbers', () => {
    const c = parseWorkflowConfig({
      WORKFLOW_CLIENT_SECRET: SECRET,
      RESEARCH_URL: 'https://research.internal/r',
      WRITER_AUDIENCE: 'writer-aud',
      REVIEWER_SCOPE: 'review:run',
      MAX_REVISIONS: '0',
      CHECKPOINTER: 'none',
    });
    expect(c).toMatchObject({
      RESEARCH_URL: 'https://research.internal/r',
      WRITER_AUDIENCE: 'writer-aud',
      REVIEWER_SCOPE: 'review:run',
      MAX_REVISIONS: 0,
      CHECKPOINTER: 'none',
    });
  });

  it('treats an empty variable as unset', () => {
    const c = parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, PORT: '', WRITER_URL: '' });
    expect(c.PORT).toBe(WORKFLOW.port);
    expect(c.agents.writer!.url).toBe(`http://127.0.0.1:${WRITER.port}${WRITER.path}`);
  });

  it('is frozen', () => {
    const c = parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('requires WORKFLOW_CLIENT_SECRET in exchange mode (the default)', () => {
    expect(refusal({}).variables).toEqual(['WORKFLOW_CLIENT_SECRET']);
    expect(refusal({ TOKEN_FORWARDING: 'exchange' }).variables).toEqual(['WORKFLOW_CLIENT_SECRET']);
  });

  it('needs no secret in passthrough mode', () => {
    const c = parseWorkflowConfig({ TOKEN_FORWARDING: 'passthrough' });
    expect(c.TOKEN_FORWARDING).toBe('passthrough');
    expect(c.WORKFLOW_CLIENT_SECRET).toBeUndefined();
  });

  it('refuses a short secret naming the variable, never the secret', () => {
    const secret = 'short-Secret-Value-9';
    const { variables, printed } = refusal({ WORKFLOW_CLIENT_SECRET: secret });
    expect(variables).toEqual(['WORKFLOW_CLIENT_SECRET']);
    expect(printed).not.toContain(secret);
  });

  it.each([
    ['PORT', 'not-a-port-7x'],
    ['PORT', '65536'],
    ['ISSUER_URL', 'ftp://hidden-issuer.example'],
    ['RESEARCH_URL', 'not a url hidden-value'],
    ['TOKEN_FORWARDING', 'forward-hidden'],
    ['CHECKPOINTER', 'disk-hidden'],
    ['MAX_REVISIONS', '11'],
    ['SOURCE_LIMIT', '77'],
    ['MAX_RUNS_PER_USER', 'none-hidden'],
    ['MAX_RUNS_TOTAL', 'lots-hidden'],
    ['SSE_WRITE_DEADLINE_MS', 'slow-hidden'],
    ['STREAM_RESUME_GRACE_MS', 'never-hidden'],
    ['REMOTE_FIRST_BYTE_TIMEOUT_MS', 'soon-hidden'],
    ['LOG_LEVEL', 'verbose-hidden'],
    ['WRITER_SPIFFE_ID', 'spiffe-hidden-value'],
  ])('refuses a bad %s naming the variable, never the value', (variable, value) => {
    const { variables, printed } = refusal({ WORKFLOW_CLIENT_SECRET: SECRET, [variable]: value });
    expect(variables).toEqual([variable]);
    expect(printed).toContain(variable);
    expect(printed).not.toContain(value);
  });

  it('names every wrong variable at once', () => {
    const { variables } = refusal({ WORKFLOW_CLIENT_SECRET: SECRET, PORT: 'x', CHECKPOINTER: 'disk', MAX_REVISIONS: '-1' });
    expect(variables.sort()).toEqual(['CHECKPOINTER', 'MAX_REVISIONS', 'PORT']);
  });
});
