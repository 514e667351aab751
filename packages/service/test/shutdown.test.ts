import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

const fixtures = path.join(__dirname, 'fixtures');

function start(env: Record<string, string>): {
  child: ChildProcess;
  port: Promise<number>;
  waitFor: (marker: string) => Promise<void>;
  output: () => string;
} {
  const child = spawn(
    process.execPath,
    ['-r', path.join(fixtures, 'ts-register.cjs'), '-e', `require(${JSON.stringify(path.join(fixtures, 'slow-server.ts'))})`],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const waitFor = (marker: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (out.includes(marker) ? resolve() : waiters.push(check));
      child.once('exit', (code) => (out.includes(marker) ? resolve() : reject(new Error(`exited ${code} before "${marker}": ${out}`))));
      check();
    });
  const port = waitFor('LISTENING').then(() => Number(/LISTENING (\d+)/.exec(out)![1]));
  return { child, port, waitFor, output: () => out };
}

function get(port: number, urlPath: string): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: new http.Agent({ keepAlive: true }) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
  });
}

const exitCode = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('installShutdown (real child process)', () => {
  it('lets an in-flight request finish on SIGTERM, runs onClose and exits 0', async () => {
    const s = start({ SLOW_MS: '700' });
    const port = await s.port;
    const exited = exitCode(s.child);
    const pending = get(port, '/slow');
    await s.waitFor('SLOW_STARTED');
    s.child.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ done: true });
    expect(res.connection).toBe('close');
    expect(await exited).toBe(0);
    expect(s.output()).toContain('ON_CLOSE');
  });

  it('exits 0 at once on SIGTERM when idle', async () => {
    const s = start({});
    await s.port;
    const exited = exitCode(s.child);
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 1 when in-flight requests outlive the deadline', async () => {
    const s = start({ SLOW_MS: '60000', TIMEOUT_MS: '200' });
    const port = await s.port;
    const exited = exitCode(s.child);
    const pending = get(port, '/slow').catch((e: Error) => e);
    await s.waitFor('SLOW_STARTED');
    s.child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(String(await pending)).toMatch(/socket hang up|ECONNRESET/);
  });
});
