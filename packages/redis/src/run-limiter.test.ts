import { Redis } from 'ioredis';
import { describeRedis, dropPrefix, eventually, testClient, testPrefix } from '../test/redis-env.js';
import { RedisRunLimiter, type RedisRunLimiterOptions } from './run-limiter.js';

const alice = JSON.stringify(['https://issuer', 'alice']);
const bob = JSON.stringify(['https://issuer', 'bob']);

describeRedis('RedisRunLimiter (real Redis)', () => {
  const prefix = testPrefix();
  const clients: Redis[] = [];
  const limiters: RedisRunLimiter[] = [];
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((l) => l.close()));
    for (const c of clients.splice(0)) c.disconnect();
    await dropPrefix(prefix);
  });
  afterAll(async () => {
    expect(await dropPrefix(prefix)).toBe(0);
  });

  /** A limiter on its own connection, as on its own replica. */
  function replica(options: Partial<RedisRunLimiterOptions> = {}) {
    const redis = testClient();
    clients.push(redis);
    const limiter = new RedisRunLimiter({ redis, keyPrefix: prefix, ...options });
    limiters.push(limiter);
    return { limiter, redis };
  }

  it('holds a per-user limit across replicas, refusing with the user scope and a Retry-After', async () => {
    const a = replica({ maxRunsPerUser: 2 }).limiter;
    const b = replica({ maxRunsPerUser: 2 }).limiter;
    const first = await a.acquire(alice, 1);
    expect(first.ok).toBe(true);
    expect((await b.acquire(alice, 1)).ok).toBe(true);
    expect(await b.acquire(alice, 1)).toEqual({ ok: false, scope: 'user', retryAfterSeconds: 1 });
    expect((await b.acquire(bob, 1)).ok).toBe(true);
    if (!first.ok) throw new Error('unreachable');
    await first.lease.release();
    await first.lease.release(); // idempotent: frees one slot, not two
    expect((await b.acquire(alice, 1)).ok).toBe(true);
    expect((await a.acquire(alice, 1)).ok).toBe(false);
  });

  it('admits a batch all or nothing', async () => {
    const a = replica({ maxRunsPerUser: 3 }).limiter;
    expect((await a.acquire(alice, 2)).ok).toBe(true);
    expect(await a.acquire(alice, 2)).toMatchObject({ ok: false, scope: 'user' });
    expect((await a.acquire(alice, 1)).ok).toBe(true);
    expect(a.size).toBe(3);
  });

  it('holds the total limit across replicas, atomically under concurrent admissions', async () => {
    const a = replica({ maxRunsTotal: 5 }).limiter;
    const b = replica({ maxRunsTotal: 5 }).limiter;
    const users = Array.from({ length: 20 }, (_, i) => JSON.stringify(['https://issuer', `u${i}`]));
    const results = await Promise.all(users.map((u, i) => (i % 2 ? a : b).acquire(u, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.scope === 'global')).toBe(true);
  });

  it('keeps a held slot while its replica lives (renewed) and frees it when the replica dies (lease lapses)', async () => {
    const a = replica({ maxRunsPerUser: 1, leaseMs: 1_000 });
    const b = replica({ maxRunsPerUser: 1, leaseMs: 1_000 }).limiter;
    expect((await a.limiter.acquire(alice, 1)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 2_500)); // over two leases long
    expect((await b.acquire(alice, 1)).ok).toBe(false);
    a.redis.disconnect(); // the replica dies: nothing renews, nothing releases
    await eventually(async () => (await b.acquire(alice, 1)).ok);
  });

  it('refuses bad options and bad slot counts', async () => {
    expect(() => new RedisRunLimiter({ redis: {} as Redis })).toThrow(TypeError);
    const idle = new Redis({ lazyConnect: true }); // never connects
    expect(() => new RedisRunLimiter({ redis: idle, maxRunsPerUser: 0 })).toThrow(TypeError);
    expect(() => new RedisRunLimiter({ redis: idle, leaseMs: 10 })).toThrow(TypeError);
    const a = replica().limiter;
    await expect(a.acquire(alice, 0)).rejects.toThrow(TypeError);
  });
});
