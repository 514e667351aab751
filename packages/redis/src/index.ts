export { createRedisClient, isRedisReady, type RedisClientOptions } from './connect.js';
export { DEFAULT_KEY_PREFIX } from './keys.js';
export { RedisRunLimiter, type RedisRunLimiterOptions } from './run-limiter.js';
export { RedisRunRegistry, type RedisRunRegistryOptions } from './run-registry.js';
