#!/usr/bin/env node
// `pnpm run example`: the bring-your-own example (examples/bring-your-own) as a team would run it,
// outside the repository, on the published packages:
//   1. the library packages built and packed (scripts/packages.mjs, as check-packages does), or the
//      tarballs of an earlier `check-packages --pack-destination=<dir>` with `--tarballs=<dir>`;
//   2. the example copied into a fresh folder under the system temp folder, its @baton
//      dependencies rewritten to the tarballs, `npm install`ed, compiled with its own `tsc`;
//   3. the dev issuer (the installed `baton-issuer` bin), the agent (dist/agent.js) and the
//      workflow (dist/main.js) started as processes on free 127.0.0.1 ports;
//   4. a token for alice from the issuer's /dev/token, `POST /notes/invoke`, the result checked;
//      the agent's audit line names alice as `sub` and the workflow as `act`; alice's own token
//      is refused by the agent; no log line of any process holds a token or the client secret.
// Exits 1 on any failure; stops its processes and removes its temp folder (`--keep` keeps it).
// `--skip-build` trusts dist/.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages, npmInstall, packAll, packedIn, publishablePackages, run } from './packages.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(root, 'examples', 'bring-your-own');
const argv = process.argv.slice(2);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const USER = 'alice';
const TEXT = `  Baton carries the user through every hop.   The workflow exchanges the user's token for one
  minted for each agent alone. Lunch was good today. Each agent verifies the token and writes an audit line
  naming the user and the workflow.  `;
/** The two sentences the summarizer picks from TEXT (most frequent words, original order). */
const SUMMARY =
  "The workflow exchanges the user's token for one minted for each agent alone. Each agent verifies the token and writes an audit line naming the user and the workflow.";

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** The tarballs: reused from `--tarballs=<dir>`, else built and packed into `tmp`. */
function tarballs(tmp) {
  const publishable = publishablePackages(root);
  if (option('tarballs')) return packedIn(publishable, option('tarballs'));
  if (!argv.includes('--skip-build')) buildPackages(root, publishable);
  const dest = path.join(tmp, 'tarballs');
  mkdirSync(dest);
  return packAll(publishable, dest);
}

/** The example copied out of the repository, installed from the tarballs and compiled. */
function install(tmp, packed) {
  const project = path.join(tmp, 'bring-your-own');
  cpSync(EXAMPLE, project, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
  const manifest = JSON.parse(readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8'));
  console.log(`example: npm install in ${project} (${packed.length} tarballs)`);
  npmInstall(project, manifest, packed);
  const tsc = run(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: project });
  if (tsc.status !== 0) throw new Error(`tsc failed in the example:\n${tsc.out}`);
  console.log('example: compiled with its own tsc');
  return project;
}

/** A process of the example: its output kept (every line, for the checks) and its exit noted. */
function start(name, cmd, args, { cwd, env }) {
  const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child, out: '', exited: null };
  child.stdout.on('data', (d) => (proc.out += d));
  child.stderr.on('data', (d) => (proc.out += d));
  child.on('exit', (code, signal) => (proc.exited = signal ?? code));
  return proc;
}

async function waitReady(proc, url, deadlineMs = 60_000) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (proc.exited !== null) throw new Error(`${proc.name} exited (${proc.exited}):\n${proc.out}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${proc.name} not ready at ${url} within ${deadlineMs} ms:\n${proc.out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(proc) {
  if (proc.exited !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The issuer, the agent and the workflow, each on a free port, ready. */
async function startAll(project, tmp, procs) {
  const [issuerPort, agentPort, workflowPort] = [await freePort(), await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${issuerPort}`;
  const agentUrl = `http://127.0.0.1:${agentPort}/summarizer`;
  const secret = randomBytes(32).toString('base64url');
  const common = { HOST: '127.0.0.1', ISSUER_URL: issuer };
  procs.push(
    start('issuer', path.join(project, 'node_modules', '.bin', 'baton-issuer'), [], {
      cwd: project,
      env: {
        ...common,
        PORT: String(issuerPort),
        ISSUER_DATA_DIR: path.join(tmp, 'issuer'),
        WORKFLOW_CLIENT_ID: 'notes',
        WORKFLOW_CLIENT_SECRET: secret,
        WORKFLOW_AUDIENCE: 'notes-workflow',
        WORKFLOW_SCOPE: 'notes:invoke',
        AGENT_AUDIENCES: 'agent-summarizer=summarizer:invoke',
        AGENT_RESOURCES: `agent-summarizer=${agentUrl}`,
      },
    }),
  );
  await waitReady(procs[0], `${issuer}/readyz`);
  const agentEnv = { ...common, PORT: String(agentPort), ALLOWED_ACTORS: 'notes' }; // production's default: the trusted actors
  procs.push(start('agent', process.execPath, ['dist/agent.js'], { cwd: project, env: agentEnv }));
  const workflowEnv = { ...common, PORT: String(workflowPort), WORKFLOW_CLIENT_SECRET: secret, SUMMARIZER_URL: agentUrl };
  procs.push(start('workflow', process.execPath, ['dist/main.js'], { cwd: project, env: { ...workflowEnv, CHECKPOINTER: 'memory' } }));
  await waitReady(procs[1], `http://127.0.0.1:${agentPort}/readyz`);
  await waitReady(procs[2], `http://127.0.0.1:${workflowPort}/readyz`);
  console.log(`example: issuer ${issuer}, agent ${agentUrl}, workflow http://127.0.0.1:${workflowPort}/notes`);
  return { issuer, agentUrl, workflow: `http://127.0.0.1:${workflowPort}/notes`, secret };
}

