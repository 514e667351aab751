// `pnpm start` tells the truth (docs/LAUNCHER.md), against the real launcher and its five real
// processes: it comes up under LOG_LEVEL=warn (no log line is needed to know a service is live);
// the token command its banner prints works as printed when the ports are moved; each child gets
// only the variables its own schema declares (read from /proc/<pid>/environ); with an unreachable
// external issuer it never says "up" but which service is not ready and why, and keeps trying.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '@baton/testkit';
import { ROOT } from './stack.js';

const canReadProc = (() => {
  try {
    readFileSync(`/proc/${process.pid}/environ`);
    return true;
  } catch {
    return false;
  }
})();
if (!canReadProc)
  console.log('launcher-truth.test.ts: /proc/<pid>/environ is unreadable here (not Linux?): the environment checks are skipped');
const itOnProc = canReadProc ? it : it.skip;

interface Launch {
  child: ChildProcess;
  ports: Record<'ISSUER' | 'WORKFLOW' | 'RESEARCH' | 'WRITER' | 'REVIEWER', number>;
  stdout: () => string;
  stderr: () => string;
  launcherLines: () => Array<Record<string, unknown>>;
  stop: () => Promise<void>;
}

async function launch(extra: Record<string, string>, unset: string[] = []): Promise<Launch> {
  const [issuer, workflow, research, writer, reviewer] = await freePorts(5);
  const ports = { ISSUER: issuer!, WORKFLOW: workflow!, RESEARCH: research!, WRITER: writer!, REVIEWER: reviewer! };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-truth-'));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !unset.includes(k)));
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...inherited,
      BATON_DATA_DIR: dataDir,
      WRITER_CHUNK_DELAY_MS: '1',
      ...Object.fromEntries(Object.entries(ports).map(([k, p]) => [`${k}_PORT`, String(p)])),
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    ports,
    stdout: () => out,
    stderr: () => err,
    launcherLines: () =>
      out
        .split('\n')
        .filter((l) => l.includes('"service":"launcher"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function until(what: string, l: Launch, done: () => boolean) {
  for (let i = 0; i < 900 && !done(); i++) {
    if (l.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!done()) throw new Error(`timed out waiting for ${what}:\n${l.stderr()}\n${l.stdout().split('\n').slice(-30).join('\n')}`);
}

/** The launcher's children, by service (the app directory in their command line). */
function childrenOf(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
    const cmd = readFileSync(`/proc/${task}/cmdline`, 'utf8');
    const app = /apps\/([a-z-]+)\/dist\/main\.js/.exec(cmd)?.[1];
    if (app) out[app] = Number(task);
  }
  return out;
}

function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

const AGENTS = ['agent-research', 'agent-writer', 'agent-reviewer'];
const SHELL_SECRET = 'exported-in-the-shell-0123456789-abcdefghij';
const SHELL_DATABASE_URL = 'postgres://baton:exported-in-the-shell@127.0.0.1:1/nothing';

describe('LOG_LEVEL=warn pnpm start on moved ports, with a secret and a database exported in the shell', () => {
  let l: Launch;
  beforeAll(async () => {
    l = await launch({
      LOG_LEVEL: 'warn',
      WORKFLOW_CLIENT_SECRET: SHELL_SECRET,
      DATABASE_URL: SHELL_DATABASE_URL,
      CHECKPOINTER: 'memory', // the workflow reads DATABASE_URL but does not open it
      OPENAI_API_KEY: 'sk-model-key-from-the-shell',
    });
    await until('Baton is up', l, () => l.stderr().includes('Baton is up'));
  }, 120_000);
  afterAll(() => l?.stop());

  it('comes up: every service ready, no info line written, the launcher logging ISO times', async () => {
    for (const port of Object.values(l.ports)) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const lines = l
      .stdout()
      .split('\n')
      .filter((x) => x.startsWith('{'))
      .map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(lines.filter((x) => x.service !== 'launcher' && x.level === 'info')).toEqual([]);
    const healthy = l.launcherLines().find((x) => x.msg === 'all services healthy')!;
    expect(healthy.services).toEqual(['issuer', ...AGENTS, 'workflow']);
    for (const x of l.launcherLines()) expect(x.time).toEqual(new Date(x.time as string).toISOString());
  });

  it('prints a token command that works as printed from a shell that knows nothing of the ports', () => {
    const command = /TOKEN=\$\((.+)\)\n/.exec(l.stderr())?.[1];
    expect(command).toBe(`ISSUER_URL=http://127.0.0.1:${l.ports.ISSUER} pnpm --silent run token alice`);
    const token = execFileSync('sh', ['-c', command!], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: os.homedir() },
      encoding: 'utf8',
    });
    expect(token.trim().split('.')).toHaveLength(3);
    const curl = /\n {2}(curl .+)\n/.exec(l.stderr())?.[1];
    const answer = execFileSync('sh', ['-c', `TOKEN=${token.trim()}; ${curl!}`], { encoding: 'utf8' });
    expect(JSON.parse(answer)).toMatchObject({ output: { topic: 'token exchange' } });
  });

  itOnProc('gives each child only the variables its schema declares: the shell secret and database reach only the workflow', () => {
    const pids = childrenOf(l.child.pid!);
    expect(Object.keys(pids).sort()).toEqual(['agent-research', 'agent-reviewer', 'agent-writer', 'issuer', 'workflow']);
    for (const agent of AGENTS) {
      const e = environOf(pids[agent]!);
      expect(e.WORKFLOW_CLIENT_SECRET).toBeUndefined();
      expect(e.DATABASE_URL).toBeUndefined();
      expect(e.CHECKPOINTER).toBeUndefined();
      expect(e).toMatchObject({ LOG_LEVEL: 'warn', PATH: process.env.PATH });
      expect(JSON.stringify(e)).not.toContain('exported-in-the-shell');
    }
    // the model key reaches the agents that can use a model, not the research agent
    expect(environOf(pids['agent-writer']!).OPENAI_API_KEY).toBe('sk-model-key-from-the-shell');
    expect(environOf(pids['agent-research']!).OPENAI_API_KEY).toBeUndefined();
    expect(environOf(pids.issuer!).DATABASE_URL).toBeUndefined();
    expect(environOf(pids.workflow!)).toMatchObject({
      WORKFLOW_CLIENT_SECRET: SHELL_SECRET,
      DATABASE_URL: SHELL_DATABASE_URL,
      CHECKPOINTER: 'memory',
    });
    expect(environOf(pids.workflow!).OPENAI_API_KEY).toBeUndefined();
  });

  it('answers an unknown route with the same 404 text on the workflow and on an agent', async () => {
    const bodies = await Promise.all(
      [l.ports.WORKFLOW, l.ports.RESEARCH].map(async (port) => {
        const res = await fetch(`http://127.0.0.1:${port}/no/such/route`);
        expect(res.status).toBe(404);
        return res.json();
      }),
    );
    expect(bodies[0]).toEqual({ error: { code: 'REQUEST_NOT_FOUND', message: 'No route for GET /no/such/route' } });
    expect(bodies[1]).toEqual(bodies[0]);
  });
});

