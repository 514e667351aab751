#!/usr/bin/env node
// `node bench/platform-api.mjs [--runs 10]`: the LangGraph Platform API beside the LangServe routes
// on the real system (build first: `pnpm build`), so the new surface is not a slower path:
//   /workflow/invoke  vs  POST /runs/wait
//   /workflow/stream  vs  POST /runs/stream (modes updates, custom, values: what /workflow/stream streams)
// one unthreaded run at a time, the four interleaved round by round (drift hits them alike). Per
// route: median time to the first event (streams) or to the response (invoke, wait), events per
// run, and the workflow process's CPU per run (/proc, 10 ms ticks: read it over many runs).
import { cpuMs, devToken, startSystem, stopSystem } from './system.mjs';

function parseArgs(argv) {
  const opts = { runs: 10 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') opts.runs = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (usage: platform-api [--runs N])`);
  }
  if (!(opts.runs > 0)) throw new Error('--runs must be a positive number');
  return opts;
}

const TOPIC = { topic: 'oauth token exchange' };

const ROUTES = {
  '/workflow/invoke': { path: '/workflow/invoke', body: { input: TOPIC }, sse: false },
  'runs.wait': { path: '/runs/wait', body: { assistant_id: 'workflow', input: TOPIC }, sse: false },
  '/workflow/stream': { path: '/workflow/stream', body: { input: TOPIC }, sse: true },
  'runs.stream': {
    path: '/runs/stream',
    body: { assistant_id: 'workflow', input: TOPIC, stream_mode: ['updates', 'custom', 'values'] },
    sse: true,
  },
};

/** One run: ms to the first event (or the response), and the events read. */
async function once(base, token, route) {
  const t0 = performance.now();
  const res = await fetch(`${base}${route.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(route.body),
  });
  if (res.status !== 200) throw new Error(`${route.path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  if (!route.sse) {
    await res.text();
    return { firstMs: performance.now() - t0, events: 1 };
  }
  let first = null;
  let events = 0;
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body) {
    buf += dec.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
    for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
      if (!/^event: /m.test(buf.slice(0, i))) continue;
      events += 1;
      first ??= performance.now() - t0;
    }
  }
  return { firstMs: first ?? performance.now() - t0, events };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const sys = await startSystem();
  try {
    const token = await devToken(sys, 'alice');
    const base = sys.url('workflow');
    for (const route of Object.values(ROUTES)) await once(base, token, route); // warm-up: JIT, pools, the exchange cache
    const stats = Object.fromEntries(Object.keys(ROUTES).map((k) => [k, { first: [], events: 0, cpu: 0 }]));
    for (let round = 0; round < opts.runs; round++) {
      for (const [name, route] of Object.entries(ROUTES)) {
        const cpu0 = cpuMs(sys.pids.workflow);
        const r = await once(base, token, route);
        stats[name].cpu += cpuMs(sys.pids.workflow) - cpu0;
        stats[name].first.push(r.firstMs);
        stats[name].events += r.events;
      }
    }
    console.log(`Platform API vs LangServe routes: ${opts.runs} unthreaded runs each, interleaved\n`);
    console.log(`${'route'.padEnd(20)}${'first event ms'.padStart(16)}${'events/run'.padStart(12)}${'workflow CPU ms/run'.padStart(22)}`);
    for (const [name, s] of Object.entries(stats)) {
      const row = [median(s.first).toFixed(1), (s.events / opts.runs).toFixed(1), (s.cpu / opts.runs).toFixed(1)];
      console.log(`${name.padEnd(20)}${row[0].padStart(16)}${row[1].padStart(12)}${row[2].padStart(22)}`);
    }
  } finally {
    await stopSystem(sys);
  }
}

main().catch((err) => {
  console.error(`platform-api bench: ${err.stack ?? err}`);
  process.exit(2);
});
