// The Redis the e2e suites use: BATON_TEST_REDIS_URL (default redis://127.0.0.1:6379), so a
// developer's REDIS_URL never switches the suite. Each suite works under a key prefix of its own
// and deletes it after.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';

export const REDIS_TEST_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why the suite cannot reach Redis, or undefined when it answers PING (asked from a child: the check runs at module load). */
export function redisSkipReason(): string | undefined {
  const script = `
    const { Redis } = require(process.argv[1]);
    const c = new Redis(process.argv[2], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
    c.on('error', () => {});
    c.connect().then(() => c.ping()).then((r) => { c.disconnect(); process.exit(r === 'PONG' ? 0 : 1); }, (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, require.resolve('ioredis'), REDIS_TEST_URL], { timeout: 5_000, encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return `Redis at ${REDIS_TEST_URL.replace(/\/\/[^@/]*@/, '//***@')} is unreachable (${(r.stderr || r.error?.message || 'no answer').trim()})`;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
