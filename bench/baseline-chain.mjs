// The hand-written baseline of `pnpm bench`, section (1): one process that serves POST /invoke by
// making the workflow's three agent calls itself (research invoke, writer stream, reviewer invoke,
// rewriting at most twice as the graph does) with `undici.request` and pre-minted agent tokens: no
// graph, no token exchange, no verification of the caller. Started by bench/stack.mjs as a child
// (`fork`), which passes { urls, tokens } in BENCH_BASELINE and gets the port back by IPC. Also
// exports `chain`, the minimal research → writer chain that section (4) times in-process.
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { request, Agent } = createRequire(path.join(root, 'packages/remote/package.json'))('undici');
const dispatcher = new Agent({ keepAliveTimeout: 4_000, connections: 256 });

async function post(url, token, body) {
  const res = await request(url, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ input: body, config: {}, kwargs: {} }),
  });
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
  return res;
}

/** The writer's stream: calls onChunk(delta) for each `event: data` frame; resolves to the report. */
async function writerStream(b, input, onChunk) {
  const res = await post(`${b.urls.writer}/stream`, b.tokens.writer, input);
  let buf = '';
  let report = '';
  for await (const piece of res.body) {
    buf += piece.toString('utf8');
    for (let i; (i = buf.indexOf('\r\n\r\n')) >= 0; buf = buf.slice(i + 4)) {
      const frame = buf.slice(0, i);
      if (!frame.startsWith('event: data')) continue;
      const m = /\ndata: (.*)/.exec(frame);
      const delta = m ? JSON.parse(m[1]) : '';
      if (typeof delta === 'string' && delta) {
        report += delta;
        onChunk?.(delta);
      }
    }
  }
  return report;
}

/** Research, then the writer's stream; resolves when the writer's first chunk arrives (and the rest later). */
export async function chain(b, topic, onFirstChunk) {
  const research = await (await post(`${b.urls.research}/invoke`, b.tokens.research, { topic, limit: 5 })).body.json();
  let first = true;
  const report = await writerStream(b, { topic, sources: research.output.sources }, () => {
    if (first) onFirstChunk?.();
    first = false;
  });
  return { sources: research.output.sources, report };
}

/** The whole run as the graph makes it: research, write, review, rewrite while not approved (at most 2). */
async function run(b, topic) {
  const { sources, report: first } = await chain(b, topic);
  let report = first;
  for (let revision = 0; ;) {
    const verdict = (await (await post(`${b.urls.reviewer}/invoke`, b.tokens.reviewer, { topic, report, sources })).body.json()).output;
    if (verdict.approved || revision >= 2) return { report, verdict };
    revision += 1;
    report = await writerStream(b, { topic, sources, notes: verdict.notes ?? [], revision });
  }
}

if (process.env.BENCH_BASELINE && process.send) {
  const b = JSON.parse(process.env.BENCH_BASELINE);
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      try {
        const out = await run(b, JSON.parse(body).input.topic);
        const json = JSON.stringify({ output: out });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BASELINE_FAILED', message: String(err.message ?? err) } }));
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
}
