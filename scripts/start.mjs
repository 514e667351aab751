#!/usr/bin/env node
// `pnpm start`: the whole Baton system on this machine, no Docker. Starts the issuer, the three
// agents and the workflow as separate processes (each from its compiled dist/), each with only the
// variables its own environment schema declares (@baton/contract's envKeysOf) plus PATH, HOME,
// TMPDIR, the locale, NODE_OPTIONS, NODE_EXTRA_CA_CERTS, OTEL_* and LANGSMITH_*/LANGCHAIN_* (so a
// WORKFLOW_CLIENT_SECRET, DATABASE_URL or REDIS_URL exported in the shell never reaches an agent).
// A service is live once it said so over the IPC channel (`runService`'s `listening` message: its
// pid and port, whatever LOG_LEVEL) and its /healthz answers; the system is up once every /readyz
// answers 200. Until then it prints which service is not ready and why (its /readyz `reason`: the
// issuer URL and the discovery or JWKS error) and keeps trying. Every service's JSON log lines go
// to stdout; it stops them all on Ctrl-C / SIGTERM. A service that dies before every one is live
// stops everything (exit 1); one that dies later is restarted with backoff, and too many crashes
// within a window give up (exit 1). First start makes the dev client secret (the issuer makes its
// own keys).
//
// Every port and URL is overridable by environment (see README "Configuration").
//
// MTLS=1: mutual TLS between the services (docs/SECURITY.md). Dev certificates are made in
// BATON_CERTS_DIR (default ./certs) if missing; every service listens HTTPS (TLS 1.3); agents
// require a client certificate and accept only the workflow's (plus their own, which the health
// probes below present; ALLOWED_PEERS passes through to them); the workflow presents its own.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadContract, parseLauncherEnv } from './contract.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const host = env.BATON_HOST ?? '127.0.0.1';
const dataDir = path.resolve(env.BATON_DATA_DIR ?? path.join(root, '.data'));
// Names, default ports and paths: @baton/contract's topology. An agent's port is <KEY>_PORT (RESEARCH_PORT).
const { TOPOLOGY, envKeysOf, launcherEnvSchema } = await loadContract();
// The launcher's own variables, validated once (docs/CONFIG.md, "Launcher"): a bad one exits 1 naming it.
const launch = parseLauncherEnv(launcherEnvSchema, 'launcher');
const { issuer: ISSUER, workflow: WORKFLOW, agents: AGENTS } = TOPOLOGY;
const port = (name, fallback) => Number(env[name] ?? fallback);
const ports = {
  [ISSUER.name]: port('ISSUER_PORT', ISSUER.port),
  [WORKFLOW.name]: port('WORKFLOW_PORT', WORKFLOW.port),
  ...Object.fromEntries(AGENTS.map((a) => [a.name, port(`${a.envPrefix}_PORT`, a.port)])),
};
const mtls = launch.MTLS;
const scheme = mtls ? 'https' : 'http';
const certsDir = path.resolve(env.BATON_CERTS_DIR ?? path.join(root, 'certs'));
const devIssuerUrl = `${scheme}://${host}:${ports[ISSUER.name]}`;
// ISSUER_URL naming anything but the dev issuer's own address: an external IdP. The dev issuer is
// then not started (it would mint tokens under the external issuer's name); every service trusts
// ISSUER_URL by discovery (JWKS_URI / TOKEN_ENDPOINT / TOKEN_PROFILE pass through when set).
const issuerUrl = env.ISSUER_URL ?? devIssuerUrl;
const externalIssuer = issuerUrl !== devIssuerUrl;
const url = (name) => `${scheme}://${host}:${ports[name]}`;

/** MTLS=1: make the dev CA and certificates if missing; a service's TLS_* variables. */
let devCertFiles;
if (mtls) {
  const { loadDevCerts } = await import('./certs.mjs');
  const devCerts = await loadDevCerts();
  devCertFiles = devCerts.devCertFiles;
  const { written } = await devCerts.writeDevCerts({ dir: certsDir });
  if (written.length > 0) log('info', 'made development certificates for mutual TLS', { dir: certsDir, files: written.length });
}
const tlsEnv = (service) => {
  if (!mtls) return {};
  const f = devCertFiles(certsDir, service);
  return { TLS_CERT_FILE: f.cert, TLS_KEY_FILE: f.key, TLS_CA_FILE: f.ca };
};

