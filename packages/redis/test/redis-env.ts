// Test-only: the real Redis the suites run against (BATON_TEST_REDIS_URL, default
// redis://127.0.0.1:6379), a fresh key prefix per suite and its clean-up.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** PING in a child process (the suites decide at load time whether to run), at most 5 s. */
function probe(): string | undefined {
  const script = `
    const { Redis } = require(process.argv[1]);
    const c = new Redis(process.argv[2], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
    c.on('error', () => {});
    c.connect().then(() => c.ping()).then((r) => { c.disconnect(); process.exit(r === 'PONG' ? 0 : 1); }, (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, require.resolve('ioredis'), TEST_REDIS_URL], { timeout: 5_000, encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return `Redis at ${TEST_REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')} is unreachable (${(r.stderr || r.error?.message || 'no answer').trim()})`;
}

export const redisSkipReason = probe();
if (redisSkipReason) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${redisSkipReason}`);
  console.warn(`skipping the Redis suites: ${redisSkipReason}`);
}

/** `describe` when Redis answers, else `describe.skip` (a failure under CI=true, above). */
export const describeRedis: jest.Describe = redisSkipReason ? describe.skip : describe;

/** A key prefix no other suite or run uses. */
export function testPrefix(): string {
  return `baton-test:${randomUUID()}:`;
}

export function testClient(): Redis {
  return new Redis(TEST_REDIS_URL, { protocol: 2, maxRetriesPerRequest: 2 });
}

/** Deletes every key under `prefix` (SCAN + DEL); returns how many there were. */
export async function dropPrefix(prefix: string): Promise<number> {
  const c = testClient();
  let cursor = '0';
  let n = 0;
  try {
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) n += await c.del(...keys);
    } while (cursor !== '0');
  } finally {
    c.disconnect();
  }
  return n;
}

/** Waits until `check()` holds (polls every 10 ms, fails after `ms`): for effects that cross connections. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
