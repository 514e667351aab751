export { parseConfig, loadConfig } from './config.js';
export type { ConfigOptions, ConfigIssue, Env } from './config.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { requestContext, isValidRequestId, loggablePath } from './request-context.js';
export type { RequestContextOptions } from './request-context.js';
export { healthRoutes } from './health.js';
export type { HealthOptions } from './health.js';
export { metrics } from './metrics.js';
export type { MetricsOptions } from './metrics.js';
export { listen, installShutdown } from './server.js';
export type { ListenLogger, ListenOptions, TlsOptions, ShutdownOptions, ShutdownLogger } from './server.js';
export {
  TLS_MIN_VERSION,
  readTlsFiles,
  loadTlsFiles,
  serverTlsOptions,
  allowPeers,
  spiffeIdsOf,
  spiffeIdOf,
  peerSpiffeId,
  spiffeServerIdentity,
  clientTlsOptions,
  clientHttpsAgent,
} from './tls.js';
export type { TlsEnv, TlsMaterial } from './tls.js';
