import { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** Shown by CLIENT LIST (default `baton`). */
  connectionName?: string;
  /** How long one connection attempt may take (default 5 000 ms). */
  connectTimeoutMs?: number;
}

/**
 * The one long-lived client of a process: `redis://` or `rediss://` (TLS, verified against the
 * system's CAs) with the user and password in the URL. A command fails after two reconnection
 * attempts instead of waiting for Redis forever, so a request sees an outage as an error.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('createRedisClient: the URL is not a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError('createRedisClient: the URL is not a redis:// or rediss:// URL');
  }
  return new Redis(url, {
    protocol: 2,
    connectionName: options.connectionName ?? 'baton',
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 2,
  });
}

/** Whether the client is connected and ready now (for `/readyz`): never waits. */
export function isRedisReady(client: Redis): boolean {
  return client.status === 'ready';
}
