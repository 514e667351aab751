import type { RedisRunLimiter } from '@baton/redis';
import { parseWorkflowConfig } from '../test/config.js';
import { createSharedStores } from './shared-stores.js';

const SECRET = 'x'.repeat(32);
const silent = { warn: () => undefined, info: () => undefined } as never;

describe('REDIS_URL and REDIS_KEY_PREFIX', () => {
  it('are off by default: no shared stores, the in-process registry and limits apply', () => {
    const c = parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET });
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.REDIS_KEY_PREFIX).toBe('baton:');
    expect(createSharedStores(c, silent)).toBeUndefined();
  });

  it('accept redis:// and rediss:// (TLS) with credentials', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:secret@redis.example:6380/2']) {
      expect(parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_URL: url }).REDIS_URL).toBe(url);
    }
  });

  it.each([['http://redis:6379'], ['redis://'], ['127.0.0.1:6379']])(
    'refuse REDIS_URL=%j, naming the variable but not its value',
    (url) => {
      expect(() => parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_URL: url })).toThrow(/REDIS_URL/);
      try {
        parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_URL: url });
      } catch (err) {
        expect(String((err as Error).message)).not.toContain(url);
      }
    },
  );

  it('refuses a key prefix with spaces or over 64 characters', () => {
    expect(() => parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_KEY_PREFIX: 'a b' })).toThrow(/REDIS_KEY_PREFIX/);
    expect(() => parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_KEY_PREFIX: 'x'.repeat(65) })).toThrow(/REDIS_KEY_PREFIX/);
  });
});

describe('REDIS_RUN_LEASE_MS', () => {
  it('is 30 s by default and bounded (30 ms to 1 h)', () => {
    expect(parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET }).REDIS_RUN_LEASE_MS).toBe(30_000);
    expect(parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_RUN_LEASE_MS: '5000' }).REDIS_RUN_LEASE_MS).toBe(5_000);
    for (const bad of ['29', '3600001', 'soon']) {
      expect(() => parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_RUN_LEASE_MS: bad })).toThrow(/REDIS_RUN_LEASE_MS/);
    }
  });

  it("is the shared run limiter's lease", async () => {
    // No Redis is needed: the limiter talks to Redis only when a run is admitted.
    const c = parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: SECRET, REDIS_URL: 'redis://127.0.0.1:1', REDIS_RUN_LEASE_MS: '4500' });
    const shared = createSharedStores(c, silent)!;
    try {
      const limiter = shared.limiter({ maxRunsPerUser: 1, maxRunsTotal: 2 }) as RedisRunLimiter;
      expect(limiter.leaseMs).toBe(4_500);
      expect(limiter.maxRunsPerUser).toBe(1);
    } finally {
      await shared.close();
    }
  });
});
