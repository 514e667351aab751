export { RemoteRunnable, type RemoteCallOptions, type BatonRunContext, type RemoteStreamEvent } from './remote-runnable.js';
export {
  type RemoteRunnableOptions,
  type RemoteCredentials,
  type RemoteTimeouts,
  type RemoteRetry,
  type ForwardableConfigKey,
  type TokenExchanger,
} from './options.js';
export { PRINCIPAL_CONFIGURABLE_KEY, principalFromConfig } from './credentials.js';
export { RemoteError, REMOTE_ERROR_CODES, type RemoteErrorCode, isRemoteError, isRetryableRemoteError } from './errors.js';
export { parseTraceparent, formatTraceparent, childTraceparent, newTraceparent, type Traceparent } from './traceparent.js';
export { SseParser, type SseEvent } from './sse.js';
