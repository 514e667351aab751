#!/usr/bin/env node
// `node bench/per-run-cost.mjs [--runs 20] [--postgres [URL]] [--redis [URL]] [--json]`: what one
// workflow run costs each part of the real system (build first: `pnpm build`). The figures behind
// docs/SCALING.md.
//
// Starts the system with the launcher (SQLite by default; `--postgres` gives the workflow a new
// database on that server, dropped at the end; `--redis` points it at that Redis), then runs the
// workflow one run at a time, in three phases of `--runs` each:
//   threaded, warm   one user, one token, a new thread per run (checkpoints written, exchanges cached)
//   threaded, cold   a new token per run (every exchange misses the workflow's cache)
//   unthreaded       no thread_id
// and reports per run: CPU ms of each service (/proc), exchanges granted by the issuer (its audit
// lines), rows and bytes added to the workflow's Postgres tables, Redis commands processed. Then
// runs/s with 4 concurrent callers. Loopback only; the machine is shared, so read the figures as
// estimates, and compare them only with figures of the same run.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpuMs, devToken, startSystem, stopSystem } from './system.mjs';

const SERVICES = ['workflow', 'agent-research', 'agent-writer', 'agent-reviewer', 'issuer'];

function parseArgs(argv) {
  const opts = { runs: 20, postgres: null, redis: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const optionalValue = (fallback) => (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : fallback);
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--postgres')
      opts.postgres = optionalValue(process.env.BATON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    else if (a === '--redis') opts.redis = optionalValue(process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    else if (a === '--json') opts.json = true;
    else throw new Error(`unknown option ${a} (usage: per-run-cost [--runs N] [--postgres [URL]] [--redis [URL]] [--json])`);
  }
  if (!(opts.runs > 0)) throw new Error('--runs must be a positive number');
  return opts;
}

const psql = (url, sql) => execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-Atq', '-c', sql], { encoding: 'utf8' }).trim();
const withDb = (url, db) => Object.assign(new URL(url), { pathname: `/${db}` }).toString();

/** Rows and bytes (`pg_column_size` of every row) of every table in the workflow's database. */
function pgTotals(url) {
  const tables = psql(url, "select relname from pg_stat_user_tables where schemaname = 'public'").split('\n').filter(Boolean);
  let rows = 0;
  let bytes = 0;
  for (const t of tables) {
    const [r, b] = psql(url, `select count(*), coalesce(sum(pg_column_size(t.*)), 0) from "${t}" t`).split('|').map(Number);
    rows += r;
    bytes += b;
  }
  return { rows, bytes, tables };
}

/** Commands the Redis server has processed (the `INFO` asking for it counts one). */
const redisCommands = (url) =>
  Number(/total_commands_processed:(\d+)/.exec(execFileSync('redis-cli', ['-u', url, 'info', 'stats'], { encoding: 'utf8' }))?.[1]);

async function invoke(sys, token, threadId) {
  const res = await fetch(`${sys.url('workflow')}/workflow/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      input: { topic: 'oauth token exchange' },
      ...(threadId ? { config: { configurable: { thread_id: threadId } } } : {}),
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`invoke: HTTP ${res.status} ${text.slice(0, 300)}`);
}

/** Runs `runs` invokes one after the other; the cost per run of each part of the system. */
async function phase(sys, opts, db, { tokenFor, threaded }) {
  const tokens = [];
  for (let i = 0; i < opts.runs; i++) tokens.push(await tokenFor(i));
  const cpu0 = Object.fromEntries(SERVICES.map((s) => [s, cpuMs(sys.pids[s])]));
  const logFrom = sys.logs.length;
  const pg0 = db ? pgTotals(db) : null;
  const redis0 = opts.redis ? redisCommands(opts.redis) : null;
  for (let i = 0; i < opts.runs; i++) await invoke(sys, tokens[i], threaded ? `bench-${randomBytes(6).toString('hex')}` : undefined);
  await new Promise((r) => setTimeout(r, 300)); // the last audit lines reach the launcher's stdout
  const per = (x) => Math.round((x / opts.runs) * 100) / 100;
  const out = { cpu_ms: {} };
  for (const s of SERVICES) out.cpu_ms[s] = per(cpuMs(sys.pids[s]) - cpu0[s]);
  const lines = sys.logs.slice(logFrom);
  out.exchanges = per(
    lines.filter((r) => r.event === 'token.decision' && r.decision === 'allow' && /token-exchange/.test(r.grant_type ?? '')).length,
  );
  out.agent_calls = per(
    lines.filter((r) => r.event === 'auth.decision' && r.decision === 'allow' && r.service?.startsWith('agent-')).length,
  );
  if (db) {
    const pg1 = pgTotals(db);
    out.pg_rows = per(pg1.rows - pg0.rows);
    out.pg_bytes = per(pg1.bytes - pg0.bytes);
  }
  if (opts.redis) out.redis_commands = per(redisCommands(opts.redis) - redis0 - 1);
  return out;
}

/** Runs/s with `callers` concurrent callers over `runs` unthreaded runs (one token, warm cache). */
async function throughput(sys, token, runs, callers) {
  let left = runs;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (left-- > 0) await invoke(sys, token);
    }),
  );
  return Math.round((runs / ((performance.now() - t0) / 1000)) * 100) / 100;
}

async function measure(sys, opts, db) {
  const alice = await devToken(sys, 'alice');
  for (let i = 0; i < 3; i++) await invoke(sys, alice, `warmup-${i}`); // JIT, pools, the exchange cache
  const report = {
    runs: opts.runs,
    checkpointer: db ? 'postgres' : 'sqlite',
    redis: Boolean(opts.redis),
    threaded_warm: await phase(sys, opts, db, { tokenFor: () => alice, threaded: true }),
    threaded_cold: await phase(sys, opts, db, { tokenFor: () => devToken(sys, 'alice'), threaded: true }),
    unthreaded: await phase(sys, opts, db, { tokenFor: () => alice, threaded: false }),
  };
  report.runs_per_s_4_callers = await throughput(sys, alice, Math.max(8, opts.runs), 4);
  report.sizing = sizing(report);
  return report;
}

/**
 * Replicas and backing-store load for 10, 100 and 1,000 runs/s from the measured per-run costs
 * (threaded runs, warm exchange cache): CPU per replica is what its Kubernetes limit allows
 * (deploy/k8s: workflow 1 core, agents 0.5) at the autoscaler's 70% target; Node serves one
 * process on one core. Exchanges per second are given warm (cached) and cold (every run a new token).
 */
function sizing(r) {
  const CORES = { workflow: 1, 'agent-research': 0.5, 'agent-writer': 0.5, 'agent-reviewer': 0.5, issuer: 1 };
  const warm = r.threaded_warm;
  return [10, 100, 1000].map((rate) => ({
    runs_per_s: rate,
    replicas: Object.fromEntries(
      SERVICES.filter((s) => s !== 'issuer').map((s) => [s, Math.max(1, Math.ceil((rate * warm.cpu_ms[s]) / 1000 / (CORES[s] * 0.7)))]),
    ),
    issuer_exchanges_per_s: { warm: Math.round(rate * warm.exchanges), cold: Math.round(rate * r.threaded_cold.exchanges) },
    issuer_cores_cold: Math.round(((rate * r.threaded_cold.cpu_ms.issuer) / 1000) * 10) / 10,
    ...(warm.pg_rows !== undefined
      ? { pg_rows_per_s: Math.round(rate * warm.pg_rows), pg_mib_per_s: Math.round(((rate * warm.pg_bytes) / 2 ** 20) * 10) / 10 }
      : {}),
    ...(warm.redis_commands !== undefined ? { redis_commands_per_s: Math.round(rate * warm.redis_commands) } : {}),
  }));
}

function print(r) {
  const rows = [['', 'threaded, warm', 'threaded, cold', 'unthreaded']];
  const phases = [r.threaded_warm, r.threaded_cold, r.unthreaded];
  for (const s of SERVICES) rows.push([`CPU ms/run ${s}`, ...phases.map((p) => p.cpu_ms[s])]);
  for (const k of ['exchanges', 'agent_calls', 'pg_rows', 'pg_bytes', 'redis_commands']) {
    if (phases[0][k] !== undefined) rows.push([`${k}/run`, ...phases.map((p) => p[k])]);
  }
  console.log(`per-run cost: ${r.runs} runs per phase, checkpointer ${r.checkpointer}, redis ${r.redis ? 'on' : 'off'}\n`);
  for (const row of rows)
    console.log(
      `${String(row[0]).padEnd(30)} ${row
        .slice(1)
        .map((v) => String(v).padStart(15))
        .join('')}`,
    );
  console.log(`\nruns/s, 4 concurrent callers (every service on this one machine): ${r.runs_per_s_4_callers}`);
  console.log('\nsizing (threaded runs, warm cache; replicas at 70% of their CPU limit):');
  for (const row of r.sizing) console.log(`  ${JSON.stringify(row)}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let db = null;
  const dbName = `baton_bench_${randomBytes(4).toString('hex')}`;
  if (opts.postgres) {
    psql(opts.postgres, `create database ${dbName}`);
    db = withDb(opts.postgres, dbName);
  }
  const sys = await startSystem({
    // The cold phase exchanges 3 tokens per run for one user: above the issuer's per-subject limit,
    // which this measures nothing of.
    TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: '1000000',
    ...(db ? { DATABASE_URL: db } : {}),
    ...(opts.redis ? { REDIS_URL: opts.redis } : {}),
  });
  try {
    const report = await measure(sys, opts, db);
    if (opts.json) console.log(JSON.stringify(report));
    else print(report);
  } finally {
    await stopSystem(sys);
    if (db) psql(opts.postgres, `drop database if exists ${dbName} with (force)`);
  }
}

main().catch((err) => {
  console.error(`per-run-cost: ${err.stack ?? err}`);
  process.exit(2);
});
