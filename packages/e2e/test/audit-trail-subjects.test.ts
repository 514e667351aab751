// `scripts/audit-trail.mjs` flags a run whose audit events carry more than one `sub` (exit 3):
// a run is one user's, so a second subject means someone's hop was spliced into it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './stack.js';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts/audit-trail.mjs');
let tmp: string;
beforeAll(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'baton-trail-subjects-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const line = (service: string, sub: string, requestId: string) =>
  JSON.stringify({
    audit: true,
    event: 'auth.decision',
    service,
    decision: 'allow',
    reason: 'ok',
    sub,
    act: service === 'workflow' ? null : { sub: 'workflow' },
    request_id: requestId,
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    time: new Date().toISOString(),
  });

async function trail(lines: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = path.join(tmp, `${lines.length}-${Math.random()}.log`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, '--request-id', 'run-1', file]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('audit-trail: one subject per run', () => {
  it('exits 0 for a run whose events all carry one sub', async () => {
    const r = await trail([line('workflow', 'alice', 'run-1'), line('agent-research', 'alice', 'run-1')]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('MIXED SUBJECTS');
  });

  it('flags MIXED SUBJECTS and exits 3 when a run carries a second sub', async () => {
    const r = await trail([line('workflow', 'alice', 'run-1'), line('agent-research', 'mallory', 'run-1')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MIXED SUBJECTS');
    expect(r.stdout).toContain('MIXED SUBJECTS: alice, mallory');
  });
});
