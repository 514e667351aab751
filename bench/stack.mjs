#!/usr/bin/env node
// `node bench/stack.mjs [--quick] [--sections 1,4,5,6,7] [--soak SECONDS]` (run by `pnpm bench`;
// build first): the benchmarks of issue 18 on the real processes, each started here on free
// loopback ports and stopped after (bench/system.mjs). Every figure is a ratio against a baseline
// measured in the same run, in interleaved rounds; see bench/README.md for what each row means.
//
//   (1) the whole stack (writer pacing off) vs the hand-written undici chain (bench/baseline-chain.mjs)
//       at concurrency 1, 8 and 32: req/s, the median of per-round ratios, p50/p99, CPU per run
//   (4) time to the first writer token through /workflow/stream vs the minimal research → writer
//       chain, and the RSS an idle stream holds vs a bare Express SSE connection
//   (5) threaded (SQLite checkpoints) vs unthreaded runs: workflow CPU and time per run
//   (7) a CPU profile of the workflow under load (--cpu-prof), self time grouped by layer
//   --soak N: N seconds at concurrency 16, RSS of every service every 10 s, slope over the second half
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chain } from './baseline-chain.mjs';
import { fmt, formatTable, groupProfile, median, medianRatio, percentile, secondHalf, slope } from './stats.mjs';
import { cpuMs, devToken, rssKiB, sleep, startSystem, stopSystem } from './system.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(dir, '..');
const { request, Agent } = createRequire(path.join(root, 'packages/remote/package.json'))('undici');
const TOPIC = 'oauth token exchange';

function parseArgs(argv) {
  const opts = { quick: false, sections: ['1', '4', '5', '7'], soak: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--sections') opts.sections = String(argv[++i]).split(',');
    else if (a === '--soak') opts.soak = Number(argv[++i]);
    else throw new Error(`unknown option ${a} (usage: stack [--quick] [--sections 1,4,5,6,7] [--soak SECONDS])`);
  }
  if (Number.isNaN(opts.soak) || opts.soak < 0) throw new Error('--soak must be a number of seconds');
  return opts;
}

/** Quick: enough to see every row (3 rounds, short), full: the issue's figures (5 rounds of 10 s). */
const plan = (quick) =>
  quick
    ? { rounds: 3, seconds: 2, concurrency: [1, 8, 32], seqRuns: 10, ttftRuns: 8, idleStreams: 40, profileSeconds: 4 }
    : { rounds: 5, seconds: 10, concurrency: [1, 8, 32], seqRuns: 40, ttftRuns: 25, idleStreams: 200, profileSeconds: 15 };

/**
 * The system as `pnpm start` runs it (LOG_LEVEL=info, as the issue measured), `MAX_RUNS_PER_USER`
 * raised so one user's load is not refused; its log lines are dropped as they come (a long run
 * would otherwise hold them all in this process).
 */
async function startBench(env) {
  const sys = await startSystem({
    MAX_RUNS_PER_USER: '10000',
    MAX_RUNS_TOTAL: '100000',
    THREAD_QUOTA_PER_USER: '1000000', // section (5) makes a thread per run
    LOG_LEVEL: 'info',
    ...env,
  });
  sys.child.stdout.on('data', () => (sys.logs.length = 0));
  return sys;
}

const dispatcher = new Agent({ keepAliveTimeout: 4_000, connections: 512 });

async function postJson(url, token, body) {
  const res = await request(url, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  return text;
}

/** Closed-loop load: `concurrency` callers for `seconds`; completed calls, errors and latencies (ms). */
async function load(call, concurrency, seconds) {
  const until = performance.now() + seconds * 1000;
  const lat = [];
  let errors = 0;
  let firstError = null;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          await call();
          lat.push(performance.now() - t0);
        } catch (err) {
          errors += 1;
          firstError ??= err;
          await sleep(50);
        }
      }
    }),
  );
  if (lat.length === 0 && firstError) throw firstError;
  return {
    count: lat.length,
    errors,
    firstError: firstError && String(firstError.message ?? firstError).slice(0, 200),
    lat,
    perSec: lat.length / seconds,
  };
}

/** Runs a() and b() one after the other, b first in odd rounds (a drift in the machine's load favours neither); [a's, b's]. */
async function alternate(round, a, b) {
  if (round % 2 === 0) {
    const x = await a();
    return [x, await b()];
  }
  const y = await b();
  return [await a(), y];
}

