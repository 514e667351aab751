// Starts the real system the way users do (`scripts/start.mjs`, each service its own process from
// its compiled dist/) on free ports with a throw-away data directory, and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectLines, freePort, freePorts } from '@baton/testkit';

export { freePort };

export const ROOT = path.resolve(__dirname, '../../..');

export interface Stack {
  urls: { workflow: string; research: string; writer: string; reviewer: string; issuer: string };
  dataDir: string;
  /** Every line the services wrote so far (JSON lines from all five processes). */
  lines: string[];
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  token(user: string, opts?: { audience?: string; scope?: string; ttl?: number }): Promise<string>;
  stop(): Promise<number | null>;
}

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  // A port given in `extraEnv` (e.g. to restart a stack on the same ports) is kept, else a free one
  // (five distinct ones: separate freePort calls may hand out one port twice).
  const free = await freePorts(5);
  const portOf = (name: string, i: number) => Number(extraEnv[`${name}_PORT`]) || free[i]!;
  const ports = {
    workflow: portOf('WORKFLOW', 0),
    research: portOf('RESEARCH', 1),
    writer: portOf('WRITER', 2),
    reviewer: portOf('REVIEWER', 3),
    issuer: portOf('ISSUER', 4),
  };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      WORKFLOW_PORT: String(ports.workflow),
      RESEARCH_PORT: String(ports.research),
      WRITER_PORT: String(ports.writer),
      REVIEWER_PORT: String(ports.reviewer),
      ISSUER_PORT: String(ports.issuer),
      BATON_DATA_DIR: dataDir,
      WRITER_CHUNK_DELAY_MS: '2',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  const lines = collectLines(child.stdout!);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  while (!lines.some((l) => l.includes('"all services healthy"'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stack did not come up:\n${lines.slice(-30).join('\n')}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = (p: number) => `http://127.0.0.1:${p}`;
  const urls = {
    workflow: base(ports.workflow),
    research: base(ports.research),
    writer: base(ports.writer),
    reviewer: base(ports.reviewer),
    issuer: base(ports.issuer),
  };
  return {
    urls,
    dataDir,
    lines,
    logs: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async token(user, opts = {}) {
      const res = await fetch(`${urls.issuer}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, ...opts }),
      });
      if (!res.ok) throw new Error(`dev token for ${user}: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Reads an SSE response into events, in order. */
export async function readSse(res: Response): Promise<Array<{ event: string; data: unknown; at: number }>> {
  const t0 = performance.now();
  const out: Array<{ event: string; data: unknown; at: number }> = [];
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith(':')) continue;
      const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
      const dataLines = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]);
      let data: unknown = null;
      if (dataLines.length) {
        try {
          data = JSON.parse(dataLines.join('\n'));
        } catch {
          data = dataLines.join('\n');
        }
      }
      out.push({ event, data, at: performance.now() - t0 });
    }
  }
  return out;
}
