// `scripts/audit-trail.mjs` over the real system's log lines: one invoke, followed by its request id
// (the `x-request-id` the workflow answered with) across the workflow, the issuer's token exchanges
// and the three agents.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startStack, type Stack } from './stack.js';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts/audit-trail.mjs');
const AGENTS = ['agent-research', 'agent-writer', 'agent-reviewer'] as const;

interface TrailEvent {
  time: string;
  service: string;
  event: string;
  decision: string;
  reason: string;
  sub: string | null;
  act: string | null;
  aud: string | null;
  scope: string | null;
  client_id: string | null;
  token_fp: string | null;
  issued_token_fp: string | null;
  request_id: string | null;
  trace_id: string | null;
}

let stack: Stack;
let tmp: string;
let logFile: string;
let requestId: string;
let token: string;

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function trail(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], { cwd: ROOT });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
  }
}

beforeAll(async () => {
  stack = await startStack();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'baton-audit-trail-'));
  // A fresh token: the workflow's exchange cache is keyed by the caller's token, so every agent's
  // token is exchanged (and the issuer's decision logged) during this run.
  token = await stack.token('alice');
  const res = await fetch(`${stack.urls.workflow}/workflow/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { topic: 'audit trails across services' } }),
  });
  expect(res.status).toBe(200);
  await res.json();
  requestId = res.headers.get('x-request-id')!;
  expect(requestId).toBeTruthy();
  // every service's lines reach us through the launcher's pipe: wait for the last agent's audit
  await until('the reviewer audit line', () =>
    stack.logs().some((l) => l.service === 'agent-reviewer' && l.audit === true && l.request_id === requestId),
  );
  logFile = path.join(tmp, 'stack.log');
  writeFileSync(logFile, `${stack.lines.join('\n')}\n`);
}, 120_000);

afterAll(async () => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  await stack?.stop();
});

describe('scripts/audit-trail.mjs on a real run', () => {
  let events: TrailEvent[];

  beforeAll(async () => {
    const out = await trail(['--request-id', requestId, '--json', logFile]);
    expect(out.code).toBe(0);
    events = JSON.parse(out.stdout) as TrailEvent[];
  });

  it('starts the chain with the workflow allowing alice herself (no act)', () => {
    expect(events[0]).toMatchObject({
      service: 'workflow',
      event: 'auth.decision',
      decision: 'allow',
      reason: 'ok',
      sub: 'alice',
      act: null,
      aud: 'baton-workflow',
    });
    expect(events[0]!.scope).toContain('workflow:invoke');
  });

  it("shows the issuer exchanging alice's token for each agent before that agent allows her, acting through the workflow", () => {
    for (const agent of AGENTS) {
      const exchange = events.findIndex((e) => e.service === 'issuer' && e.event === 'token.decision' && e.aud === agent);
      const allow = events.findIndex((e) => e.service === agent && e.event === 'auth.decision');
      expect({ agent, exchange: exchange > 0, allow: allow > 0 }).toEqual({ agent, exchange: true, allow: true });
      expect(exchange).toBeLessThan(allow);
      expect(events[exchange]).toMatchObject({ decision: 'allow', reason: 'ok', sub: 'alice', act: 'workflow', client_id: 'workflow' });
      expect(events[allow]).toMatchObject({ decision: 'allow', reason: 'ok', sub: 'alice', act: 'workflow', aud: agent });
    }
    // the agents are called in graph order: research, then write, then review
    const firstAllow = (agent: string) => events.findIndex((e) => e.service === agent);
    expect(firstAllow('agent-research')).toBeLessThan(firstAllow('agent-writer'));
    expect(firstAllow('agent-writer')).toBeLessThan(firstAllow('agent-reviewer'));
    // exactly one exchange per agent (the rest came from the exchange cache), no denials
    expect(
      events
        .filter((e) => e.service === 'issuer')
        .map((e) => e.aud)
        .sort(),
    ).toEqual([...AGENTS].sort());
    expect(events.filter((e) => e.decision !== 'allow')).toEqual([]);
  });

  it('links every hop by the same request id and trace id, and fingerprints the right tokens', () => {
    const traceId = events[0]!.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const e of events)
      expect({ service: e.service, request_id: e.request_id, trace_id: e.trace_id }).toEqual({
        service: e.service,
        request_id: requestId,
        trace_id: traceId,
      });
    // the workflow and the issuer saw the same subject token (alice's); the agents each saw another
    const userFp = events[0]!.token_fp;
    for (const e of events.filter((x) => x.service === 'issuer')) expect(e.token_fp).toBe(userFp);
    for (const agent of AGENTS) {
      const seen = events.find((e) => e.service === agent)!.token_fp;
      expect(seen).not.toBe(userFp);
      // the token the agent verified is the one the issuer minted for it
      expect(seen).toBe(events.find((e) => e.service === 'issuer' && e.aud === agent)!.issued_token_fp);
    }
  });

  it('prints a readable chain in order, and finds the same run by its trace id', async () => {
    const text = await trail(['--request-id', requestId, logFile]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toContain(`request_id=${requestId}`);
    expect(lines[1]).toMatch(/workflow\s+auth\.decision\s+allow\s+ok\s.*hop=user → workflow sub=alice act=- aud=baton-workflow/);
    expect(text.stdout).toMatch(
      /issuer\s+token\.decision\s+allow\s+ok\s.*hop=exchange → agent-research sub=alice act=workflow aud=agent-research scope=research:invoke client_id=workflow/,
    );
    expect(lines.at(-1)).toMatch(
      /^chain: user alice → workflow\(allow\) → exchange\(agent-research: allow\) → agent-research\(allow act=workflow\) → exchange\(agent-writer: allow\) → agent-writer\(allow act=workflow\)( → agent-writer\(allow act=workflow\))* → exchange\(agent-reviewer: allow\) → agent-reviewer\(allow act=workflow\)/,
    );
    // no token in what it prints: only fingerprints
    expect(text.stdout).not.toContain(token);
    expect(text.stdout).not.toContain(token.split('.')[2]!);

    const byTrace = await trail(['--trace-id', events[0]!.trace_id!, '--json', logFile]);
    expect(byTrace.code).toBe(0);
    expect(JSON.parse(byTrace.stdout)).toEqual(events);
  });

  it('reads stdin, and exits 1 for an unknown run and 2 without an id', async () => {
    const viaStdin = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = execFile(process.execPath, [SCRIPT, '--request-id', requestId, '--json'], { cwd: ROOT }, (err, stdout) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout });
      });
      child.on('error', reject);
      child.stdin!.end(`${stack.lines.join('\n')}\n`);
    });
    expect(viaStdin.code).toBe(0);
    expect(JSON.parse(viaStdin.stdout)).toEqual(events);

    const unknown = await trail(['--request-id', 'no-such-request', logFile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no audit events');
    expect((await trail([logFile])).code).toBe(2);
  });
});
