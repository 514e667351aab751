// The real system for the scripts in bench/: started with the launcher, each service its own
// process, and read from outside (logs, pids, /proc). Plain Node, no dependencies.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Ports already handed out by this process (never twice, even before their service binds them). */
const handedOut = new Set();

/**
 * A free loopback port below the ephemeral range (20000–32767): while the system starts, test
 * suites running in parallel open port-0 servers, which the kernel takes from the ephemeral range
 * only, so none can take this port before its service binds it (as @baton/testkit's freePort).
 */
export async function freePort() {
  for (let tries = 0; tries < 1_000; tries++) {
    const port = 20_000 + randomInt(12_768);
    if (handedOut.has(port)) continue;
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!free) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('freePort: no free port in 20000-32767');
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the system with the launcher (`scripts/start.mjs`) on free loopback ports and a throw-away
 * data directory, with `extraEnv` on top; collects every JSON log line and each service's latest pid
 * (from its own listening line, so a restarted service is followed).
 */
export async function startSystem(extraEnv = {}) {
  const names = ['workflow', 'research', 'writer', 'reviewer', 'issuer'];
  const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
  const env = { ...process.env, BATON_DATA_DIR: dataDir, WRITER_CHUNK_DELAY_MS: '2', BATON_RESTART_BACKOFF_MS: '200', ...extraEnv };
  for (const n of names) env[`${n.toUpperCase()}_PORT`] = String(ports[n]);
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sys = { child, dataDir, logs: [], pids: {}, url: (n) => `http://127.0.0.1:${ports[n]}`, stderr: '' };
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d.toString('utf8');
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      try {
        const rec = JSON.parse(buf.slice(0, i));
        sys.logs.push(rec);
        if (typeof rec.msg === 'string' && rec.msg.endsWith('listening') && rec.pid) sys.pids[rec.service] = rec.pid;
      } catch {
        // not a JSON line
      }
    }
  });
  child.stderr.on('data', (d) => (sys.stderr += d.toString('utf8')));
  const deadline = Date.now() + 90_000;
  while (!sys.logs.some((r) => r.msg === 'all services healthy')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the system did not come up\n${sys.stderr}`);
    await sleep(100);
  }
  return sys;
}

export async function stopSystem(sys) {
  if (sys.child.exitCode === null) {
    const exited = new Promise((r) => sys.child.once('exit', r));
    sys.child.kill('SIGTERM');
    await exited;
  }
  rmSync(sys.dataDir, { recursive: true, force: true });
}

export async function devToken(sys, user, ttl) {
  const res = await fetch(`${sys.url('issuer')}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, ...(ttl ? { ttl } : {}) }),
  });
  if (!res.ok) throw new Error(`dev token for ${user}: HTTP ${res.status}`);
  return (await res.json()).access_token;
}

export function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in ms; null once it is gone. */
export function cpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** `getconf CLK_TCK` on Linux is 100 on every mainstream kernel build. */
const CLOCK_TICKS = 100;