/** CPU ms each of `pids` spent while `fn` ran, divided by the calls it completed. */
async function withCpu(pids, fn) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const out = await fn();
  const per = {};
  for (const [k, pid] of Object.entries(pids)) per[k] = out.count > 0 ? (cpuMs(pid) - before[k]) / out.count : NaN;
  return { ...out, cpu: per };
}

async function agentTokens(sys, user) {
  const t = {};
  for (const key of ['research', 'writer', 'reviewer']) {
    const res = await fetch(`${sys.url('issuer')}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, audience: `agent-${key}`, ttl: 3600 }),
    });
    if (!res.ok) throw new Error(`agent token for ${key}: HTTP ${res.status}`);
    t[key] = (await res.json()).access_token;
  }
  return t;
}

const agentUrls = (sys) => ({
  research: `${sys.url('research')}/research`,
  writer: `${sys.url('writer')}/writer`,
  reviewer: `${sys.url('reviewer')}/reviewer`,
});

function forkChild(file, env = {}) {
  const child = fork(path.join(dir, file), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it listened`)));
  });
  return { child, ready, stop: () => child.connected && child.disconnect() };
}

const underLoad = () => {
  const [l1] = os.loadavg();
  return `load average ${l1.toFixed(1)} on ${os.cpus().length} cores${l1 > os.cpus().length ? ' (machine busy: read ratios, not absolutes)' : ''}`;
};

/** Section (1): interleaved rounds of the stack and the baseline at each concurrency. */
async function stackVsBaseline(sys, p) {
  const token = await devToken(sys, 'alice', 3600);
  const base = forkChild('baseline-chain.mjs', {
    BENCH_BASELINE: JSON.stringify({ urls: agentUrls(sys), tokens: await agentTokens(sys, 'alice') }),
  });
  try {
    const basePort = await base.ready;
    const stackCall = () => postJson(`${sys.url('workflow')}/workflow/invoke`, token, { input: { topic: TOPIC } });
    const baseCall = () => postJson(`http://127.0.0.1:${basePort}/invoke`, null, { input: { topic: TOPIC } });
    const agents = { research: sys.pids['agent-research'], writer: sys.pids['agent-writer'], reviewer: sys.pids['agent-reviewer'] };
    await load(stackCall, 4, 1); // warm-up: JIT, pools, the exchange cache
    await load(baseCall, 4, 1);
    const rows = [];
    for (const c of p.concurrency) {
      const s = [];
      const b = [];
      for (let r = 0; r < p.rounds; r++) {
        const runStack = () =>
          withCpu({ workflow: sys.pids.workflow, issuer: sys.pids.issuer, ...agents }, () => load(stackCall, c, p.seconds));
        const runBase = () => withCpu({ caller: base.child.pid, ...agents }, () => load(baseCall, c, p.seconds));
        const [x, y] = await alternate(r, runStack, runBase);
        s.push(x);
        b.push(y);
      }
      rows.push(summarizeRounds(c, s, b));
    }
    return rows;
  } finally {
    base.stop();
  }
}

function summarizeRounds(concurrency, s, b) {
  const cpu = (rounds, k) => median(rounds.map((x) => x.cpu[k]));
  return {
    concurrency,
    stack: median(s.map((x) => x.perSec)),
    base: median(b.map((x) => x.perSec)),
    ratio: medianRatio(
      s.map((x) => x.perSec),
      b.map((x) => x.perSec),
    ),
    p50: percentile(
      s.flatMap((x) => x.lat),
      50,
    ),
    p99: percentile(
      s.flatMap((x) => x.lat),
      99,
    ),
    errors: s.reduce((n, x) => n + x.errors, 0) + b.reduce((n, x) => n + x.errors, 0),
    firstError: [...s, ...b].find((x) => x.firstError)?.firstError ?? null,
    cpu: {
      workflow: cpu(s, 'workflow'),
      issuer: cpu(s, 'issuer'),
      caller: cpu(b, 'caller'),
      research: cpu(s, 'research'),
      writer: cpu(s, 'writer'),
      reviewer: cpu(s, 'reviewer'),
      baseAgents: cpu(b, 'research') + cpu(b, 'writer') + cpu(b, 'reviewer'),
    },
  };
}

