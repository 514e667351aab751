#!/usr/bin/env node
// `pnpm drill [--seconds 60] [--concurrency 16] [--seed 1] [--json] [--check]`: sustained load with
// fault drills against the real system (`scripts/start.mjs`, every service its own process, on
// free loopback ports, a throw-away data directory; build first: `pnpm build`).
//
// Callers (five dev users) run a mix of invoke, stream (half of them as spec SSE clients) and
// batch; ~10% carry an invalid or expired token, ~5% of the requests are streams whose client
// leaves after the first event. Meanwhile the drill kills the writer with SIGKILL (the launcher
// restarts it) and stops the issuer for two seconds (SIGSTOP, then SIGCONT).
//
// Reports requests by kind and status, identity mix-ups (every audit line of a request — the
// workflow's, each agent's, the issuer's — must name the caller who made it), runs still active on
// the agents after the callers left and the grace window passed (`baton_runs_active` on each
// agent's /metrics), RSS per service at start, middle and end, and the exchange cache hit rate.
// --check exits 1 when an invariant fails (never the rates: the machine is shared): no mixed
// identity, no orphaned run, no bad token served, no status outside the documented ones, every
// service healthy at the end.
import { writeFileSync } from 'node:fs';
import { devToken, rssKiB, sleep, startSystem, stopSystem } from './system.mjs';

const USERS = ['alice', 'bob', 'carol', 'dave', 'frank'];
const TOPICS = ['oauth token exchange', 'vector search', 'jwt validation', 'rate limiting', 'service mesh', 'event sourcing'];
const AGENTS = ['agent-research', 'agent-writer', 'agent-reviewer'];
/** Statuses the workflow documents for this traffic; anything else (a 500) is a failure. */
const EXPECTED = new Set([200, 204, 401, 403, 422, 429, 502, 503, 504]);
/** Longer than the workflow's stream grace window (10 s by default) plus an agent call's abort. */
const CLOCK_TOLERANCE_MS = 5_000;
const SETTLE_MS = Number(process.env.BATON_DRILL_SETTLE_MS ?? 13_000);

function parseArgs(argv) {
  const opts = { seconds: 60, concurrency: 16, seed: 1, json: false, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--check') opts.check = true;
    else if (['--seconds', '--concurrency', '--seed'].includes(a)) opts[a.slice(2)] = Number(argv[++i]);
    else throw new Error(`unknown option ${a} (usage: drill [--seconds N] [--concurrency N] [--seed N] [--json] [--check])`);
  }
  for (const k of ['seconds', 'concurrency']) if (!(opts[k] > 0)) throw new Error(`--${k} must be a positive number`);
  return opts;
}

