// The load-and-drill script's short version (bench/drill.mjs, README "Load and fault drill"): ten
// seconds of mixed traffic from five users with bad tokens and clients that leave, while the writer
// is killed and the issuer stopped. It asserts the invariants, never the rates: no audit line names
// another caller, no bad token served, no status outside the documented ones, no run left active
// on an agent after its caller left, every service healthy at the end.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './stack.js';

interface DrillReport {
  requests: number;
  failures: string[];
  identities: { checked: number; mixed: unknown[] };
  runs_active_after_settle: Record<string, unknown>;
  healthy_at_end: Record<string, boolean>;
  by_kind: Record<string, Record<string, number>>;
}

function drill(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/drill.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

jest.setTimeout(240_000);

it('holds every invariant under ten seconds of load and faults', async () => {
  const { code, stdout, stderr } = await drill(['--seconds', '10', '--json', '--check']);
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as DrillReport;
  expect({ failures: report.failures, stderr: code === 0 ? '' : stderr }).toEqual({ failures: [], stderr: '' });
  expect(code).toBe(0);
  // The checks saw real traffic: requests of every kind, audit lines matched to their callers,
  // each agent's gauge read (a number, not "unreachable").
  expect(Object.keys(report.by_kind)).toEqual(expect.arrayContaining(['invoke', 'stream', 'batch']));
  expect(report.identities.checked).toBeGreaterThan(0);
  expect(Object.values(report.runs_active_after_settle)).toEqual([0, 0, 0]);
  expect(Object.values(report.healthy_at_end).every(Boolean)).toBe(true);
});

it('refuses bad options with a usage message', async () => {
  const { code, stderr } = await drill(['--seconds', '0']);
  expect(code).toBe(2);
  expect(stderr).toMatch(/--seconds must be a positive number/);
});
