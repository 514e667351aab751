// Every app's compiled entry point as its own process: starts from env on a free port, answers
// /healthz, refuses an unauthenticated call, logs JSON lines naming itself, and exits 0 on SIGTERM.
import path from 'node:path';
import { spawnService } from '@baton/testkit';
import { ROOT } from './stack.js';

const apps = [
  { app: 'agent-research', route: '/research/invoke', env: {} },
  { app: 'agent-writer', route: '/writer/invoke', env: {} },
  { app: 'agent-reviewer', route: '/reviewer/invoke', env: {} },
  // the workflow needs its client secret in exchange mode; nothing is called at start-up
  { app: 'workflow', route: '/workflow/invoke', env: { WORKFLOW_CLIENT_SECRET: 'x'.repeat(32), CHECKPOINTER: 'memory' } },
] as const;

it.each(apps)('$app: starts, answers /healthz, refuses an unauthenticated call, exits 0 on SIGTERM', async ({ app, route, env }) => {
  const appDir = path.join(ROOT, 'apps', app);
  const proc = await spawnService(path.join(appDir, 'dist/main.js'), { ISSUER_URL: 'http://127.0.0.1:9', ...env }, appDir);
  expect((await fetch(`${proc.base}/healthz`)).status).toBe(200);
  const res = await fetch(`${proc.base}${route}`, { method: 'POST' });
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  expect(proc.output()).toContain(`"service":"${app}"`);
  expect(await proc.stop()).toBe(0);
});