/** The dev client secret the workflow uses at the issuer, made once and kept in the data dir. */
function devSecret() {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'workflow-client-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
const forwarding = env.TOKEN_FORWARDING ?? 'exchange';
// (private_key_jwt authenticates with EXCHANGE_CLIENT_KEY / _FILE instead: no secret needed.)
const secretAuth = (env.EXCHANGE_CLIENT_AUTH ?? 'client_secret_basic') !== 'private_key_jwt';
if (externalIssuer && forwarding === 'exchange' && secretAuth && !env.WORKFLOW_CLIENT_SECRET) {
  process.stderr.write(
    `ISSUER_URL is an external issuer (${issuerUrl}): set WORKFLOW_CLIENT_SECRET (the workflow's client at that IdP) or EXCHANGE_CLIENT_AUTH=private_key_jwt with EXCHANGE_CLIENT_KEY_FILE for exchange mode, or TOKEN_FORWARDING=passthrough\n`,
  );
  process.exit(1);
}
const clientSecret = env.WORKFLOW_CLIENT_SECRET ?? (externalIssuer ? undefined : devSecret());
const agentAuthMode = forwarding === 'passthrough' ? 'passthrough' : 'exchange';
// The launcher is the try-out: development profile (each service prints what that leaves open).
const shared = { BATON_PROFILE: 'development', HOST: host, ISSUER_URL: issuerUrl, LOG_LEVEL: env.LOG_LEVEL ?? 'info' };

// What every child gets besides the variables its schema declares: how to run node and where, the
// locale, and tracing/telemetry settings (OpenTelemetry, LangSmith).
const BASE_VARS = new Set(['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LANGUAGE', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']);
const BASE_PREFIXES = ['LC_', 'OTEL_', 'LANGSMITH_', 'LANGCHAIN_'];

/** A child's environment: the launcher's variables that service reads (its schema's keys, read from the built contract) or that every node process needs, then the launcher's own settings for it. */
function childEnv(svc) {
  const own = new Set(envKeysOf(svc.name) ?? []);
  const passes = (k) => own.has(k) || BASE_VARS.has(k) || BASE_PREFIXES.some((p) => k.startsWith(p));
  const out = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && passes(k)));
  for (const [k, v] of Object.entries(svc.env)) if (v !== undefined) out[k] = String(v);
  return out;
}

// Each app lives in apps/<service name>.
const services = [
  {
    name: ISSUER.name,
    dir: `apps/${ISSUER.name}`,
    health: `${url(ISSUER.name)}${ISSUER.healthPath}`,
    readyz: `${url(ISSUER.name)}/readyz`,
    env: {
      ...shared,
      ...tlsEnv(ISSUER.name),
      PORT: ports[ISSUER.name],
      ISSUER_DATA_DIR: path.join(dataDir, 'issuer'),
      WORKFLOW_CLIENT_SECRET: clientSecret,
    },
  },
  ...AGENTS.map((agent) => ({
    name: agent.name,
    dir: `apps/${agent.name}`,
    health: `${url(agent.name)}${agent.healthPath}`,
    readyz: `${url(agent.name)}/readyz`,
    env: { ...shared, ...tlsEnv(agent.name), PORT: ports[agent.name], AUTH_MODE: launch.AGENT_AUTH_MODE ?? agentAuthMode },
  })),
  {
    name: WORKFLOW.name,
    dir: `apps/${WORKFLOW.name}`,
    health: `${url(WORKFLOW.name)}${WORKFLOW.healthPath}`,
    readyz: `${url(WORKFLOW.name)}/readyz`,
    env: {
      ...shared,
      ...tlsEnv(WORKFLOW.name),
      PORT: ports[WORKFLOW.name],
      ...(clientSecret ? { WORKFLOW_CLIENT_SECRET: clientSecret } : {}),
      WORKFLOW_DATA_DIR: path.join(dataDir, 'workflow'),
      TOKEN_FORWARDING: forwarding,
      // RESEARCH_URL...: overridable, e.g. to put a recording proxy in front of an agent in tests
      ...Object.fromEntries(AGENTS.map((a) => [`${a.envPrefix}_URL`, env[`${a.envPrefix}_URL`] ?? `${url(a.name)}${a.path}`])),
    },
  },
];

// With an external issuer the dev issuer is not started.
if (externalIssuer)
  services.splice(
    services.findIndex((s) => s.name === ISSUER.name),
    1,
  );

const children = new Map();
let stopping = false;
// 'starting' until every service was live once: a child that dies before that stops everything
// (a port in use, a bad configuration); after it, a child that dies is restarted with backoff.
let phase = 'starting';

// Restart policy (README "pnpm start"): delay = min(BACKOFF_MS * 2^(crashes in the window - 1), BACKOFF_MAX_MS);
// MAX_CRASHES crashes of one service within WINDOW_MS give up and stop everything (exit 1).
const restartPolicy = {
  backoffMs: launch.BATON_RESTART_BACKOFF_MS,
  backoffMaxMs: launch.BATON_RESTART_BACKOFF_MAX_MS,
  maxCrashes: launch.BATON_RESTART_MAX_CRASHES,
  windowMs: launch.BATON_RESTART_WINDOW_MS,
};
const crashes = new Map(); // service name -> times of its recent crashes
const restartTimers = new Set();
const listened = new WeakSet(); // children that told us (IPC) they listen on their port

/** One JSON line, shaped like the services' (level label, ISO time). */
function log(level, msg, extra = {}, service = 'launcher') {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), service, msg, ...extra })}\n`);
}

/**
 * The child's own `listening` message (`runService`, over the IPC channel): its pid and the port it
 * bound. Matching both proves the listener on the probed port is this child; a foreign process on
 * the port makes the child fail to bind instead. Independent of LOG_LEVEL.
 */
const isOwnListening = (svc, child, m) =>
  m !== null && typeof m === 'object' && m.baton === 'listening' && m.pid === child.pid && Number(m.port) === ports[svc.name];

/** A line a child wrote that is not JSON (a start-up failure such as EADDRINUSE, a config error, a Node warning), as a log line. */
function wrapLine(svc, line, fromStderr) {
  const level = !fromStderr ? 'info' : /^\((?:node:\d+\) \w*Warning|Use `node --trace-)/.test(line) ? 'warn' : 'error';
  log(level, line, {}, svc.name);
}

