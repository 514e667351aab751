// Each agent as its own process (compiled dist/main.js), fed hostile text with a valid token:
// the hostile request completes, costs about what an ordinary request of the same size costs,
// and /healthz answers while it is being served. Relative comparisons only (generous factor 10),
// no absolute time limits: before the linear-time fixes the reviewer spent seconds on a line of
// spaces and the writer on an "at least 10^9 characters" note, with /healthz blocked meanwhile.
import path from 'node:path';
import { expandNote } from '@baton/contract/wire';
import { post, spawnService, startTestIssuer, type SpawnedService, type TestIssuer } from '@baton/testkit';
import { ROOT } from './stack.js';

const FACTOR = 10;

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer.close());

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Case {
  app: string;
  route: string;
  token: () => string;
  hostile: unknown;
  ordinary: unknown;
  check: (output: unknown) => void;
}

const SOURCE = { id: 'a', title: 'Tokens', url: 'https://x.test/a', excerpt: 'Tokens expire.' };
const exchanged = (aud: string, scope: string) => () => issuer.mint({ sub: 'alice', aud, scope, act: { sub: 'workflow' } });
const SPACES = 40_000; // the reported 6.3 s case

const cases: Case[] = [
  {
    app: 'agent-reviewer',
    route: '/reviewer/invoke',
    token: exchanged('agent-reviewer', 'reviewer:invoke'),
    hostile: { topic: 'tokens', report: `# sources${' '.repeat(SPACES)}x`, sources: [SOURCE] },
    ordinary: { topic: 'tokens', report: `# Tokens\n\n${'Tokens expire [1]. '.repeat(SPACES / 19)}`, sources: [SOURCE] },
    check: (output) => expect(output).toMatchObject({ approved: false, checks: { citations: false, coverage: false } }),
  },
  {
    app: 'agent-writer',
    route: '/writer/invoke',
    token: exchanged('agent-writer', 'writer:invoke'),
    hostile: {
      topic: 'tokens',
      sources: [{ ...SOURCE, excerpt: 'Tokens expire. '.repeat(1000) }],
      notes: [expandNote(1_000_000_000, 10)],
    },
    ordinary: { topic: 'tokens', sources: [{ ...SOURCE, excerpt: 'Tokens expire. '.repeat(1000) }] },
    check: (output) => expect(String(output).toLowerCase().split('tokens expire').length).toBeGreaterThan(1000),
  },
];

describe.each(cases)('$app under hostile input', ({ app, route, token, hostile, ordinary, check }) => {
  let proc: SpawnedService;
  beforeAll(async () => {
    const appDir = path.join(ROOT, 'apps', app);
    proc = await spawnService(path.join(appDir, 'dist/main.js'), { ISSUER_URL: issuer.issuer }, appDir);
  });
  afterAll(() => proc.stop());

  const call = (input: unknown) =>
    timed(() => post(proc.base, route, { input }, token()).then(async (r) => [r.status, await r.json()] as const));

  it('serves /healthz while a hostile request is in flight, and the hostile request completes', async () => {
    await call(ordinary); // warm-up (JWKS fetch, JIT)
    const ordinaryMs = median([(await call(ordinary)).ms, (await call(ordinary)).ms, (await call(ordinary)).ms]);

    const hostileCall = call(hostile);
    // probes sent right behind the hostile request, on their own connections
    const probes = await Promise.all([0, 1, 2].map(() => timed(() => fetch(`${proc.base}/healthz`).then((r) => r.status))));
    const { value, ms: hostileMs } = await hostileCall;

    const [status, body] = value;
    expect(status).toBe(200);
    check((body as { output: unknown }).output);
    for (const p of probes) expect(p.value).toBe(200);
    // /healthz waits at most for about one ordinary request's work, not for seconds of backtracking
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(FACTOR * ordinaryMs);
    // hostile text costs about what ordinary text of the same size costs
    expect(hostileMs).toBeLessThan(FACTOR * ordinaryMs);
  }, 60_000);
});