function printStackVsBaseline(rows) {
  console.log('\n## (1) whole stack vs hand-written undici chain (POST /workflow/invoke, writer pacing off)\n');
  console.log(
    formatTable(
      ['concurrency', 'Baton req/s', 'baseline req/s', 'ratio', 'Baton p50 / p99 ms', 'errors'],
      rows.map((r) => [r.concurrency, fmt(r.stack), fmt(r.base), fmt(r.ratio, 2), `${fmt(r.p50, 0)} / ${fmt(r.p99, 0)}`, r.errors]),
    ),
  );
  for (const r of rows) if (r.firstError) console.log(`concurrency ${r.concurrency}, first error: ${r.firstError}`);
  console.log('\nCPU ms per run (/proc, medians of the rounds):\n');
  console.log(
    formatTable(
      ['concurrency', 'workflow', 'baseline caller', 'issuer', 'research', 'writer', 'reviewer', 'agents (baseline)'],
      rows.map((r) => [
        r.concurrency,
        fmt(r.cpu.workflow, 2),
        fmt(r.cpu.caller, 2),
        fmt(r.cpu.issuer, 2),
        fmt(r.cpu.research, 2),
        fmt(r.cpu.writer, 2),
        fmt(r.cpu.reviewer, 2),
        fmt(r.cpu.baseAgents, 2),
      ]),
    ),
  );
}

/** Section (5): threaded (a new SQLite thread per run) vs unthreaded runs, one at a time, interleaved. */
async function threadedVsUnthreaded(sys, p) {
  const token = await devToken(sys, 'alice', 3600);
  const call = (threaded) => () =>
    postJson(`${sys.url('workflow')}/workflow/invoke`, token, {
      input: { topic: TOPIC },
      ...(threaded ? { config: { configurable: { thread_id: `bench-${Math.random().toString(36).slice(2)}` } } } : {}),
    });
  const seq = async (fn) => {
    const t0 = performance.now();
    for (let i = 0; i < p.seqRuns; i++) await fn();
    return { count: p.seqRuns, perSec: p.seqRuns / ((performance.now() - t0) / 1000) };
  };
  const t = [];
  const u = [];
  for (let r = 0; r < p.rounds; r++) {
    const a = () => withCpu({ workflow: sys.pids.workflow }, () => seq(call(true)));
    const b = () => withCpu({ workflow: sys.pids.workflow }, () => seq(call(false)));
    const [x, y] = await alternate(r, a, b);
    t.push(x);
    u.push(y);
  }
  const cpuT = t.map((x) => x.cpu.workflow);
  const cpuU = u.map((x) => x.cpu.workflow);
  console.log('\n## (5) threaded (SQLite) vs unthreaded runs, one at a time\n');
  console.log(
    formatTable(
      ['', 'threaded', 'unthreaded', 'ratio'],
      [
        ['workflow CPU ms/run', fmt(median(cpuT), 2), fmt(median(cpuU), 2), fmt(medianRatio(cpuT, cpuU), 2)],
        [
          'ms per run (wall)',
          fmt(1000 / median(t.map((x) => x.perSec)), 1),
          fmt(1000 / median(u.map((x) => x.perSec)), 1),
          fmt(
            medianRatio(
              u.map((x) => x.perSec),
              t.map((x) => x.perSec),
            ),
            2,
          ),
        ],
      ],
    ),
  );
}

