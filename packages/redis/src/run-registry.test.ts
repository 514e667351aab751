import { Redis } from 'ioredis';
import { MemoryRunRegistry, type RunRegistry } from '@baton/runnable-server';
import { describeRedis, dropPrefix, eventually, testClient, testPrefix } from '../test/redis-env.js';
import { alice, bob, drain, fill, OTHER_RUN, RUN, runRegistrySpec, type RegistryBounds } from '../test/registry-spec.js';
import { ownerDigest } from './keys.js';
import { RedisRunRegistry, type RedisRunRegistryOptions } from './run-registry.js';

describe('the RunRegistry spec on MemoryRunRegistry', () => {
  runRegistrySpec(async (bounds?: RegistryBounds) => {
    const reg = new MemoryRunRegistry(bounds);
    return { producer: reg, reader: reg, flush: async () => undefined };
  });
});

describeRedis('RedisRunRegistry (real Redis)', () => {
  const prefix = testPrefix();
  const clients: Redis[] = [];
  const registries: RunRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
    for (const c of clients.splice(0)) c.disconnect();
    await dropPrefix(prefix);
  });
  afterAll(async () => {
    expect(await dropPrefix(prefix)).toBe(0);
  });

  /** A registry on its own connection, as on its own replica. */
  async function replica(options: Partial<RedisRunRegistryOptions> = {}) {
    const redis = testClient();
    clients.push(redis);
    const reg = new RedisRunRegistry({ redis, keyPrefix: prefix, readerBlockMs: 200, ...options });
    registries.push(reg);
    await reg.ready();
    return { reg, redis };
  }

  describe('the RunRegistry spec, resumed on another replica', () => {
    runRegistrySpec(async (bounds?: RegistryBounds) => {
      const a = await replica(bounds);
      const b = await replica(bounds);
      return { producer: a.reg, reader: b.reg, flush: async () => void (await a.redis.ping()) };
    });
  });

  it('gives a reader what was buffered, then RUNNABLE_RUN_LOST, when the run’s replica dies', async () => {
    const a = await replica({ leaseMs: 300 });
    const b = await replica({ leaseMs: 300 });
    const log = fill(a.reg, RUN, 4, false);
    await a.redis.ping();
    const reader = await b.reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 1 });
    // The replica dies: its connection goes, nothing renews the lease, nothing finishes the run.
    a.redis.disconnect();
    log.append({ seq: 4, event: 'data', data: '"never written"' });
    const events = await drain(reader);
    expect(events.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(events.at(-1)!.event).toBe('error');
    expect(JSON.parse(events.at(-1)!.data!)).toEqual({
      status_code: 503,
      code: 'RUNNABLE_RUN_LOST',
      message: 'The replica running this run stopped before the run finished',
    });
    // A reconnect with the error's id is told to stop.
    await expect(b.reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 4 })).resolves.toBeUndefined();
  });

  it('keeps a live run whose replica lives past its lease: the heartbeat renews it', async () => {
    const a = await replica({ leaseMs: 600 });
    const b = await replica({ leaseMs: 600 });
    const log = fill(a.reg, RUN, 2, false);
    await a.redis.ping();
    const reader = await b.reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 });
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of reader!.events) seen.push(e.event);
    })();
    await new Promise((r) => setTimeout(r, 1_500)); // over two leases long
    log.append({ seq: 2, event: 'end' });
    log.finish();
    await done;
    expect(seen).toEqual(['data', 'end']);
  });

  it('counts a reader on a replica that died only until its reader lease lapses', async () => {
    const a = await replica({ leaseMs: 300 });
    const b = await replica({ leaseMs: 300 });
    const log = fill(a.reg, RUN, 2, false);
    await a.redis.ping();
    const reader = await b.reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 });
    expect(reader).toBeDefined();
    await eventually(() => log.readers === 1);
    b.redis.disconnect(); // replica B dies without detaching
    await eventually(() => log.readers === 0);
    log.finish();
  });

  it('drops a live run’s lease on close, so its readers elsewhere end at once', async () => {
    const a = await replica();
    const b = await replica();
    fill(a.reg, RUN, 2, false);
    await a.redis.ping();
    const reader = await b.reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 });
    await a.reg.close();
    const events = await drain(reader);
    expect(events.map((e) => e.event)).toEqual(['data', 'error']);
  });

  it('keeps only bounded keys: a finished run’s keys expire with retention', async () => {
    const a = await replica({ retentionMs: 60_000 });
    fill(a.reg, RUN, 3);
    await a.redis.ping();
    const ttl = await a.redis.pttl(`${prefix}run:${RUN}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await a.redis.pttl(`${prefix}run:${RUN}:meta`)).toBeLessThanOrEqual(60_000);
    expect(await a.redis.exists(`${prefix}run:${RUN}:lease`)).toBe(0);
  });

  it('prunes a killed replica’s run from the live index once its lease lapses, keeps it as a lost run for the retention window only, and names owners by digest', async () => {
    const a = await replica({ leaseMs: 100, retentionMs: 400 });
    const b = await replica({ leaseMs: 100, retentionMs: 400 });
    const live = `${prefix}runs:live`;
    const done = `${prefix}runs:done`;
    fill(a.reg, RUN, 3, false);
    await a.redis.ping();
    expect(await b.redis.zscore(live, RUN)).not.toBeNull();
    // The run record and the indexes hold the owner's digest, never the issuer and subject.
    expect(await b.redis.hget(`${prefix}run:${RUN}:meta`, 'owner')).toBe(ownerDigest(alice));
    expect(await b.redis.hget(`${prefix}runs:owner-of`, RUN)).toBe(ownerDigest(alice));
    // The replica is killed: its connection goes, nothing renews the lease, nothing finishes the run.
    a.redis.disconnect();
    await eventually(async () => (await b.redis.exists(`${prefix}run:${RUN}:lease`)) === 0);
    fill(b.reg, OTHER_RUN, 3, true, bob); // any start prunes
    await b.redis.ping();
    expect(await b.redis.zscore(live, RUN)).toBeNull();
    expect(await b.redis.zscore(done, RUN)).not.toBeNull();
    expect(await b.redis.hget(`${prefix}run:${RUN}:meta`, 'state')).toBe('lost');
    // A reader still gets what was buffered, then RUNNABLE_RUN_LOST.
    const events = await drain(await b.reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 }));
    expect(events.map((e) => e.event)).toEqual(['data', 'data', 'error']);
    // Past the retention window the next start drops it from every index.
    await eventually(async () => {
      fill(b.reg, OTHER_RUN, 3, true, bob);
      await b.redis.ping();
      return (await b.redis.zscore(done, RUN)) === null;
    });
    expect(await b.redis.exists(`${prefix}run:${RUN}:meta`)).toBe(0);
    expect(await b.redis.hget(`${prefix}runs:owner-of`, RUN)).toBeNull();
    expect(await b.redis.zscore(`${prefix}runs:owners`, ownerDigest(alice))).toBeNull();
    const raw = JSON.stringify(await b.redis.hgetall(`${prefix}run:${OTHER_RUN}:meta`));
    expect(raw).not.toContain('bob');
  });

  it('refuses bad options', () => {
    const redis = {} as Redis;
    expect(() => new RedisRunRegistry({ redis })).toThrow(TypeError);
    const idle = new Redis({ lazyConnect: true }); // never connects
    expect(() => new RedisRunRegistry({ redis: idle, maxRuns: 0 })).toThrow(TypeError);
    expect(() => new RedisRunRegistry({ redis: idle, maxRuns: 5, maxRunsPerOwner: 6 })).toThrow(TypeError);
    expect(() => new RedisRunRegistry({ redis: idle, keyPrefix: 'a b' })).toThrow(TypeError);
  });
});
