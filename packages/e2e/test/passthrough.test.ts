// Passthrough mode, chosen explicitly: the workflow forwards the caller's own token and the agents
// accept the workflow's audience. It works end to end, and it visibly gives up the actor.
import { startStack, type Stack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ TOKEN_FORWARDING: 'passthrough' });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const post = (url: string, token: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('TOKEN_FORWARDING=passthrough', () => {
  it("runs alice's workflow with her own token at every agent, with no actor and no exchange", async () => {
    const alice = await stack.token('alice');
    const res = await post(`${stack.urls.workflow}/workflow/invoke`, alice, { input: { topic: 'token passthrough' } });
    expect(res.status).toBe(200);
    const audits = stack.logs().filter((l) => l.audit === true);
    for (const service of ['agent-research', 'agent-writer', 'agent-reviewer']) {
      const allows = audits.filter((a) => a.service === service && a.decision === 'allow' && a.sub === 'alice');
      expect(allows.length).toBeGreaterThan(0);
      // the agents saw the workflow audience and no act claim: what passthrough gives up
      for (const a of allows) {
        expect(a.act).toBeNull();
        expect(a.aud).toEqual(['baton-workflow']);
      }
    }
    expect(audits.filter((a) => a.event === 'token.decision')).toEqual([]);
    // the workflow says so at start-up
    expect(stack.logs().some((l) => l.service === 'workflow' && /passthrough/.test(String(l.msg)))).toBe(true);
  });

  it('still refuses a token for another agent at an agent in passthrough mode', async () => {
    const forWriter = await stack.token('alice', { audience: 'agent-writer' });
    const res = await post(`${stack.urls.research}/research/invoke`, forWriter, { input: { topic: 'x' } });
    expect(res.status).toBe(401);
  });
});
