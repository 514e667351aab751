export { RemoteRunnable, type RemoteCallOptions, type RemoteStreamEvent } from './remote-runnable.js';
export {
  type RemoteRunnableOptions,
  type RemoteCredentials,
  type RemoteTimeouts,
  type RemoteRetry,
  type ForwardableConfigKey,
} from './options.js';
export { RemoteError, REMOTE_ERROR_CODES, type RemoteErrorCode, isRemoteError, isRetryableRemoteError } from './errors.js';
export type { SseEvent } from './sse.js';