function start(svc) {
  if (stopping) return undefined;
  const main = path.join(root, svc.dir, 'dist', 'main.js');
  if (!existsSync(main)) {
    log('error', `${main} is missing: build first (pnpm build)`);
    process.exit(1);
  }
  const child = spawn(process.execPath, [main], {
    cwd: path.join(root, svc.dir),
    env: childEnv(svc),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.set(svc.name, child);
  child.on('message', (m) => {
    if (isOwnListening(svc, child, m)) listened.add(child);
  });
  const forward = (stream, fromStderr) =>
    createInterface({ input: stream }).on('line', (line) => {
      // JSON lines pass through untouched (they already carry `service`); anything else is wrapped.
      if (line.startsWith('{')) process.stdout.write(`${line}\n`);
      else if (line.trim()) wrapLine(svc, line, fromStderr);
    });
  forward(child.stdout, false);
  forward(child.stderr, true);
  child.on('exit', (code, signal) => {
    if (children.get(svc.name) === child) children.delete(svc.name);
    if (stopping) return;
    if (phase === 'starting') {
      log('error', `${svc.name} exited unexpectedly during start-up; stopping everything`, { code, signal, pid: child.pid });
      void stop(1);
    } else crashed(svc, child, { code, signal });
  });
  return child;
}

/** A child that was healthy died: restart it after a backoff, or give up after too many crashes in the window. */
function crashed(svc, child, { code, signal }) {
  const { backoffMs, backoffMaxMs, maxCrashes, windowMs } = restartPolicy;
  const now = Date.now();
  const recent = [...(crashes.get(svc.name) ?? []).filter((t) => now - t < windowMs), now];
  crashes.set(svc.name, recent);
  if (recent.length >= maxCrashes) {
    log('error', `giving up: ${svc.name} crashed ${recent.length} times within ${windowMs / 1000} s; stopping everything`, {
      code,
      signal,
      pid: child.pid,
    });
    void stop(1);
    return;
  }
  const delay = Math.min(backoffMs * 2 ** (recent.length - 1), backoffMaxMs);
  log('error', `${svc.name} exited unexpectedly; restarting in ${delay} ms`, {
    code,
    signal,
    pid: child.pid,
    crashes: recent.length,
    delay_ms: delay,
  });
  const timer = setTimeout(() => {
    restartTimers.delete(timer);
    void restart(svc);
  }, delay);
  restartTimers.add(timer);
}

async function restart(svc) {
  const child = start(svc);
  if (!child) return;
  if (await waitHealthy(svc, child)) {
    log('info', `${svc.name} restarted`, { pid: child.pid, port: ports[svc.name] });
  } else if (!stopping && child.exitCode === null && child.signalCode === null) {
    // Up but never healthy: end it; its exit counts as one more crash.
    log('error', `${svc.name} was not healthy at ${svc.health} after a restart; killing it`, { pid: child.pid });
    child.kill('SIGKILL');
  }
}

/**
 * One GET of a service's own URL: `{ status, body }` (body parsed when JSON), or undefined when
 * nothing answers. Plain fetch, or (MTLS=1) HTTPS trusting the dev CA with the service's own certificate.
 */
async function probe(svc, target) {
  const parse = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  if (!mtls) {
    try {
      const res = await fetch(target, { signal: AbortSignal.timeout(2_000) });
      return { status: res.status, body: parse(await res.text()) };
    } catch {
      return undefined; // not up yet
    }
  }
  const f = devCertFiles(certsDir, svc.name);
  return new Promise((resolve) => {
    const req = https.get(
      target,
      { ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key), agent: false, timeout: 2_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, body: parse(text) }));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** True once `child` told us it listens on its port and its /healthz answers 200 while it runs; false if it died, or at the deadline. */
const HEALTH_TIMEOUT_MS = 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(svc, child, timeoutMs = HEALTH_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  const alive = () => child.exitCode === null && child.signalCode === null;
  while (Date.now() < deadline && !stopping && alive()) {
    if (listened.has(child) && (await probe(svc, svc.health))?.status === 200 && alive()) return true;
    await sleep(150);
  }
  return false;
}

/** Start-up: a service that is not live in time stops everything (one that died already has). */
async function startHealthy(svc) {
  const child = start(svc);
  if (child && !(await waitHealthy(svc, child)) && !stopping) {
    throw new Error(`${svc.name} was not healthy at ${svc.health} within ${HEALTH_TIMEOUT_MS / 1000} s`);
  }
}

/** Why a service is not ready: its /readyz `reason`, else what /readyz answered. */
function notReadyReason(svc, answer) {
  if (!answer) return `${svc.readyz} does not answer (the process is starting or restarting)`;
  const reason = typeof answer.body?.reason === 'string' ? answer.body.reason : undefined;
  return reason ?? `${svc.readyz} answered ${answer.status}`;
}

// Normal start-up takes a moment (the first discovery and JWKS fetch): say nothing before this.
const READY_QUIET_MS = 2_000;
// A reason that stays the same is repeated this often.
const READY_REPEAT_MS = 15_000;

/**
 * Polls every service's /readyz until all answer 200 (true), or the launcher stops (false). A
 * service not ready past READY_QUIET_MS is reported on stderr and as a `warn` line, with its
 * reason; again when the reason changes, and every READY_REPEAT_MS. It never gives up: the issuer
 * may come back, a cooldown may end.
 */
async function waitReady() {
  const since = Date.now();
  const told = new Map(); // service name -> { reason, at }
  while (!stopping) {
    const answers = await Promise.all(services.map(async (svc) => [svc, await probe(svc, svc.readyz)]));
    const waiting = answers.filter(([, a]) => a?.status !== 200);
    if (waiting.length === 0) return true;
    if (Date.now() - since >= READY_QUIET_MS) {
      for (const [svc, answer] of waiting) {
        const reason = notReadyReason(svc, answer);
        const last = told.get(svc.name);
        if (last?.reason === reason && Date.now() - last.at < READY_REPEAT_MS) continue;
        told.set(svc.name, { reason, at: Date.now() });
        process.stderr.write(`${svc.name} is not ready: ${reason} (still trying; Ctrl-C stops)\n`);
        log('warn', `${svc.name} is not ready`, { reason, readyz: svc.readyz });
      }
    }
    await sleep(250);
  }
  return false;
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const timer of restartTimers) clearTimeout(timer);
  // Reverse start order, one tier at a time: the workflow drains its runs while the agents and
  // the issuer still serve them, then the agents, then the issuer.
  const tiers = [[WORKFLOW.name], AGENTS.map((a) => a.name), [ISSUER.name]];
  const deadline = Date.now() + 15_000;
  for (const tier of tiers) {
    for (const name of tier) children.get(name)?.kill('SIGTERM');
    while (tier.some((name) => children.has(name)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const issuer = services.find((s) => s.name === ISSUER.name);
  const workflow = services.find((s) => s.name === WORKFLOW.name);
  if (issuer) await startHealthy(issuer);
  else log('info', 'external issuer: the dev issuer is not started', { issuer: issuerUrl, trust: trustSummary() });
  await Promise.all(services.filter((s) => s !== issuer && s !== workflow).map((svc) => startHealthy(svc)));
  await startHealthy(workflow);
} catch (err) {
  log('error', String(err?.message ?? err));
  await stop(1);
}

// A service that died during start-up has begun the shutdown: announce nothing. Every service is
// live: from here a crash is restarted. "Up" only once every one is ready.
if (!stopping) {
  phase = 'running';
  if (await waitReady()) announce();
}

/** What the services trust, for the banner and the log: the issuer, where its keys come from, the token profile. */
function trustSummary() {
  return {
    issuer: issuerUrl,
    jwks_uri: env.JWKS_URI ?? 'from the discovery document',
    token_endpoint: forwarding === 'exchange' ? (env.TOKEN_ENDPOINT ?? 'from the discovery document') : null,
    token_profile: env.TOKEN_PROFILE ?? 'strict',
  };
}

function announce() {
  if (externalIssuer) {
    announceExternal();
    return;
  }
  const curlTls = mtls ? ` --cacert ${path.relative(process.cwd(), path.join(certsDir, 'ca.pem')) || 'ca.pem'}` : '';
  const banner = `
Baton is up (token forwarding: ${forwarding}${mtls ? `; mutual TLS: HTTPS everywhere, agents accept only the workflow's certificate, CA ${path.join(certsDir, 'ca.pem')}` : ''}).
  ${WORKFLOW.name.padEnd(8)}  ${url(WORKFLOW.name)}${WORKFLOW.path}   (POST /invoke, /stream, /batch, /stream_events)
${AGENTS.map((a) => `  ${a.key.padEnd(8)}  ${url(a.name)}${a.path}`).join('\n')}
  ${ISSUER.name.padEnd(8)}  ${issuerUrl}   (JWKS at /.well-known/jwks.json)
Get a token and run the workflow:
  TOKEN=$(${tokenCommand()} alice)
  curl -s${curlTls} -X POST ${url(WORKFLOW.name)}${WORKFLOW.path}/invoke -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"input":{"topic":"token exchange"}}'
Ctrl-C stops everything.
`;
  process.stderr.write(banner);
  log('info', 'all services healthy', { services: services.map((s) => s.name), mtls });
}

/**
 * The exact `pnpm run token` command for this issuer: scripts/token.mjs's defaults are
 * http://127.0.0.1:<the contract's issuer port> (https with MTLS=1) and ./certs/ca.pem; anything
 * moved is named.
 */
function tokenCommand() {
  const defaultUrl = `${scheme}://127.0.0.1:${ISSUER.port}`;
  const vars = [];
  if (devIssuerUrl !== defaultUrl) vars.push(`ISSUER_URL=${devIssuerUrl}`);
  else if (mtls) vars.push('MTLS=1');
  if (mtls && certsDir !== path.join(root, 'certs')) vars.push(`BATON_CA_FILE=${path.join(certsDir, 'ca.pem')}`);
  return [...vars, 'pnpm --silent run token'].join(' ');
}

function announceExternal() {
  const t = trustSummary();
  const banner = `
Baton is up against an external issuer (token forwarding: ${forwarding}); the dev issuer is not started.
  trusts    ${t.issuer}   (iss compared exactly; JWKS ${t.jwks_uri}; token profile ${t.token_profile}${t.token_endpoint ? `; token endpoint ${t.token_endpoint}` : ''})
  ${WORKFLOW.name.padEnd(8)}  ${url(WORKFLOW.name)}${WORKFLOW.path}   (POST /invoke, /stream, /batch, /stream_events)
${AGENTS.map((a) => `  ${a.key.padEnd(8)}  ${url(a.name)}${a.path}`).join('\n')}
Get an access token for the workflow's audience from your IdP (pnpm run token works only with the dev issuer).
Ctrl-C stops everything.
`;
  process.stderr.write(banner);
  log('info', 'all services healthy', { services: services.map((s) => s.name), mtls, trust: t });
}
