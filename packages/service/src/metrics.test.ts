import express from 'express';
import request from 'supertest';
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
async function routeLabels(a: express.Express): Promise<string[]> {
  const text = (await request(a).get('/metrics')).text;
  return [...new Set([...text.matchAll(/^http_requests_total\{method="[A-Z]+",route="([^"]*)"/gm)].map((m) => m[1]!))].sort();
}

/** `/research` in a casing made from the bits of `i` (0 = all lower case). */
function casing(word: string, i: number): string {
  return [...word].map((c, k) => ((i >> k) & 1 ? c.toUpperCase() : c)).join('');
}

describe('metrics', () => {
  it('labels 128 requests in varied casing and with varied mount parameters with the configured routes only', async () => {
    const a = app();
    for (let i = 0; i < 128; i++) {
      await request(a).post(`/${casing('research', i)}/invoke`);
      await request(a).get(`/${casing('workflow', i)}/${casing('threads', i)}`);
      await request(a).get(`/items/g${i}/x${i}`);
      await request(a).get(`/nothing-${i}`);
    }
    expect(await routeLabels(a)).toEqual(['/*/:id', '/research/invoke', '/workflow/threads', 'unmatched']);
  });
});
