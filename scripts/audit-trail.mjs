#!/usr/bin/env node
// `pnpm run audit-trail -- --request-id <id> [file]`: follows one run across the services.
//
// Reads the JSON log lines of the whole system (the output of `pnpm start`, `docker compose logs`,
// or any file of pino lines) from a file argument or stdin, keeps the audit events of one run —
// the workflow's and agents' `auth.decision` and the issuer's `token.decision` (see
// packages/auth/README.md, "Audit events") — and prints them in order: user → workflow →
// token exchange → each agent, with each decision. No dependencies, plain Node.
//
//   --request-id ID   the run's request id (the `x-request-id` response header of the workflow call)
//   --trace-id ID     the run's W3C trace id (32 hex), instead of or as well as --request-id
//   --all             every log line of the run, not only audit events (access lines, errors...)
//   --json            one JSON array of normalised events instead of the table
//
// With --request-id, lines that carry none but share a trace id with a matching line are kept too.
// A run is one user's: when its audit events carry more than one `sub`, the run is flagged
// (`MIXED SUBJECTS` on stderr, and in the table) and the exit code is 3 — someone's hops were
// spliced into it, or ids were reused.
// Exit code: 0 events found, 1 none found, 2 usage error, 3 events of more than one subject.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const USAGE = 'usage: audit-trail (--request-id ID | --trace-id ID) [--all] [--json] [file]   (reads stdin without file)';

function parseArgs(argv) {
  const opts = { requestId: undefined, traceId: undefined, all: false, json: false, file: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--request-id') opts.requestId = value();
    else if (flag === '--trace-id') opts.traceId = value().toLowerCase();
    else if (flag === '--all') opts.all = true;
    else if (flag === '--json') opts.json = true;
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (flag === '--') continue;
    else if (flag.startsWith('-') && flag !== '-') throw new Error(`unknown option ${flag}`);
    else if (opts.file === undefined) opts.file = flag;
    else throw new Error('give at most one file');
  }
  if (!opts.requestId && !opts.traceId) throw new Error('give --request-id or --trace-id');
  return opts;
}

/** A log line as an object, or undefined. Tolerates a prefix such as docker compose's `svc-1  | `. */
function parseLine(line) {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    const v = JSON.parse(line.slice(start));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function timeOf(rec) {
  const t = rec.time;
  if (typeof t === 'number') return t;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  }
  return undefined;
}

const list = (v, sep) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(sep) : typeof v === 'string' ? v : null);
const actSub = (act) => (act && typeof act === 'object' && typeof act.sub === 'string' ? act.sub : typeof act === 'string' ? act : null);

/** The fields the chain shows, the same for every service. */
function normalise(rec, seq) {
  const ms = timeOf(rec);
  return {
    seq,
    time: ms === undefined ? null : new Date(ms).toISOString(),
    service: typeof rec.service === 'string' ? rec.service : null,
    event: typeof rec.event === 'string' ? rec.event : typeof rec.msg === 'string' ? rec.msg : null,
    audit: rec.audit === true,
    decision: typeof rec.decision === 'string' ? rec.decision : null,
    reason: typeof rec.reason === 'string' ? rec.reason : null,
    sub: typeof rec.sub === 'string' ? rec.sub : null,
    act: actSub(rec.act),
    aud: list(rec.aud, ','),
    scope: list(rec.scope, ' '),
    client_id: typeof rec.client_id === 'string' ? rec.client_id : null,
    grant_type: typeof rec.grant_type === 'string' ? rec.grant_type : null,
    token_fp: typeof rec.token_fp === 'string' ? rec.token_fp : null,
    issued_token_fp: typeof rec.issued_token_fp === 'string' ? rec.issued_token_fp : null,
    request_id: typeof rec.request_id === 'string' ? rec.request_id : null,
    trace_id: typeof rec.trace_id === 'string' ? rec.trace_id : null,
    ...(rec.audit === true ? {} : { level: rec.level ?? null, status: rec.status ?? null, path: rec.path ?? null }),
  };
}

/** What one event means in the chain: which hop it is. */
function hopOf(e) {
  if (e.event === 'token.decision') {
    const grant = e.grant_type?.endsWith(':token-exchange')
      ? 'exchange'
      : e.grant_type === 'client_credentials'
        ? 'client_credentials'
        : 'token';
    return `${grant} → ${e.aud ?? '?'}`;
  }
  if (e.event === 'auth.decision') return e.act ? `${e.act} → ${e.service}` : `user → ${e.service}`;
  return e.service ?? '?';
}

