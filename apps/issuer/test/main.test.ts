// Cross-process: runs the compiled issuer (dist/main.js) as `pnpm start` would. CI builds
// before testing; run `pnpm --filter @baton/issuer build` first when running this alone.
import fs from 'node:fs';
import path from 'node:path';
import { startIssuer } from './issuer-process.js';

describe('issuer process (dist/main.js)', () => {
  it('serves a dev token and a token exchange over HTTP, then exits 0 on SIGTERM', async () => {
    // No WORKFLOW_CLIENT_SECRET: the development secret is generated into the data dir.
    const issuer = await startIssuer();
    const { base, dataDir } = issuer;
    let exitCode: number | null | undefined;
    try {
      const meta = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
      expect(meta.issuer).toBe(base);

      const dev = await fetch(`${base}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'alice' }),
      });
      expect(dev.status).toBe(200);
      const { access_token: userToken } = (await dev.json()) as { access_token: string };

      const secretFile = path.join(dataDir, 'client-secret');
      expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
      const secret = fs.readFileSync(secretFile, 'utf8').trim();
      const res = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`workflow:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: userToken,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          audience: 'agent-research',
        }).toString(),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as { scope: string; issued_token_type: string };
      expect(body).toMatchObject({ scope: 'research:invoke', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
      expect(issuer.output()).not.toContain(userToken);
      expect(issuer.output()).not.toContain(secret);
    } finally {
      exitCode = await issuer.stop();
    }
    expect(exitCode).toBe(0);
  });
});
