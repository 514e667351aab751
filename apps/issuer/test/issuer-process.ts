// Shared by the cross-process tests: runs the compiled issuer (dist/main.js) as `pnpm start`
// would, on a free port on 127.0.0.1 with its own temp data dir. CI builds before testing; run
// `pnpm --filter @baton/issuer build` first when running these tests alone.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { freePort } from '@baton/testkit';

export const MAIN = path.join(__dirname, '..', 'dist', 'main.js');

/** Below the ephemeral range, so parallel suites' port-0 servers cannot take it first (@baton/testkit). */
export { freePort };

export interface IssuerProcess {
  /** `http://127.0.0.1:<port>`, also the issuer's `iss` (ISSUER_URL is left to its default). */
  base: string;
  port: number;
  dataDir: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then the exit code (idempotent). Removes the data dir if this helper made it. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** Extra environment (PORT, HOST, ISSUER_DATA_DIR are set by the helper). */
  env?: Record<string, string>;
  /** Use this data dir (kept on stop) instead of a fresh temp dir (removed on stop). */
  dataDir?: string;
}

/** Spawn dist/main.js and resolve once it logs `issuer listening`; rejects if it exits first. */
export async function startIssuer(options: StartOptions = {}): Promise<IssuerProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm --filter @baton/issuer build\` before this test`);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-proc-'));
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    })();
    return stopping;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes('issuer listening')) resolve();
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`issuer exited ${code} before listening:\n${output}`)));
      check();
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { base: `http://127.0.0.1:${port}`, port, dataDir, child, output: () => output, stop };
}
