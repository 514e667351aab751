import {
  agentAudiences,
  agentEnvSchema,
  agentResources,
  envKeysOf,
  envSchemaOf,
  envSchemas,
  issuerEnvSchema,
  isSpiffeId,
  parseDuration,
  parsePairs,
  researchEnvSchema,
  reviewerEnvSchema,
  spiffeId,
  workflowAgentEndpoint,
  workflowEnvSchema,
  workflowServerEnvSchema,
  writerEnvSchema,
} from './env.js';
import { defineAgent, TOPOLOGY, WRITER } from './topology.js';

const SECRET = 'x'.repeat(32);

describe('environment schemas', () => {
  it('has one for every service of the topology, by name', () => {
    expect(Object.keys(envSchemas())).toEqual(TOPOLOGY.services.map((s) => s.name));
    expect(envSchemaOf('issuer')).toBe(issuerEnvSchema);
    expect(envSchemaOf('workflow')).toBe(workflowEnvSchema);
    expect(envSchemaOf('agent-research')).toBe(researchEnvSchema);
    expect(envSchemaOf('agent-writer')).toBe(writerEnvSchema);
    expect(envSchemaOf('agent-reviewer')).toBe(reviewerEnvSchema);
    expect(envSchemaOf('agent-nobody')).toBeUndefined();
  });

  it('names the variables each service reads: an agent reads no workflow secret, database or Redis', () => {
    for (const agent of TOPOLOGY.agents) {
      const keys = envKeysOf(agent.name)!;
      expect(keys).toEqual(expect.arrayContaining(['ISSUER_URL', 'PORT', 'LOG_LEVEL', 'ALLOWED_ACTORS']));
      for (const k of ['WORKFLOW_CLIENT_SECRET', 'DATABASE_URL', 'REDIS_URL']) expect(keys).not.toContain(k);
    }
    expect(envKeysOf('workflow')).toEqual(expect.arrayContaining(['WORKFLOW_CLIENT_SECRET', 'DATABASE_URL', 'REDIS_URL']));
    expect(envKeysOf('agent-writer')).toContain('OPENAI_API_KEY');
    expect(envKeysOf('agent-research')).not.toContain('OPENAI_API_KEY');
    expect(envKeysOf('agent-nobody')).toBeUndefined();
  });

  it("takes each service's default port, audiences, scopes and SPIFFE ids from the topology", () => {
    for (const s of TOPOLOGY.services) {
      const env = s.name === 'workflow' ? { WORKFLOW_CLIENT_SECRET: SECRET } : {};
      expect(envSchemaOf(s.name)!.parse(env)).toMatchObject({ PORT: s.port });
    }
    expect(workflowEnvSchema.parse({ WORKFLOW_CLIENT_SECRET: SECRET })).toMatchObject({
      ISSUER_URL: 'http://127.0.0.1:4000',
      WORKFLOW_AUDIENCE: 'baton-workflow',
      WORKFLOW_SCOPE: 'workflow:invoke',
      RESEARCH_URL: 'http://127.0.0.1:3001/research',
      WRITER_URL: 'http://127.0.0.1:3002/writer',
      REVIEWER_URL: 'http://127.0.0.1:3003/reviewer',
      RESEARCH_AUDIENCE: 'agent-research',
      WRITER_SCOPE: 'writer:invoke',
      REVIEWER_SPIFFE_ID: 'spiffe://baton.local/agent-reviewer',
      ISSUER_SPIFFE_ID: 'spiffe://baton.local/issuer',
    });
    expect(issuerEnvSchema.parse({})).toMatchObject({
      PORT: 4000,
      WORKFLOW_AUDIENCE: 'baton-workflow',
      AGENT_AUDIENCES: 'agent-research=research:invoke,agent-writer=writer:invoke,agent-reviewer=reviewer:invoke',
      AGENT_RESOURCES:
        'agent-research=http://127.0.0.1:3001/research,agent-writer=http://127.0.0.1:3002/writer,agent-reviewer=http://127.0.0.1:3003/reviewer',
    });
    expect(agentAudiences()).toBe(issuerEnvSchema.parse({}).AGENT_AUDIENCES);
    expect(agentResources()).toBe(issuerEnvSchema.parse({}).AGENT_RESOURCES);
  });

  it('gives every agent the shared variables, and the writer and reviewer their own', () => {
    const shared = Object.keys(agentEnvSchema(WRITER).shape);
    for (const schema of [researchEnvSchema, writerEnvSchema, reviewerEnvSchema])
      expect(Object.keys(schema.shape)).toEqual(expect.arrayContaining(shared));
    expect(writerEnvSchema.parse({})).toMatchObject({ WRITER_CHUNK_DELAY_MS: 15, LLM_PROVIDER: 'none' });
    expect(reviewerEnvSchema.parse({})).toMatchObject({ REVIEW_MIN_CHARS: 400, REVIEW_MAX_CHARS: 6000 });
    expect(reviewerEnvSchema.safeParse({ REVIEW_MIN_CHARS: '500', REVIEW_MAX_CHARS: '100' }).success).toBe(false);
  });

  it('refuses what the services refused before: a bad mode, a two-token scope, a non-SPIFFE peer, a short secret', () => {
    expect(researchEnvSchema.safeParse({ AUTH_MODE: 'none' }).success).toBe(false);
    expect(researchEnvSchema.safeParse({ AUTH_SCOPE: 'a b' }).success).toBe(false);
    expect(researchEnvSchema.safeParse({ ALLOWED_PEERS: 'workflow' }).success).toBe(false);
    expect(researchEnvSchema.safeParse({ ALLOWED_PEERS: 'spiffe://baton.local/workflow' }).success).toBe(true);
    expect(workflowEnvSchema.safeParse({}).success).toBe(false); // exchange mode needs the client secret
    expect(workflowEnvSchema.safeParse({ TOKEN_FORWARDING: 'passthrough' }).success).toBe(true);
    expect(issuerEnvSchema.safeParse({ WORKFLOW_CLIENT_SECRET: 'short' }).success).toBe(false);
    expect(issuerEnvSchema.safeParse({ AGENT_AUDIENCES: 'baton-workflow=x:invoke' }).success).toBe(false);
    expect(issuerEnvSchema.safeParse({ AGENT_RESOURCES: 'agent-x=http://h/x' }).success).toBe(false);
  });
});

