// The token endpoint maps an RFC 8707 `resource` (request input) to an agent. Trimming its
// trailing slashes with /\/+$/ retried at every slash of a long run: 100,000 slashes cost ~11 s.
// The work must grow at most linearly: t(4n) < 10·t(n) (quadratic gives ~16), no time limits.
import { agentForResource, type Policy } from './policy.js';

const policy: Policy = {
  clients: [],
  users: [],
  agents: [{ audience: 'agent-writer', scope: ['writer:invoke'], resources: ['http://127.0.0.1:3002'] }],
  workflowAudience: 'baton-workflow',
};

/** Best-of-5 milliseconds per call, each round repeated for at least 15 ms. */
function perCall(fn: () => unknown): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed: number;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < 15);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

describe('agentForResource', () => {
  it('maps an agent URL with trailing slashes to the agent', () => {
    expect(agentForResource(policy, 'http://127.0.0.1:3002///')?.audience).toBe('agent-writer');
    expect(agentForResource(policy, 'http://127.0.0.1:3002/x')).toBeUndefined();
  });

  it('takes time linear in the length of a resource made of slashes', () => {
    const resource = (n: number) => `http://127.0.0.1:3002/${'/'.repeat(n)}x`;
    const small = resource(2_000);
    const large = resource(8_000);
    let ratio = Infinity;
    for (let attempt = 0; attempt < 3 && ratio >= 10; attempt++) {
      ratio = Math.min(ratio, perCall(() => agentForResource(policy, large)) / perCall(() => agentForResource(policy, small)));
    }
    expect(ratio).toBeLessThan(10);
  });
});
