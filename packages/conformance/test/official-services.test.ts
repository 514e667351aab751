// The official LangServe JS client (@langchain/core@0.3.80's RemoteRunnable) against the real
// services: the whole system started as users start it (`scripts/start.mjs`, each service its own
// process from its built dist/, so run `pnpm build` first) on free ports, with a throw-away data
// directory; alice's tokens come from the dev issuer's /dev/token. It checks what the official
// client makes of `stream_log` (the run rebuilt from JSON-patch ops equals `invoke`'s output, the
// child runs are seen, filters apply) and that every wire shape survives its reviver.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RemoteRunnable } from 'langchain-core-legacy/runnables/remote';
import { RunLog } from 'langchain-core-legacy/tracers/log_stream';
import { collectLines, freePorts } from '@baton/testkit';
import { devIssuerToken } from '@baton/testkit/oauth';

const ROOT = path.resolve(__dirname, '../../..');
const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

interface Stack {
  urls: { workflow: string; reviewer: string; issuer: string };
  stop(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const [workflow, research, writer, reviewer, issuer] = await freePorts(5);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-conformance-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      WORKFLOW_PORT: String(workflow),
      RESEARCH_PORT: String(research),
      WRITER_PORT: String(writer),
      REVIEWER_PORT: String(reviewer),
      ISSUER_PORT: String(issuer),
      BATON_DATA_DIR: dataDir,
      WRITER_CHUNK_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = collectLines(child.stdout!);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!lines.some((l) => l.includes('"all services healthy"'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the services did not come up (built? run pnpm build):\n${lines.slice(-20).join('\n')}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = (p: number | undefined) => `http://127.0.0.1:${p}`;
  return {
    urls: { workflow: url(workflow), reviewer: url(reviewer), issuer: url(issuer) },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let stack: Stack;
let workflow: RemoteRunnable<unknown, any, any>;
let reviewer: RemoteRunnable<unknown, any, any>;

beforeAll(async () => {
  stack = await startStack();
  const alice = await devIssuerToken(stack.urls.issuer, { user: 'alice' });
  const aliceForReviewer = await devIssuerToken(stack.urls.issuer, { user: 'alice', audience: 'agent-reviewer' });
  const client = (url: string, token: string) =>
    new RemoteRunnable({ url, options: { timeout: 30_000, headers: { Authorization: `Bearer ${token}` } } });
  workflow = client(`${stack.urls.workflow}/workflow`, alice);
  reviewer = client(`${stack.urls.reviewer}/reviewer`, aliceForReviewer);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

/** A report the reviewer sends back with one note of every rule kind (cite, length, cover). */
const REVIEW_INPUT = {
  topic: 'tidal energy',
  report: 'Short text citing [7].',
  sources: [{ id: 'a1', title: 'Tides', url: 'https://example.org/tides', excerpt: 'Tides move water.' }],
};

async function rebuiltLog(remote: RemoteRunnable<unknown, any, any>, input: unknown, filters: Record<string, string[]> = {}) {
  let log: any;
  const patches: unknown[] = [];
  for await (const patch of remote.streamLog(input, undefined, filters)) {
    patches.push(patch);
    log = log === undefined ? RunLog.fromRunLogPatch(patch) : log.concat(patch);
  }
  return { state: log.state as { final_output: unknown; streamed_output: unknown[]; logs: Record<string, any> }, patches };
}

describe('the official RemoteRunnable streamLog against the real services', () => {
  it('rebuilds the workflow run: the same final output as invoke, and every graph node as a child run', async () => {
    const input = { topic: 'tidal energy' };
    const invoked = await workflow.invoke(input);
    const { state, patches } = await rebuiltLog(workflow, input);
    expect(patches.length).toBeGreaterThan(2);
    expect(state.final_output).toEqual(invoked);
    expect(state.streamed_output.length).toBeGreaterThan(0);
    expect(Object.keys(state.logs)).toEqual(expect.arrayContaining(['research', 'write', 'review']));
    expect(state.logs.review.final_output).toBeDefined();
    expect(JSON.stringify(patches)).not.toMatch(TOKEN_LIKE);
  }, 60_000);

  it('applies include_names on the workflow: only the named child runs are logged', async () => {
    const { state } = await rebuiltLog(workflow, { topic: 'tidal energy' }, { includeNames: ['review'] });
    expect(Object.keys(state.logs).every((k) => k.startsWith('review'))).toBe(true);
    expect(Object.keys(state.logs).length).toBeGreaterThan(0);
  }, 60_000);

  it('rebuilds an agent run (the reviewer): the same final output as invoke', async () => {
    const invoked = await reviewer.invoke(REVIEW_INPUT);
    const { state } = await rebuiltLog(reviewer, REVIEW_INPUT);
    expect(state.final_output).toEqual(invoked);
  }, 60_000);

  it("hands the official client's user the reviewer's structured notes, not bare strings", async () => {
    const out = (await reviewer.invoke(REVIEW_INPUT)) as { notes: unknown[] };
    expect(out.notes.length).toBeGreaterThanOrEqual(2);
    for (const note of out.notes) {
      expect(Object.getPrototypeOf(note)).toBe(Object.prototype);
      expect(note).toEqual(expect.objectContaining({ kind: expect.any(String), message: expect.any(String) }));
    }
    expect(out.notes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'cite', source: 7, problem: 'outside' })]));
  }, 60_000);

  it("keeps the notes of the workflow's streamed review updates structured", async () => {
    const chunks: any[] = [];
    for await (const c of await workflow.stream({ topic: 'tidal energy' })) chunks.push(c);
    const reviews = chunks.filter((c) => c?.event === 'update' && c.node === 'review').map((c) => c.update.review);
    expect(reviews.length).toBeGreaterThan(0);
    const notes = reviews.flatMap((r) => r.notes as unknown[]);
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) expect(note).toEqual(expect.objectContaining({ kind: expect.any(String), message: expect.any(String) }));
  }, 60_000);
});