describe('workflow thread storage variables', () => {
  const base = { TOKEN_FORWARDING: 'passthrough' };
  it('has secure finite defaults: a quota, a TTL, a sweep interval, a history cap, no database', () => {
    const c = workflowEnvSchema.parse(base);
    expect(c).toMatchObject({
      THREAD_QUOTA_PER_USER: 100,
      THREAD_TTL_MS: 30 * 86_400_000,
      THREAD_SWEEP_INTERVAL_MS: 600_000,
      THREAD_HISTORY_MAX: 50,
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(workflowEnvSchema.parse({ ...base, THREAD_TTL_MS: '7d' }).THREAD_TTL_MS).toBe(7 * 86_400_000);
  });

  it('takes only a postgres URL, and requires one for CHECKPOINTER=postgres, without echoing it', () => {
    expect(workflowEnvSchema.safeParse({ ...base, DATABASE_URL: 'postgres://u:p@db:5432/baton?sslmode=verify-full' }).success).toBe(true);
    expect(workflowEnvSchema.safeParse({ ...base, DATABASE_URL: 'postgresql://db/baton' }).success).toBe(true);
    const bad = workflowEnvSchema.safeParse({ ...base, DATABASE_URL: 'mysql://u:hunter2@db/x' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).not.toContain('hunter2');
    expect(workflowEnvSchema.safeParse({ ...base, CHECKPOINTER: 'postgres' }).success).toBe(false);
  });

  it('refuses a quota of 0, a TTL under a minute, a sweep under a second and a one-connection pool', () => {
    for (const env of [
      { THREAD_QUOTA_PER_USER: '0' },
      { THREAD_TTL_MS: '30s' },
      { THREAD_SWEEP_INTERVAL_MS: '10ms' },
      { DATABASE_POOL_MAX: '1' },
    ]) {
      expect(workflowEnvSchema.safeParse({ ...base, ...env }).success).toBe(false);
    }
  });
});

describe('field helpers', () => {
  it('parses durations and aud=value pairs', () => {
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10', 's')).toBe(10_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parsePairs('a=b c, d=e')).toEqual([
      ['a', 'b c'],
      ['d', 'e'],
    ]);
    expect(parsePairs('a=')).toBeUndefined();
  });

  it('makes and recognises SPIFFE ids', () => {
    expect(spiffeId('workflow')).toBe('spiffe://baton.local/workflow');
    expect(() => spiffeId('not ok')).toThrow(TypeError);
    expect(isSpiffeId('spiffe://baton.local/agent-writer')).toBe(true);
    expect(isSpiffeId('https://baton.local/agent-writer')).toBe(false);
  });
});

describe('issuer identifier and token profile variables', () => {
  it('keeps ISSUER_URL exactly as configured, trailing slash and path included', () => {
    expect(researchEnvSchema.parse({ ISSUER_URL: 'https://tenant.auth0.com/' }).ISSUER_URL).toBe('https://tenant.auth0.com/');
    expect(workflowEnvSchema.parse({ ISSUER_URL: 'https://idp.test/realms/baton', TOKEN_FORWARDING: 'passthrough' }).ISSUER_URL).toBe(
      'https://idp.test/realms/baton',
    );
    expect(researchEnvSchema.parse({ JWKS_URI: 'https://idp.test/keys/' }).JWKS_URI).toBe('https://idp.test/keys/');
  });

  it('refuses an issuer with a query or fragment, or not http(s)', () => {
    for (const bad of ['https://idp.test/?x=1', 'https://idp.test/#f', 'ftp://idp.test', 'idp.test']) {
      expect(researchEnvSchema.safeParse({ ISSUER_URL: bad }).success).toBe(false);
    }
  });

  it('defaults TOKEN_PROFILE to strict and parses the knobs', () => {
    const env = researchEnvSchema.parse({
      TOKEN_PROFILE: 'okta',
      TOKEN_TYP: 'at+jwt, none',
      TOKEN_SCOPE_CLAIMS: 'scp,roles',
      TOKEN_CLIENT_CLAIMS: 'cid',
    });
    expect(env).toMatchObject({
      TOKEN_PROFILE: 'okta',
      TOKEN_TYP: ['at+jwt', 'none'],
      TOKEN_SCOPE_CLAIMS: ['scp', 'roles'],
      TOKEN_CLIENT_CLAIMS: ['cid'],
    });
    expect(researchEnvSchema.parse({}).TOKEN_PROFILE).toBe('strict');
    expect(researchEnvSchema.safeParse({ TOKEN_PROFILE: 'lenient' }).success).toBe(false);
    expect(researchEnvSchema.safeParse({ TOKEN_SCOPE_CLAIMS: 'groups' }).success).toBe(false);
    expect(researchEnvSchema.safeParse({ TOKEN_TYP: ' , ' }).success).toBe(false);
  });
});

describe('names are inputs, not the demo topology', () => {
  it('agentEnvSchema without peers defaults to the dev issuer and gives WORKFLOW_AUDIENCE no default', () => {
    const env = agentEnvSchema({ port: 4100 }).parse({});
    expect(env).toMatchObject({ PORT: 4100, ISSUER_URL: 'http://127.0.0.1:4000', ISSUER_SPIFFE_ID: 'spiffe://baton.local/issuer' });
    expect(env.WORKFLOW_AUDIENCE).toBeUndefined();
    const named = agentEnvSchema(
      { port: 4100 },
      { issuer: { port: 4500, spiffeId: 'spiffe://corp.test/idp' }, workflow: { audience: 'team-flow' } },
    );
    expect(named.parse({})).toMatchObject({
      ISSUER_URL: 'http://127.0.0.1:4500',
      ISSUER_SPIFFE_ID: 'spiffe://corp.test/idp',
      WORKFLOW_AUDIENCE: 'team-flow',
    });
  });

  it("workflowServerEnvSchema names each agent's variables from its envPrefix, with the service's own defaults", () => {
    const summarizer = defineAgent({
      key: 'summarizer',
      name: 'agent-summarizer',
      path: '/sum',
      port: 4101,
      audience: 'sum-aud',
      scope: 'sum:run',
    });
    const schema = workflowServerEnvSchema({
      issuer: { port: 4500, spiffeId: 'spiffe://baton.local/issuer' },
      workflow: { port: 4200, audience: 'team-flow', scope: 'team-flow:invoke' },
      agents: [summarizer],
    });
    const keys = Object.keys(schema.shape);
    expect(keys).toEqual(
      expect.arrayContaining(['SUMMARIZER_URL', 'SUMMARIZER_AUDIENCE', 'SUMMARIZER_SCOPE', 'SUMMARIZER_RESOURCE', 'SUMMARIZER_SPIFFE_ID']),
    );
    expect(keys).not.toContain('RESEARCH_URL');
    expect(keys).not.toContain('MAX_REVISIONS'); // the demo graph's variables are the demo's
    const env = schema.parse({ TOKEN_FORWARDING: 'passthrough', SUMMARIZER_SCOPE: 'sum:other' });
    expect(env).toMatchObject({
      PORT: 4200,
      ISSUER_URL: 'http://127.0.0.1:4500',
      WORKFLOW_AUDIENCE: 'team-flow',
      WORKFLOW_SCOPE: 'team-flow:invoke',
    });
    expect(workflowAgentEndpoint(env, summarizer)).toEqual({
      url: 'http://127.0.0.1:4101/sum',
      audience: 'sum-aud',
      scope: 'sum:other',
      resource: 'http://127.0.0.1:4101/sum',
      spiffeId: 'spiffe://baton.local/agent-summarizer',
    });
    // the workflow's refinements still hold on the derived schema
    expect(schema.safeParse({}).success).toBe(false); // exchange mode needs the client secret
  });

  it("takes WORKFLOW_CLIENT_ID's default from the workflow's name (the act.sub its agents trust), else `workflow`", () => {
    const workflow = { port: 4200, audience: 'team-flow', scope: 'team-flow:invoke' };
    const issuer = { port: 4500, spiffeId: 'spiffe://baton.local/issuer' };
    const parse = (w: typeof workflow & { name?: string }, env = {}) =>
      workflowServerEnvSchema({ issuer, workflow: w, agents: [] }).parse({ TOKEN_FORWARDING: 'passthrough', ...env });
    expect(parse({ ...workflow, name: 'notes' }).WORKFLOW_CLIENT_ID).toBe('notes');
    expect(parse({ ...workflow, name: 'notes' }, { WORKFLOW_CLIENT_ID: 'other' }).WORKFLOW_CLIENT_ID).toBe('other');
    expect(parse(workflow).WORKFLOW_CLIENT_ID).toBe('workflow');
    expect(workflowEnvSchema.parse({ TOKEN_FORWARDING: 'passthrough' }).WORKFLOW_CLIENT_ID).toBe('workflow'); // the demo's is unchanged
  });

  it('keeps the demo workflow variable names exactly (RESEARCH_URL ... REVIEWER_SPIFFE_ID)', () => {
    const keys = Object.keys(workflowEnvSchema.shape);
    for (const prefix of ['RESEARCH', 'WRITER', 'REVIEWER'])
      for (const suffix of ['URL', 'AUDIENCE', 'SCOPE', 'RESOURCE', 'SPIFFE_ID']) expect(keys).toContain(`${prefix}_${suffix}`);
  });
});
