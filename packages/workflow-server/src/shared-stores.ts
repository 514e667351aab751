import { createRedisClient, isRedisReady, RedisRunLimiter, RedisRunRegistry, type RedisRunLimiterOptions } from '@baton/redis';
import type { RunLimiter, RunRegistry } from '@baton/runnable-server';
import type { Logger } from '@baton/service';
import type { WorkflowServerConfig as WorkflowConfig } from './config.js';
import { resumeBounds } from './runs.js';

/** What the replicas share through Redis when REDIS_URL is set. */
export interface SharedStores {
  /** Where SSE runs keep their events: a reconnect that lands on another replica resumes there. */
  readonly registry: RunRegistry;
  /**
   * A run limiter shared by the replicas, for `addRoutes`' `limiter` option: the limits come
   * from the caller (the in-process limiter's settings), so both enforce the same numbers.
   */
  limiter(limits: Pick<RedisRunLimiterOptions, 'maxRunsPerUser' | 'maxRunsTotal' | 'retryAfterSeconds'>): RunLimiter;
  /** Connected to Redis now (for `/readyz`). */
  ready(): boolean;
  /** Closes the registry, the limiters and then the connection. */
  close(): Promise<void>;
}

/**
 * The Redis-backed stores, or undefined without REDIS_URL (the in-process defaults then apply:
 * resumption and limits are per replica). Never waits for Redis: until it answers `/readyz`
 * says not ready and a resume or admission fails as an outage.
 */
export function createSharedStores(config: WorkflowConfig, logger: Logger): SharedStores | undefined {
  if (!config.REDIS_URL) return undefined;
  const redis = createRedisClient(config.REDIS_URL, { connectionName: 'baton-workflow' });
  let outage = false;
  redis.on('error', (err: Error) => {
    if (!outage) logger.warn({ err: { message: err.message } }, 'redis unreachable: resumption and run limits are failing');
    outage = true;
  });
  redis.on('ready', () => {
    if (outage) logger.info({}, 'redis reachable again');
    outage = false;
  });
  const onError = (err: unknown, operation: string) =>
    logger.warn({ operation, err: { message: err instanceof Error ? err.message : String(err) } }, 'redis operation failed');
  const keyPrefix = config.REDIS_KEY_PREFIX;
  const registry = new RedisRunRegistry({
    redis,
    keyPrefix,
    onError,
    retentionMs: config.STREAM_RESUME_RETENTION_MS,
    ...resumeBounds(config),
  });
  const limiters: RedisRunLimiter[] = [];
  return {
    registry,
    limiter: (limits) => {
      const limiter = new RedisRunLimiter({ redis, keyPrefix, onError, leaseMs: config.REDIS_RUN_LEASE_MS, ...limits });
      limiters.push(limiter);
      return limiter;
    },
    ready: () => isRedisReady(redis),
    close: async () => {
      await registry.close();
      await Promise.all(limiters.map((l) => l.close()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