async function post(url, body, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const jsonLines = (text) =>
  text.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });

/** The run itself and what must hold; returns the problems found. */
async function exercise(urls, procs) {
  const problems = [];
  const check = (ok, what) => ok || problems.push(what);
  const minted = await post(`${urls.issuer}/dev/token`, { user: USER });
  if (typeof minted.body?.access_token !== 'string') throw new Error(`/dev/token answered ${minted.status}`);
  const token = minted.body.access_token;
  const res = await post(`${urls.workflow}/invoke`, { input: { text: TEXT } }, token);
  check(res.status === 200, `POST /notes/invoke answered ${res.status}: ${JSON.stringify(res.body)}`);
  const output = res.body?.output ?? {};
  check(output.summary === SUMMARY, `summary is ${JSON.stringify(output.summary)}, want ${JSON.stringify(SUMMARY)}`);
  check(output.words === 40, `prepare counted ${output.words} words, want 40`);
  const direct = await post(`${urls.agentUrl}/invoke`, { input: { text: TEXT } }, token);
  check(direct.status === 401, `the agent answered ${direct.status} to the user's own token (want 401: not its audience)`);
  const audits = jsonLines(procs[1].out).filter((l) => l.audit === true && l.event === 'auth.decision');
  const allow = audits.find((l) => l.decision === 'allow');
  check(allow?.sub === USER, `the agent's allow audit line names sub ${JSON.stringify(allow?.sub)}, want ${USER}`);
  check(allow?.act?.sub === 'notes', `the agent's allow audit line names act ${JSON.stringify(allow?.act)}, want {sub: notes}`);
  check(JSON.stringify(allow?.aud) === '["agent-summarizer"]', `the agent's token had aud ${JSON.stringify(allow?.aud)}`);
  const own = jsonLines(procs[2].out).find((l) => l.audit === true && l.decision === 'allow');
  check(own?.sub === USER && own?.act === null, `the workflow's allow audit line: sub ${own?.sub}, act ${JSON.stringify(own?.act)}`);
  for (const p of procs) {
    check(!p.out.includes(token), `${p.name}'s log holds the user's token`);
    check(!p.out.includes(urls.secret), `${p.name}'s log holds the workflow's client secret`);
    check(!/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/.test(p.out), `${p.name}'s log holds a JWT`);
  }
  if (problems.length === 0)
    console.log(`example: ${USER}'s run summarized; the agent audited sub=${allow.sub} act=${allow.act.sub} aud=${allow.aud}`);
  return problems;
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'baton-example-'));
  const procs = [];
  let problems = [];
  try {
    const project = install(tmp, tarballs(tmp));
    problems = await exercise(await startAll(project, tmp, procs), procs);
  } finally {
    for (const p of [...procs].reverse()) await stop(p);
    if (argv.includes('--keep')) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    const logs = procs.map((p) => `--- ${p.name} ---\n${p.out}`).join('\n');
    throw new Error(`${problems.length} problem(s)\n${problems.map((p) => `  ✗ ${p}`).join('\n')}\n${logs}`);
  }
  console.log('example: passed');
}

main().catch((e) => {
  console.error(`example: ${e?.message ?? e}`);
  process.exit(1);
});
