/**
 * Shared by the agent apps' process tests: start `dist/main.js` with env on a free port and
 * wait until `/healthz` answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import net from 'node:net';

/**
 * Where free ports are looked for: below the ephemeral range Linux (32768–60999) and macOS
 * (49152–65535) hand out for `listen(0)` and outgoing connections. A port chosen here stays free
 * until the child binds it even while other suites run in parallel and open servers on port 0
 * (supertest does for every request) — a port taken from the ephemeral range could be handed to
 * one of those in between.
 */
const PORT_RANGE = { low: 20_000, high: 32_767 } as const;

/** A listener on `port` of 127.0.0.1, or undefined when the port is taken. */
function tryListen(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

/** A TCP port free on 127.0.0.1 right now (for a child process that cannot take port 0). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `n` distinct TCP ports free on 127.0.0.1 right now, chosen at random in PORT_RANGE: every
 * listener stays open until all `n` are chosen, so the same port cannot be handed out twice.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  for (let tries = 0; servers.length < n; tries++) {
    if (tries >= 1_000) throw new Error(`freePorts: no ${n} free ports in ${PORT_RANGE.low}-${PORT_RANGE.high}`);
    const port = PORT_RANGE.low + randomInt(PORT_RANGE.high - PORT_RANGE.low + 1);
    if (servers.some((srv) => (srv.address() as net.AddressInfo).port === port)) continue;
    const srv = await tryListen(port);
    if (srv) servers.push(srv);
  }
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

/**
 * Appends each complete line a child's output stream writes to `lines` (a trailing partial line
 * waits for its newline); returns `lines`. For reading a process's JSON log lines as they come.
 */
export function collectLines(stream: NodeJS.ReadableStream, lines: string[] = []): string[] {
  let buf = '';
  stream.on('data', (d: Buffer | string) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return lines;
}

export interface SpawnedService {
  readonly base: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

export async function spawnService(mainJs: string, env: Record<string, string>, cwd: string): Promise<SpawnedService> {
  const port = await freePort();
  const child = spawn(process.execPath, [mainJs], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
