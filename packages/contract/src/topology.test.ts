import {
  AGENT_SPECS,
  AGENTS,
  certificateNames,
  defaultPort,
  defineTopology,
  ISSUER,
  RESEARCH,
  REVIEWER,
  TOPOLOGY,
  WORKFLOW,
  WRITER,
} from './topology.js';

const spec = () => ({ issuer: { name: 'issuer', port: 4000 }, workflow: { ...WORKFLOW }, agents: [...AGENT_SPECS] });

describe('Baton topology', () => {
  it('has the issuer, three agents and the workflow at their documented names, ports, paths, audiences and scopes', () => {
    expect(TOPOLOGY.services.map((s) => [s.name, s.port])).toEqual([
      ['issuer', 4000],
      ['agent-research', 3001],
      ['agent-writer', 3002],
      ['agent-reviewer', 3003],
      ['workflow', 3000],
    ]);
    expect(WORKFLOW).toMatchObject({ path: '/workflow', audience: 'baton-workflow', scope: 'workflow:invoke' });
    expect([RESEARCH, WRITER, REVIEWER].map((a) => [a.key, a.path, a.audience, a.scope, a.host, a.envPrefix])).toEqual([
      ['research', '/research', 'agent-research', 'research:invoke', 'research', 'RESEARCH'],
      ['writer', '/writer', 'agent-writer', 'writer:invoke', 'writer', 'WRITER'],
      ['reviewer', '/reviewer', 'agent-reviewer', 'reviewer:invoke', 'reviewer', 'REVIEWER'],
    ]);
    expect(AGENTS).toBe(TOPOLOGY.agents);
  });

  it('gives every service the SPIFFE id of its name, and unique names, ports, hosts, paths, audiences and scopes', () => {
    for (const s of TOPOLOGY.services) expect(s.spiffeId).toBe(`spiffe://baton.local/${s.name}`);
    const runnables = [WORKFLOW, ...AGENTS];
    for (const values of <Array<Array<string | number>>>[
      TOPOLOGY.services.map((s) => s.name),
      TOPOLOGY.services.map((s) => s.port),
      TOPOLOGY.services.map((s) => s.host),
      TOPOLOGY.services.map((s) => s.spiffeId),
      runnables.map((s) => s.path),
      runnables.map((s) => s.audience),
      runnables.map((s) => s.scope),
    ])
      expect(new Set(values).size).toBe(values.length);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(TOPOLOGY)).toBe(true);
    expect(Object.isFrozen(TOPOLOGY.agents)).toBe(true);
    expect(Object.isFrozen(RESEARCH)).toBe(true);
    expect(() => ((RESEARCH as { port: number }).port = 1)).toThrow(TypeError);
  });

  it('answers default ports by service name (the Dockerfile healthcheck) and certificate DNS names (dev certs)', () => {
    expect(defaultPort('agent-writer')).toBe(3002);
    expect(defaultPort(ISSUER.name)).toBe(4000);
    expect(defaultPort('agent-unknown')).toBeUndefined();
    expect(certificateNames()).toEqual({
      issuer: ['issuer'],
      workflow: ['workflow'],
      'agent-research': ['research'],
      'agent-writer': ['writer'],
      'agent-reviewer': ['reviewer'],
    });
  });
});

describe('defineTopology', () => {
  const stub = {
    key: 'summarizer',
    name: 'agent-summarizer',
    path: '/summarizer',
    port: 3004,
    audience: 'agent-summarizer',
    scope: 'summarizer:invoke',
  };

  it('takes one more agent row and derives its host, env prefix and SPIFFE id', () => {
    const t = defineTopology({ ...spec(), agents: [...AGENT_SPECS, stub] });
    expect(t.agents.at(-1)).toEqual({
      ...stub,
      host: 'summarizer',
      envPrefix: 'SUMMARIZER',
      spiffeId: 'spiffe://baton.local/agent-summarizer',
      healthPath: '/healthz',
    });
    expect(t.services.at(-1)!.name).toBe('workflow');
  });

  it.each([
    ['a port', { port: 3001 }, /port 3001/],
    ['a name', { name: 'agent-writer' }, /name "agent-writer"/],
    ['a path', { path: '/workflow' }, /path "\/workflow"/],
    ['an audience', { audience: 'baton-workflow' }, /audience "baton-workflow"/],
    ['a scope', { scope: 'reviewer:invoke' }, /scope "reviewer:invoke"/],
    ['a key', { key: 'research', name: 'agent-research-2' }, /host "research"/],
  ])('refuses an agent that shares %s with another service', (_what, change, message) => {
    expect(() => defineTopology({ ...spec(), agents: [...AGENT_SPECS, { ...stub, ...change }] })).toThrow(message);
  });

  it.each([
    ['a key with upper case', { key: 'Summarizer' }],
    ['a path of two segments', { path: '/a/b' }],
    ['a port out of range', { port: 70000 }],
    ['a scope with a space', { scope: 'a b' }],
    ['an empty audience', { audience: '' }],
    ['a name that cannot be a SPIFFE path', { name: 'Agent Summarizer' }],
  ])('refuses %s', (_what, change) => {
    expect(() => defineTopology({ ...spec(), agents: [...AGENT_SPECS, { ...stub, ...change }] })).toThrow(TypeError);
  });
});
