#!/usr/bin/env node
// Client-side cost of one agent call, measured in one run against one server so the figures are
// ratios, not absolute claims: @baton/remote's RemoteRunnable (undici, keep-alive Agent) versus
// the official @langchain/core 0.3.80 RemoteRunnable (fetch), a bare `undici.request` client (the
// issue's yardstick: the goal is @baton/remote within 1.3x its CPU per call) and a bare fetch client.
//
//   pnpm build && node bench/remote-client.mjs [--calls 3000] [--concurrency 16] [--rounds 5]
//
// The server is @baton/runnable-server's addRoutes with an echo RunnableLambda, no auth (this
// measures the client and the protocol, not JWT verification: see bench/verify.mjs).
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, formatTable, median, medianRatio } from './stats.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CALLS = arg('calls', 3000);
const CONCURRENCY = arg('concurrency', 16);
const ROUNDS = arg('rounds', 5);

const fromPkg = (pkg) => createRequire(path.join(root, 'packages', pkg, 'package.json'));
const express = fromPkg('runnable-server')('express');
const { RunnableLambda } = await import(fromPkg('remote').resolve('@langchain/core/runnables'));
const { addRoutes } = await import(path.join(root, 'packages/runnable-server/dist/index.js'));
const { RemoteRunnable: BatonRemote } = await import(path.join(root, 'packages/remote/dist/index.js'));
const { Caller } = await import(path.join(root, 'packages/identity/dist/index.js'));
const { request: undiciRequest, Agent: UndiciAgent } = fromPkg('remote')('undici');
const { RemoteRunnable: OfficialRemote } = await import(fromPkg('conformance').resolve('langchain-core-legacy/runnables/remote'));

if (process.argv.includes('--server')) {
  // The server runs in its own process so the CPU figures below are the client's alone.
  const app = express();
  addRoutes(
    app,
    RunnableLambda.from(async (x) => ({ echo: x.topic })),
    { path: '/echo' },
  );
  const s = app.listen(0, '127.0.0.1', () => process.send(s.address().port));
  process.on('disconnect', () => process.exit(0));
} else {
  await client();
}

async function client() {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: 'inherit' });
  const port = await new Promise((resolve) => child.once('message', resolve));
  const url = `http://127.0.0.1:${port}/echo`;

  const caller = new Caller({ token: 'bench-token', principal: { sub: 'bench', iss: 'bench', aud: [], scope: [], exp: 0, token_fp: 'x' } });
  const config = { context: { caller } };
  const clients = {
    'bare fetch': {
      invoke: async (input) =>
        (
          await (
            await fetch(`${url}/invoke`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
              body: JSON.stringify({ input, config: {}, kwargs: {} }),
            })
          ).json()
        ).output,
    },
    'bare undici.request': {
      dispatcher: new UndiciAgent({ keepAliveTimeout: 30_000 }),
      async invoke(input) {
        const res = await undiciRequest(`${url}/invoke`, {
          method: 'POST',
          dispatcher: this.dispatcher,
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
          body: JSON.stringify({ input, config: {}, kwargs: {} }),
        });
        return (await res.body.json()).output;
      },
    },
    'official RemoteRunnable (fetch)': new OfficialRemote({ url, options: { headers: { Authorization: 'Bearer bench-token' } } }),
    '@baton/remote (undici)': new BatonRemote({ url, credentials: { strategy: 'passthrough' } }),
  };

  async function measure(client) {
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CALLS) {
          next += 1;
          const out = await client.invoke({ topic: 'bench' }, config);
          if (out?.echo !== 'bench') throw new Error('bad echo');
        }
      }),
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { perSec: (CALLS / ms) * 1000, cpuUsPerCall: (cpu.user + cpu.system) / CALLS };
  }

  for (const c of Object.values(clients)) await measure({ invoke: (i, cfg) => c.invoke(i, cfg) }); // warm-up
  // Interleaved rounds, the order rotated each round; per client the medians, and the median of the
  // per-round ratios (each taken under the same machine load).
  const names = Object.keys(clients);
  const rounds = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      rounds[name].push(await measure({ invoke: (i, cfg) => clients[name].invoke(i, cfg) }));
    }
  }
  child.disconnect();

  const col = (name, key) => rounds[name].map((x) => x[key]);
  console.log(
    `${CALLS} invokes, ${CONCURRENCY} concurrent, ${ROUNDS} interleaved rounds, server in a separate process; CPU is the client's`,
  );
  console.log(
    formatTable(
      ['client', 'calls/s', 'µs CPU/call', 'throughput vs official', 'CPU vs bare undici'],
      names.map((name) => [
        name,
        fmt(median(col(name, 'perSec')), 0),
        fmt(median(col(name, 'cpuUsPerCall')), 0),
        `x${fmt(medianRatio(col(name, 'perSec'), col('official RemoteRunnable (fetch)', 'perSec')), 2)}`,
        `x${fmt(medianRatio(col(name, 'cpuUsPerCall'), col('bare undici.request', 'cpuUsPerCall')), 2)}`,
      ]),
    ),
  );
}
