// A bare Express SSE endpoint (section (4) of `pnpm bench`): GET /sse writes one event and holds the
// connection open. The yardstick for the RSS an idle stream costs the workflow. Forked by
// bench/stack.mjs; sends its port by IPC.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const express = createRequire(path.join(root, 'packages/runnable-server/package.json'))('express');
const app = express();
app.get('/sse', (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('event: data\r\ndata: {"delta":"hello"}\r\n\r\n');
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