const GRANT_SHORT = { 'urn:ietf:params:oauth:grant-type:token-exchange': 'token-exchange' };
const cell = (v) => (v === null || v === undefined || v === '' ? '-' : String(v));
const pad = (s, n) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function printTable(events, opts, out) {
  const ids = [
    opts.requestId ? `request_id=${opts.requestId}` : null,
    opts.traceId ? `trace_id=${opts.traceId}` : null,
    !opts.traceId ? `trace_id=${[...new Set(events.map((e) => e.trace_id).filter(Boolean))].join(',') || '-'}` : null,
  ].filter(Boolean);
  out.push(`run ${ids.join(' ')}: ${events.length} event${events.length === 1 ? '' : 's'}`);
  const w = String(events.length).length;
  events.forEach((e, i) => {
    const head = `${String(i + 1).padStart(w)}. ${cell(e.time)}  ${pad(cell(e.service), 15)} ${pad(cell(e.event), 15)} ${pad(cell(e.decision), 5)} ${pad(cell(e.reason), 24)}`;
    const fields = e.audit
      ? [
          `hop=${hopOf(e)}`,
          `sub=${cell(e.sub)}`,
          `act=${cell(e.act)}`,
          `aud=${cell(e.aud)}`,
          `scope=${cell(e.scope)}`,
          ...(e.event === 'token.decision'
            ? [`client_id=${cell(e.client_id)}`, `grant=${cell(GRANT_SHORT[e.grant_type] ?? e.grant_type)}`]
            : []),
          `token_fp=${cell(e.token_fp)}`,
          ...(e.issued_token_fp ? [`issued_fp=${e.issued_token_fp}`] : []),
        ]
      : [`status=${cell(e.status)}`, `path=${cell(e.path)}`];
    out.push(`${head} ${fields.join(' ')}`);
  });
  const chain = events
    .filter((e) => e.audit)
    .map((e) => {
      if (e.event === 'token.decision') return `exchange(${cell(e.aud)}: ${cell(e.decision)})`;
      return `${cell(e.service)}(${cell(e.decision)}${e.act ? ` act=${e.act}` : ''})`;
    });
  const user = events.find((e) => e.audit && e.sub)?.sub;
  if (chain.length) out.push(`chain: user ${cell(user)} → ${chain.join(' → ')}`);
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`audit-trail: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const input = opts.file && opts.file !== '-' ? createReadStream(opts.file, { encoding: 'utf8' }) : process.stdin;
  input.on('error', (err) => {
    process.stderr.write(`audit-trail: cannot read ${opts.file}: ${err.code ?? err.message}\n`);
    process.exit(2);
  });
  const records = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const rec = parseLine(line);
    if (rec) records.push(rec);
  }

  // Which trace ids belong to the run: the one asked for, and those of lines with the request id.
  const traces = new Set(opts.traceId ? [opts.traceId] : []);
  if (opts.requestId)
    for (const r of records) if (r.request_id === opts.requestId && typeof r.trace_id === 'string') traces.add(r.trace_id);
  const belongs = (r) =>
    (opts.requestId !== undefined && r.request_id === opts.requestId) || (typeof r.trace_id === 'string' && traces.has(r.trace_id));
  const wanted = (r) => belongs(r) && (opts.all || r.audit === true);

  const events = records
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => wanted(r))
    .map(({ r, i }) => normalise(r, i))
    // by time; lines of the same millisecond keep their input order
    .sort((a, b) => (Date.parse(a.time ?? '') || 0) - (Date.parse(b.time ?? '') || 0) || a.seq - b.seq);

  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        events.map(({ seq: _seq, ...e }) => e),
        null,
        2,
      )}\n`,
    );
  } else if (events.length) {
    const out = [];
    printTable(events, opts, out);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  const subjects = [...new Set(events.filter((e) => e.audit && e.sub).map((e) => e.sub))];
  if (subjects.length > 1) {
    process.stderr.write(
      `audit-trail: MIXED SUBJECTS: this run's audit events carry ${subjects.length} subjects (${subjects.join(', ')})\n`,
    );
    if (!opts.json) process.stdout.write(`MIXED SUBJECTS: ${subjects.join(', ')}\n`);
    process.exit(3);
  }
  if (!events.length) {
    process.stderr.write(
      `audit-trail: no ${opts.all ? 'log lines' : 'audit events'} for ${opts.requestId ? `request_id ${opts.requestId}` : `trace_id ${opts.traceId}`} (${records.length} JSON lines read)\n`,
    );
    process.exit(1);
  }
}

await main();
