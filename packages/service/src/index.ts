export {
  parseConfig,
  loadConfig,
  configOrExit,
  port,
  host,
  bool,
  url,
  int,
  durationMs,
  durationSec,
  parseDuration,
  list,
} from './config.js';
export type { ConfigIssue, Env } from './config.js';
export { createLogger } from './logger.js';
export type { Logger, LogDestination, LogLevel } from './logger.js';
export { requestContext, isValidRequestId, loggablePath } from './request-context.js';
export type { RequestContextOptions } from './request-context.js';
export { parseTraceparent, newTraceparent, childTraceparent } from './trace.js';
export type { TraceContext } from './trace.js';
export { healthRoutes } from './health.js';
export { metrics } from './metrics.js';
export { listen, installShutdown } from './server.js';
export { runService } from './run-service.js';
export type { ListeningInfo, RunningService, RunServiceOptions, ServiceContext, ServiceSettings } from './run-service.js';
export { SPIFFE_TRUST_DOMAIN, spiffeId, isSpiffeId, spiffeIdVar, tlsEnvShape } from './tls.js';
