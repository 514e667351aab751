// Child processes for the cross-process tests: a Baton entry point (scripts/start.mjs, an app's
// dist/main.js) run from the repository root with its output collected line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { collectLines } from '@baton/testkit';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface Proc {
  child: ChildProcess;
  lines: string[];
  logs(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = collectLines(child.stdout!);
  collectLines(child.stderr!, lines);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    lines,
    logs: () => lines.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : [])),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `probe` until it gives a value; fails after 60 s or when `p` exits, with its last lines. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, p?: Proc): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline || (p && p.child.exitCode !== null)) throw new Error(`${what}:\n${p?.lines.slice(-20).join('\n') ?? ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
