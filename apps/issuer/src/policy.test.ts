// The token endpoint maps an RFC 8707 `resource` (request input) to an agent. Trimming its
// trailing slashes with /\/+$/ retried at every slash of a long run: 100,000 slashes cost ~11 s.
// The work must grow at most linearly: t(4n) < 10·t(n) (quadratic gives ~16), no time limits.
import { measureGrowth } from '@baton/testkit';
import { agentForResource, type Policy } from './policy.js';

const policy: Policy = {
  clients: [],
  users: [],
  agents: [{ audience: 'agent-writer', scope: ['writer:invoke'], resources: ['http://127.0.0.1:3002'] }],
  workflowAudience: 'baton-workflow',
  workflowScope: 'workflow:invoke',
};

describe('agentForResource', () => {
  it('maps an agent URL with trailing slashes to the agent', () => {
    expect(agentForResource(policy, 'http://127.0.0.1:3002///')?.audience).toBe('agent-writer');
    expect(agentForResource(policy, 'http://127.0.0.1:3002/x')).toBeUndefined();
  });

  it('takes time linear in the length of a resource made of slashes', () => {
    const resource = (n: number) => `http://127.0.0.1:3002/${'/'.repeat(n)}x`;
    const { ratio } = measureGrowth(resource, (r: string) => agentForResource(policy, r), 2_000, { settleBelow: 10 });
    expect(ratio).toBeLessThan(10);
  });
});