/** Opens a stream; resolves { firstMs, close } once its body holds `marker` (the first writer delta). */
async function openStream(url, token, body, marker) {
  const ctl = new AbortController();
  const t0 = performance.now();
  const res = await request(url, {
    method: body ? 'POST' : 'GET',
    dispatcher,
    signal: ctl.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
  let seen = '';
  const firstMs = await new Promise((resolve, reject) => {
    res.body.on('error', reject);
    res.body.on('end', () => reject(new Error(`${url}: the stream ended before ${marker}`)));
    res.body.on('data', (piece) => {
      if (seen === null) return; // past the marker: read on, keep nothing
      seen += piece.toString('utf8');
      if (seen.includes(marker)) {
        seen = null;
        resolve(performance.now() - t0);
      }
    });
  });
  res.body.removeAllListeners('error');
  res.body.removeAllListeners('end');
  res.body.on('error', () => {});
  return { firstMs, close: () => ctl.abort() };
}

/** Section (4a): first writer token, /workflow/stream vs research → writer called directly, interleaved. */
async function firstToken(sys, p) {
  const token = await devToken(sys, 'alice', 3600);
  const b = { urls: agentUrls(sys), tokens: await agentTokens(sys, 'alice') };
  const viaWorkflow = async () => {
    const s = await openStream(`${sys.url('workflow')}/workflow/stream`, token, { input: { topic: TOPIC } }, '"delta"');
    s.close();
    return s.firstMs;
  };
  const direct = async () => {
    const ctl = { t0: performance.now(), first: NaN };
    // The chain reads the writer's whole stream; only the first chunk's time counts (pacing makes the rest slow).
    await new Promise((resolve, reject) => {
      chain(b, TOPIC, () => resolve((ctl.first = performance.now() - ctl.t0))).catch(reject);
    });
    return ctl.first;
  };
  await viaWorkflow();
  await direct();
  const w = [];
  const d = [];
  for (let i = 0; i < p.ttftRuns; i++) {
    const [x, y] = await alternate(i, viaWorkflow, direct);
    w.push(x);
    d.push(y);
  }
  const diffs = w.map((x, i) => x - d[i]);
  return { workflow: median(w), direct: median(d), extra: median(diffs) };
}

/** Section (4b): RSS per idle stream (past its first writer chunk) vs a bare Express SSE connection. */
async function idleStreams(sys, p) {
  const token = await devToken(sys, 'alice', 3600);
  const bare = forkChild('sse-bare.mjs');
  try {
    const barePort = await bare.ready;
    const measureOne = async (pid, open) => {
      const rest = rssKiB(pid);
      const streams = [];
      for (let i = 0; i < p.idleStreams; i += 10) streams.push(...(await Promise.all(Array.from({ length: 10 }, open))));
      await sleep(500);
      const held = rssKiB(pid);
      for (const s of streams) s.close();
      return { rest, held, perStream: (held - rest) / streams.length };
    };
    const bareOpen = () => openStream(`http://127.0.0.1:${barePort}/sse`, null, null, '"delta"');
    const wfOpen = () => openStream(`${sys.url('workflow')}/workflow/stream`, token, { input: { topic: TOPIC } }, '"delta"');
    await measureOne(bare.child.pid, bareOpen); // warm-up of the bare server (its first connections grow the heap)
    const b = await measureOne(bare.child.pid, bareOpen);
    const w = await measureOne(sys.pids.workflow, wfOpen);
    await sleep(p.idleStreams >= 200 ? 10_000 : 3_000);
    return { bare: b, workflow: w, workflowAfter: rssKiB(sys.pids.workflow) };
  } finally {
    bare.stop();
  }
}

async function streamsSection(p) {
  // Pacing 2 s between the writer's chunks: a stream past its first chunk then stays idle.
  const sys = await startBench({
    WRITER_CHUNK_DELAY_MS: '2000',
    STREAM_RESUME_MAX_RUNS_PER_USER: '100000',
    STREAM_RESUME_MAX_RUNS: '100000',
  });
  try {
    const t = await firstToken(sys, p);
    const m = await idleStreams(sys, p);
    console.log('\n## (4) first writer token and idle-stream memory (writer pacing 2 s)\n');
    console.log(
      formatTable(
        ['', 'Baton', 'baseline', 'difference / ratio'],
        [
          [`first writer token ms (median of ${p.ttftRuns})`, fmt(t.workflow, 1), fmt(t.direct, 1), `+${fmt(t.extra, 1)} ms`],
          [
            `RSS KiB per idle stream (N = ${p.idleStreams})`,
            fmt(m.workflow.perStream, 0),
            fmt(m.bare.perStream, 0),
            `${fmt(m.workflow.perStream / m.bare.perStream, 1)}x`,
          ],
        ],
      ),
    );
    console.log(
      `\nbaseline: research invoke then the writer's stream, from this process; bare Express SSE in its own process.` +
        `\nworkflow RSS MiB: at rest ${fmt(m.workflow.rest / 1024)}, ${p.idleStreams} streams open ${fmt(m.workflow.held / 1024)}, ` +
        `after they closed ${fmt(m.workflowAfter / 1024)}`,
    );
  } finally {
    await stopSystem(sys);
  }
}

/** bench/cpu-prof.mjs with where to write (`dir`) and which process profiles itself (`match`) as its query. */
function profilerUrl(profDir, match) {
  const url = pathToFileURL(path.join(dir, 'cpu-prof.mjs'));
  url.searchParams.set('dir', profDir);
  url.searchParams.set('match', match);
  return url.href;
}

/** Section (7): the workflow under load at concurrency 8, profiled (bench/cpu-prof.mjs); self time by layer. */
async function profileSection(p) {
  const profDir = mkdtempSync(path.join(os.tmpdir(), 'baton-prof-'));
  const sys = await startBench({
    WRITER_CHUNK_DELAY_MS: '0',
    // Its settings ride in the module's URL: pnpm start passes each service only its own variables.
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ''} --import=${profilerUrl(profDir, `${path.sep}apps${path.sep}workflow${path.sep}`)}`.trim(),
  });
  const pid = sys.pids.workflow;
  let runs;
  try {
    const token = await devToken(sys, 'alice', 3600);
    const call = () => postJson(`${sys.url('workflow')}/workflow/invoke`, token, { input: { topic: TOPIC } });
    await load(call, 4, 2);
    process.kill(pid, 'SIGUSR2'); // bench/cpu-prof.mjs starts the profiler: the warm-up stays out
    runs = (await load(call, 8, p.profileSeconds)).count;
  } finally {
    await stopSystem(sys); // each service writes its profile as it exits
  }
  try {
    const file = readdirSync(profDir).find((f) => f === `${pid}.cpuprofile`);
    if (!file) throw new Error(`no profile of the workflow (pid ${pid}) in ${profDir}`);
    const groups = groupProfile(JSON.parse(readFileSync(path.join(profDir, file), 'utf8')), 3);
    console.log(`\n## (7) CPU profile of the workflow, ${runs} runs at concurrency 8 (self time by layer)\n`);
    console.log(
      formatTable(
        ['layer', 'share', 'heaviest functions'],
        groups
          .filter((g) => g.share >= 0.005)
          .map((g) => [g.layer, `${fmt(g.share * 100)} %`, g.top.map((t) => `${t.name} ${fmt(t.share * 100)}%`).join(', ')]),
      ),
    );
  } finally {
    rmSync(profDir, { recursive: true, force: true });
  }
}

/** Mixed invoke / stream load for `seconds` at concurrency 16; RSS every 10 s; then 60 s idle. */
async function soak(seconds) {
  const sys = await startBench({ WRITER_CHUNK_DELAY_MS: '0' });
  try {
    const token = await devToken(sys, 'alice', 3600);
    const names = Object.keys(sys.pids);
    const rss = () => Object.fromEntries(names.map((n) => [n, rssKiB(sys.pids[n])]));
    const atRest = rss();
    const samples = [];
    const t0 = performance.now();
    const timer = setInterval(() => samples.push([(performance.now() - t0) / 60_000, rss()]), 10_000);
    let i = 0;
    const call = () =>
      i++ % 2
        ? postJson(`${sys.url('workflow')}/workflow/invoke`, token, { input: { topic: TOPIC } })
        : postJson(`${sys.url('workflow')}/workflow/stream`, token, { input: { topic: TOPIC } });
    const done = await load(call, 16, seconds);
    clearInterval(timer);
    const end = rss();
    await sleep(60_000);
    const idle = rss();
    console.log(`\n## soak: ${seconds} s at concurrency 16 (${done.count} runs, ${done.errors} errors), RSS every 10 s\n`);
    console.log(
      formatTable(
        ['service', 'at rest MiB', 'end of load MiB', 'slope 2nd half MiB/min', 'after 60 s idle MiB', 'idle / rest'],
        names.map((n) => [
          n,
          fmt(atRest[n] / 1024),
          fmt(end[n] / 1024),
          fmt(slope(secondHalf(samples).map(([t, r]) => [t, r[n] / 1024])), 2),
          fmt(idle[n] / 1024),
          fmt(idle[n] / atRest[n], 2),
        ]),
      ),
    );
  } finally {
    await stopSystem(sys);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(`bench/stack.mjs${opts.quick ? ' --quick' : ''}: ${underLoad()}`);
  if (opts.soak > 0) return soak(opts.soak);
  const p = plan(opts.quick);
  const want = (s) => opts.sections.includes(s);
  if (want('1') || want('5')) {
    const sys = await startBench({ WRITER_CHUNK_DELAY_MS: '0' });
    try {
      if (want('1')) printStackVsBaseline(await stackVsBaseline(sys, p));
      if (want('5')) await threadedVsUnthreaded(sys, p);
    } finally {
      await stopSystem(sys);
    }
  }
  if (want('4')) await streamsSection(p);
  if (want('7')) await profileSection(p);
  console.log(`\n${underLoad()}`);
}

main().catch((err) => {
  console.error(`bench/stack.mjs: ${err.stack ?? err}`);
  process.exit(2);
});
