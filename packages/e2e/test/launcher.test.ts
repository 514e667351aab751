// `pnpm start` as a supervisor. When one service cannot start, the launcher stops everything it
// started, exits 1, and never announces a healthy system (also when a foreign process on the port
// would answer the health probe). A service that dies after the system was up is restarted with
// backoff while the others keep running; too many crashes within the window give up with exit 1.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT, startStack, type Stack } from './stack.js';

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const SERVICES = ['issuer', 'research', 'writer', 'reviewer', 'workflow'] as const;
type Service = (typeof SERVICES)[number];
/** The `service` field of each one's log lines (the topology's names). */
const LOG_NAME: Record<Service, string> = {
  issuer: 'issuer',
  research: 'agent-research',
  writer: 'agent-writer',
  reviewer: 'agent-reviewer',
  workflow: 'workflow',
};
const PORT_VARS: Record<Service, string> = {
  issuer: 'ISSUER_PORT',
  research: 'RESEARCH_PORT',
  writer: 'WRITER_PORT',
  reviewer: 'REVIEWER_PORT',
  workflow: 'WORKFLOW_PORT',
};

/** Starts the launcher with `service`'s port held by a foreign HTTP server that answers 200 to everything. */
async function startWithPortTaken(service: Service) {
  const taken = http.createServer((_req, res) => res.end('not baton'));
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const takenPort = (taken.address() as net.AddressInfo).port;
  const ports: Partial<Record<Service, number>> = {};
  for (const s of SERVICES) if (s !== service) ports[s] = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-launcher-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BATON_DATA_DIR: dataDir,
      ...Object.fromEntries(SERVICES.map((s) => [PORT_VARS[s], String(ports[s] ?? takenPort)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  taken.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { code, out, ports: Object.values(ports) };
}

it('stops every service it started and exits 1 when an agent cannot bind its port', async () => {
  const { code, out, ports } = await startWithPortTaken('research');
  expect(code).toBe(1);
  expect(out).toContain('exited unexpectedly');
  expect(out).not.toContain('all services healthy');
  expect(out).not.toContain('Baton is up');
  // the agent's own start-up failure is an error line of its own, with an ISO time like every line
  const failed = out
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('EADDRINUSE'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(failed).toEqual([expect.objectContaining({ level: 'error', service: 'agent-research' })]);
  expect(failed[0]!.time).toEqual(new Date(failed[0]!.time as string).toISOString());
  // nothing left behind: every port the launcher used is free again
  for (const port of ports) expect(await canBind(port)).toBe(true);
}, 90_000);

it('does not take a foreign process that answers the health probe on the port for its own child', async () => {
  // The workflow starts last: the foreign server answers its health path with 200 before the
  // workflow process has even tried to bind. Only the child's own `listening` message (IPC: its pid
  // and port) counts.
  const { code, out, ports } = await startWithPortTaken('workflow');
  expect(code).toBe(1);
  expect(out).toContain('workflow exited unexpectedly during start-up');
  expect(out).not.toContain('all services healthy');
  expect(out).not.toContain('Baton is up');
  for (const port of ports) expect(await canBind(port)).toBe(true);
}, 90_000);

/** The pids each service's `listening` lines announced, in order (one per start). */
function listeningPids(stack: Stack): Record<Service, number[]> {
  const pids = Object.fromEntries(SERVICES.map((s) => [s, [] as number[]])) as Record<Service, number[]>;
  for (const l of stack.logs()) {
    const service = SERVICES.find((s) => LOG_NAME[s] === l.service);
    if (service && typeof l.msg === 'string' && l.msg.endsWith('listening')) pids[service].push(l.pid as number);
  }
  return pids;
}

const launcherLines = (stack: Stack, msg: string) => stack.logs().filter((l) => l.service === 'launcher' && String(l.msg).includes(msg));

async function until(what: string, stack: Stack, done: () => boolean) {
  for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!done()) throw new Error(`timed out waiting for ${what}:\n${stack.lines.slice(-30).join('\n')}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a service that dies after the system was up', () => {
  let stack: Stack;
  afterEach(async () => {
    await stack?.stop();
  });

  it('is logged and restarted; the others keep their processes and the workflow runs again', async () => {
    stack = await startStack({ BATON_RESTART_BACKOFF_MS: '50' });
    const before = listeningPids(stack);
    for (const s of SERVICES) expect(before[s]).toHaveLength(1);
    process.kill(before.writer[0]!, 'SIGKILL');

    await until('the writer to be restarted', stack, () => launcherLines(stack, 'agent-writer restarted').length === 1);
    const crash = launcherLines(stack, 'agent-writer exited unexpectedly; restarting');
    expect(crash).toHaveLength(1);
    expect(crash[0]).toMatchObject({ level: 'error', signal: 'SIGKILL', pid: before.writer[0], crashes: 1 });
    const after = listeningPids(stack);
    expect(after.writer).toHaveLength(2);
    expect(after.writer[1]).not.toBe(before.writer[0]);
    expect(alive(before.writer[0]!)).toBe(false);
    for (const s of SERVICES.filter((x) => x !== 'writer')) {
      expect(after[s]).toEqual(before[s]);
      expect(alive(before[s][0]!)).toBe(true);
    }
    expect(launcherLines(stack, 'giving up')).toHaveLength(0);

    const res = await fetch(`${stack.urls.writer}/healthz`);
    expect(res.status).toBe(200);
    const token = await stack.token('alice');
    const run = await fetch(`${stack.urls.workflow}/workflow/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'restarting agents' } }),
    });
    expect(run.status).toBe(200);
    expect(JSON.stringify(await run.json())).toContain('restarting agents');
  }, 120_000);

  it('gives up with a clear message and exit 1 when it keeps crashing within the window', async () => {
    stack = await startStack({ BATON_RESTART_BACKOFF_MS: '20', BATON_RESTART_MAX_CRASHES: '3', BATON_RESTART_WINDOW_MS: '600000' });
    for (let kill = 1; kill <= 3; kill++) {
      // each kill lands on a restarted, healthy writer: kill n after restart n-1
      await until(`restart ${kill - 1}`, stack, () => launcherLines(stack, 'agent-writer restarted').length === kill - 1);
      const pids = listeningPids(stack).writer;
      expect(pids).toHaveLength(kill);
      process.kill(pids[kill - 1]!, 'SIGKILL');
    }
    await until('the launcher to give up', stack, () => launcherLines(stack, 'giving up').length === 1);
    expect(launcherLines(stack, 'giving up')[0]).toMatchObject({
      level: 'error',
      msg: 'giving up: agent-writer crashed 3 times within 600 s; stopping everything',
    });
    expect(await stack.stop()).toBe(1);
    expect(launcherLines(stack, 'agent-writer restarted')).toHaveLength(2);
    // nothing left behind: every port is free again
    for (const url of Object.values(stack.urls)) expect(await canBind(Number(new URL(url).port))).toBe(true);
  }, 120_000);
});