/** A small seeded generator, so two runs with one seed send the same mix. */
function random(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Good tokens for every user (long enough for the run: the issuer is stopped during the drill), and bad ones. */
async function tokens(sys) {
  const expired = await devToken(sys, 'alice', 1);
  const good = Object.fromEntries(await Promise.all(USERS.map(async (u) => [u, await devToken(sys, u)])));
  const [h, p, s] = good.bob.split('.');
  const tampered = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  // Past its exp and the services' clock tolerance (5 s), so every service must refuse it.
  const { exp } = JSON.parse(Buffer.from(expired.split('.')[1], 'base64url').toString('utf8'));
  await sleep(Math.max(0, exp * 1000 + CLOCK_TOLERANCE_MS + 1_000 - Date.now()));
  return { good, bad: [expired, tampered, 'not-a-jwt', `${h}.${p}.`] };
}

const rssNow = (sys) => Object.fromEntries(Object.entries(sys.pids).map(([svc, pid]) => [svc, rssKiB(pid)]));

/** One caller request; returns what the checks need. Never throws. */
async function request(sys, plan) {
  const { op, token, user, leave, spec } = plan;
  const started = { op, user, bad: user === null, status: 0, requestId: null, ended: null };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const body = op === 'batch' ? { inputs: [{ topic: plan.topic }, { topic: plan.topic2 }] } : { input: { topic: plan.topic } };
  if (op === 'stream' && spec) headers.accept = 'text/event-stream';
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 90_000);
  try {
    const res = await fetch(`${sys.url('workflow')}/workflow/${op}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: ctl.signal,
    });
    started.status = res.status;
    started.requestId = res.headers.get('x-request-id');
    if (op !== 'stream' || res.status !== 200) {
      await res.arrayBuffer();
      return started;
    }
    started.ended = await readStream(res, leave ? ctl : null);
  } catch (err) {
    started.error = err.name === 'AbortError' ? 'aborted' : String(err.cause?.code ?? err.message);
  } finally {
    clearTimeout(timer);
  }
  return started;
}

/** Reads an SSE body to its `end`/`error` event; with `leave`, aborts after the first data event (the client leaves). */
async function readStream(res, leave) {
  const dec = new TextDecoder();
  let buf = '';
  let last = null;
  try {
    for await (const chunk of res.body) {
      buf = (buf + dec.decode(chunk, { stream: true })).replace(/\r\n/g, '\n');
      for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
        const event = /^event: ?(.*)$/m.exec(buf.slice(0, i))?.[1];
        if (event) last = event;
        if (leave && event === 'data') {
          leave.abort();
          return 'left';
        }
      }
    }
  } catch {
    return leave ? 'left' : 'cut';
  }
  return last;
}

/** The next request a caller makes: ~10% with a bad token, ~5% a stream left early, the rest a mix. */
function plan(rand, toks) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  const op = r < 0.55 ? 'invoke' : r < 0.9 ? 'stream' : 'batch';
  const bad = rand() < 0.1;
  const user = bad ? null : pick(USERS);
  const leave = !bad && rand() < 0.05;
  return {
    op: leave ? 'stream' : op,
    user,
    token: bad ? pick(toks.bad) : toks.good[user],
    leave,
    spec: rand() < 0.5,
    topic: pick(TOPICS),
    topic2: pick(TOPICS),
  };
}

/** The faults: SIGKILL the writer at 30% of the run (the launcher restarts it), SIGSTOP the issuer for 2 s at 60%. */
async function drills(sys, seconds, log) {
  await sleep(seconds * 300);
  const writer = sys.pids['agent-writer'];
  log(`drill: kill -9 agent-writer (pid ${writer})`);
  process.kill(writer, 'SIGKILL');
  await sleep(seconds * 300);
  const issuer = sys.pids.issuer;
  log(`drill: stop the issuer (pid ${issuer}) for 2 s`);
  process.kill(issuer, 'SIGSTOP');
  await sleep(2_000);
  process.kill(issuer, 'SIGCONT');
  log('drill: issuer continued');
}

async function load(sys, opts, toks, log) {
  const rand = random(opts.seed);
  const results = [];
  const until = Date.now() + opts.seconds * 1000;
  const rss = { start: rssNow(sys), series: [] };
  const middle = sleep(opts.seconds * 500).then(() => (rss.middle = rssNow(sys)));
  // Every 10 s, each service's RSS: whether it levels off after warm-up shows in the series.
  const sampler = setInterval(() => rss.series.push(rssNow(sys)), 10_000);
  const caller = async () => {
    while (Date.now() < until) results.push(await request(sys, plan(rand, toks)));
  };
  await Promise.all([...Array.from({ length: opts.concurrency }, caller), drills(sys, opts.seconds, log), middle]);
  clearInterval(sampler);
  return { results, rss };
}

/** Every audit line of a request the drill made names that request's caller (or no one, for a refusal). */
function mixedIdentities(sys, results) {
  const owner = new Map(results.filter((r) => r.requestId && r.user).map((r) => [r.requestId, r.user]));
  const mixed = [];
  let checked = 0;
  for (const rec of sys.logs) {
    if (rec.audit !== true || !rec.request_id || rec.sub === null || rec.sub === undefined) continue;
    const want = owner.get(rec.request_id);
    if (want === undefined) continue;
    checked += 1;
    if (rec.sub !== want) mixed.push({ service: rec.service, request_id: rec.request_id, sub: rec.sub, want });
  }
  return { checked, mixed };
}

async function agentsActive(sys) {
  const out = {};
  for (const name of AGENTS) {
    try {
      const text = await (await fetch(`${sys.url(name.replace('agent-', ''))}/metrics`)).text();
      const m = /^baton_runs_active (\d+)/m.exec(text);
      out[name] = m ? Number(m[1]) : null;
    } catch (err) {
      out[name] = `unreachable: ${err.cause?.code ?? err.message}`;
    }
  }
  return out;
}

async function healthy(sys) {
  const out = {};
  for (const n of ['issuer', 'research', 'writer', 'reviewer', 'workflow']) {
    out[n] = await fetch(`${sys.url(n)}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
  }
  return out;
}

function tally(results) {
  const byKind = {};
  for (const r of results) {
    const kind = `${r.op}${r.bad ? ' (bad token)' : ''}`;
    // A stream's key also says how it ended: `200 end`, `200 error`, `200 left` (the client left).
    const key = r.status ? `${r.status}${r.ended ? ` ${r.ended}` : ''}` : r.error || 'no answer';
    byKind[kind] ??= {};
    byKind[kind][key] = (byKind[kind][key] ?? 0) + 1;
  }
  return byKind;
}

/** Exchanges the issuer granted per agent call that carried an exchanged token: 1 - that is the cache hit rate. */
function exchangeHitRate(sys) {
  const exchanges = sys.logs.filter(
    (r) => r.event === 'token.decision' && r.decision === 'allow' && /token-exchange/.test(r.grant_type ?? ''),
  ).length;
  const hops = sys.logs.filter((r) => r.event === 'auth.decision' && r.decision === 'allow' && AGENTS.includes(r.service) && r.act).length;
  return { exchanges, agent_calls: hops, hit_rate: hops ? 1 - exchanges / hops : null };
}

function invariants(report) {
  const failures = [];
  const { checked, mixed } = report.identities;
  if (mixed.length) failures.push(`${mixed.length} audit line(s) name another caller`);
  if (checked === 0) failures.push('no audit line could be matched to a request (the identity check saw nothing)');
  const badServed = report.results.filter((r) => r.bad && r.status >= 200 && r.status < 300).length;
  if (badServed) failures.push(`${badServed} request(s) with a bad token were served`);
  const odd = report.results.filter((r) => r.status && !EXPECTED.has(r.status));
  if (odd.length) failures.push(`${odd.length} answer(s) outside ${[...EXPECTED].join('/')}: ${[...new Set(odd.map((r) => r.status))]}`);
  for (const [agent, n] of Object.entries(report.runs_active_after_settle)) {
    if (n !== 0) failures.push(`${agent}: ${n} run(s) still active after every caller left`);
  }
  for (const [svc, ok] of Object.entries(report.healthy_at_end)) if (!ok) failures.push(`${svc} is not healthy at the end`);
  if (!report.results.some((r) => !r.bad && r.status === 200)) failures.push('no request succeeded');
  return failures;
}

function print(report) {
  const out = [
    `drill: ${report.seconds} s, ${report.concurrency} callers, ${report.results.length} requests`,
    '',
    'requests by kind and status:',
  ];
  for (const [kind, statuses] of Object.entries(report.by_kind)) out.push(`  ${kind.padEnd(22)} ${JSON.stringify(statuses)}`);
  out.push('', 'RSS (MiB) start / middle / end:');
  for (const svc of Object.keys(report.rss.end)) {
    const mib = (k) => (report.rss[k]?.[svc] ? (report.rss[k][svc] / 1024).toFixed(0) : '-');
    out.push(`  ${svc.padEnd(16)} ${mib('start')} / ${mib('middle')} / ${mib('end')}`);
  }
  if (report.rss.series.length > 1) {
    out.push('RSS (MiB) every 10 s:');
    for (const svc of Object.keys(report.rss.end)) {
      const values = report.rss.series.map((sample) => (sample[svc] ? (sample[svc] / 1024).toFixed(0) : '-'));
      out.push(`  ${svc.padEnd(16)} ${values.join(' ')}`);
    }
  }
  const x = report.exchange_cache;
  out.push('', `exchange cache: ${x.exchanges} exchanges for ${x.agent_calls} agent calls (hit rate ${x.hit_rate?.toFixed(2)})`);
  out.push(`mixed identities: ${report.identities.mixed.length} of ${report.identities.checked} audit lines of these requests`);
  out.push(`runs active on agents after the callers left: ${JSON.stringify(report.runs_active_after_settle)}`);
  out.push(report.failures.length ? `FAILED: ${report.failures.join('; ')}` : 'invariants: all hold');
  console.log(out.join('\n'));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (m) => (opts.json ? process.stderr : process.stdout).write(`${m}\n`);
  const sys = await startSystem();
  try {
    const toks = await tokens(sys);
    log(`load: ${opts.seconds} s at ${opts.concurrency} callers`);
    const { results, rss } = await load(sys, opts, toks, log);
    rss.end = rssNow(sys);
    log(`settle: waiting ${SETTLE_MS} ms for the grace window`);
    await sleep(SETTLE_MS);
    const report = {
      seconds: opts.seconds,
      concurrency: opts.concurrency,
      by_kind: tally(results),
      rss,
      exchange_cache: exchangeHitRate(sys),
      identities: mixedIdentities(sys, results),
      runs_active_after_settle: await agentsActive(sys),
      healthy_at_end: await healthy(sys),
      results,
    };
    report.failures = invariants(report);
    if (opts.json) console.log(JSON.stringify({ ...report, results: undefined, requests: results.length }));
    else print(report);
    return opts.check && report.failures.length ? 1 : 0;
  } finally {
    if (process.env.BATON_DRILL_LOGS) writeFileSync(process.env.BATON_DRILL_LOGS, sys.logs.map((r) => JSON.stringify(r)).join('\n'));
    await stopSystem(sys);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`drill: ${err.stack ?? err}`);
    process.exit(2);
  },
);
