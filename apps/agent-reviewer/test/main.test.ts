import path from 'node:path';
import { spawnAgent } from '@baton/testkit';

const appDir = path.join(__dirname, '..');

describe('dist/main.js', () => {
  it('starts with env on a free port, answers /healthz, and exits 0 on SIGTERM', async () => {
    const agent = await spawnAgent(path.join(appDir, 'dist/main.js'), { ISSUER_URL: 'http://127.0.0.1:9' }, appDir);
    const res = await fetch(`${agent.base}/healthz`);
    expect(res.status).toBe(200);
    expect((await fetch(`${agent.base}/reviewer/invoke`, { method: 'POST' })).status).toBe(401);
    expect(agent.output()).toContain('"service":"agent-reviewer"');
    expect(await agent.stop()).toBe(0);
  });
});
