import type { AddressInfo } from 'node:net';
import express from 'express';
import { metrics, mountPath } from './metrics.js';

/** An app as the services build one: metrics first, a router at a mount path, routes on the app. */
function app() {
  const a = express();
  a.use(metrics());
  const labelled = express.Router();
  labelled.use(mountPath('/research'));
  labelled.post('/invoke', (_req, res) => void res.status(401).json({}));
  a.use('/research', labelled);
  const unlabelled = express.Router();
  unlabelled.get('/:id', (_req, res) => void res.json({}));
  a.use('/items/:group', unlabelled);
  a.get('/workflow/threads', (_req, res) => void res.json({}));
  return a;
}

/** Every distinct `route` label value of `http_requests_total`. */
async function routeLabels(base: string): Promise<string[]> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return [...new Set([...text.matchAll(/^http_requests_total\{method="[A-Z]+",route="([^"]*)"/gm)].map((m) => m[1]!))].sort();
}

/** `/research` in a casing made from the bits of `i` (0 = all lower case). */
function casing(word: string, i: number): string {
  return [...word].map((c, k) => ((i >> k) & 1 ? c.toUpperCase() : c)).join('');
}

describe('metrics', () => {
  it('labels 128 requests in varied casing and with varied mount parameters with the configured routes only', async () => {
    const server = app().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 128; i++) {
        await Promise.all([
          fetch(`${base}/${casing('research', i)}/invoke`, { method: 'POST' }),
          fetch(`${base}/${casing('workflow', i)}/${casing('threads', i)}`),
          fetch(`${base}/items/g${i}/x${i}`),
          fetch(`${base}/nothing-${i}`),
        ]);
      }
      expect(await routeLabels(base)).toEqual(['/*/:id', '/research/invoke', '/workflow/threads', 'unmatched']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