describe('pnpm start against an external ISSUER_URL that nothing answers (passthrough, no secret)', () => {
  let l: Launch;
  let dead: string;
  beforeAll(async () => {
    const [deadPort, deadRedis] = await freePorts(2);
    dead = `http://127.0.0.1:${deadPort}`;
    l = await launch({ ISSUER_URL: dead, TOKEN_FORWARDING: 'passthrough', REDIS_URL: `redis://127.0.0.1:${deadRedis}` }, [
      'WORKFLOW_CLIENT_SECRET',
    ]);
    await until('every service reported not ready', l, () =>
      ['agent-research', 'agent-writer', 'agent-reviewer', 'workflow'].every((s) => l.stderr().includes(`${s} is not ready: `)),
    );
  }, 120_000);
  afterAll(() => l?.stop());

  it('never says it is up, and says which service is not ready and why: the issuer URL and the connection error', async () => {
    expect(l.stderr()).not.toContain('Baton is up');
    expect(l.stdout()).not.toContain('all services healthy');
    const line = l
      .stderr()
      .split('\n')
      .find((x) => x.startsWith('agent-research is not ready: '))!;
    expect(line).toContain(`issuer discovery failed for "${dead}"`);
    expect(line).toContain(`${dead}/.well-known/openid-configuration: ECONNREFUSED`);
    expect(line).toContain('still trying');
    const warn = l.launcherLines().find((x) => x.msg === 'agent-research is not ready')!;
    expect(warn).toMatchObject({ level: 'warn', readyz: `http://127.0.0.1:${l.ports.RESEARCH}/readyz` });
    expect(String(warn.reason)).toContain('ECONNREFUSED');
    // the launcher keeps running and the services answer /readyz 503 with the same reason
    expect(l.child.exitCode).toBeNull();
    const readyz = await fetch(`http://127.0.0.1:${l.ports.WORKFLOW}/readyz`);
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reason: string }).reason).toContain(`${dead}/.well-known/openid-configuration: ECONNREFUSED`);
  });

  it('answers a call 503 AUTH_KEYS_UNAVAILABLE with Retry-After (the keys, not the caller, are missing)', async () => {
    // well-formed, never signed: the key lookup comes first, and it cannot be answered
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part({ iss: dead, sub: 'alice', exp: 4_000_000_000 })}.c2ln`;
    const res = await fetch(`http://127.0.0.1:${l.ports.WORKFLOW}/workflow/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'x' } }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_KEYS_UNAVAILABLE');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  itOnProc('passes REDIS_URL to the workflow only, and the workflow without a secret warns about none', () => {
    const pids = childrenOf(l.child.pid!);
    for (const agent of AGENTS) expect(environOf(pids[agent]!).REDIS_URL).toBeUndefined();
    expect(environOf(pids.workflow!).REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(environOf(pids.workflow!).WORKFLOW_CLIENT_SECRET).toBeUndefined();
    const relaxed = l
      .stdout()
      .split('\n')
      .filter((x) => x.includes('"service":"workflow"') && x.includes('relaxed setting'));
    expect(relaxed.join('\n')).not.toContain('WORKFLOW_CLIENT_SECRET');
  });
});
