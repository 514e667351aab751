// `pnpm start` when one service cannot start: the launcher stops everything it started, exits 1,
// and never announces a healthy system.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT } from './stack.js';

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

it('stops every service it started and exits 1 when an agent cannot bind its port', async () => {
  const taken = http.createServer((_req, res) => res.end('not baton'));
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const researchPort = (taken.address() as net.AddressInfo).port;
  const ports = { issuer: await freePort(), writer: await freePort(), reviewer: await freePort(), workflow: await freePort() };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-launcher-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BATON_DATA_DIR: dataDir,
      ISSUER_PORT: String(ports.issuer),
      RESEARCH_PORT: String(researchPort),
      WRITER_PORT: String(ports.writer),
      REVIEWER_PORT: String(ports.reviewer),
      WORKFLOW_PORT: String(ports.workflow),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  taken.close();
  rmSync(dataDir, { recursive: true, force: true });

  expect(code).toBe(1);
  expect(out).toContain('exited unexpectedly');
  expect(out).not.toContain('all services healthy');
  expect(out).not.toContain('Baton is up');
  // nothing left behind: every port the launcher used is free again
  for (const port of Object.values(ports)) expect(await canBind(port)).toBe(true);
}, 90_000);
