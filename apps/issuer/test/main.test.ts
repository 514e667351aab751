// Cross-process: runs the compiled issuer (dist/main.js) as `pnpm start` would. CI builds
// before testing; run `pnpm --filter @baton/issuer build` first when running this alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const MAIN = path.join(__dirname, '..', 'dist', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe('issuer process (dist/main.js)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-main-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('serves a dev token and a token exchange over HTTP, then exits 0 on SIGTERM', async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm --filter @baton/issuer build\` before this test`);
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ISSUER_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => (output.includes('issuer listening') ? resolve() : undefined);
        child.stdout.on('data', check);
        child.once('exit', (code) => reject(new Error(`issuer exited ${code} before listening:\n${output}`)));
        check();
      });
      const base = `http://127.0.0.1:${port}`;
      const meta = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
      expect(meta.issuer).toBe(base);

      const dev = await fetch(`${base}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice' }) });
      expect(dev.status).toBe(200);
      const { access_token: userToken } = (await dev.json()) as { access_token: string };

      const secretFile = path.join(dataDir, 'client-secret');
      expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
      const secret = fs.readFileSync(secretFile, 'utf8').trim();
      const res = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`workflow:${secret}`).toString('base64')}` },
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
      expect(output).not.toContain(userToken);
      expect(output).not.toContain(secret);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
