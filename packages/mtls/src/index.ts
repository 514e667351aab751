export {
  TLS_MIN_VERSION,
  readTlsFiles,
  serverTlsOptions,
  allowPeers,
  spiffeIdsOf,
  spiffeIdOf,
  peerSpiffeId,
  spiffeServerIdentity,
  clientTlsOptions,
  clientHttpsAgent,
} from './tls.js';
export type { ServerTlsPolicy, TlsEnv, TlsMaterial, TlsOptions } from './tls.js';
export { tlsDispatcher } from './dispatcher.js';
export type { TlsDispatcherOptions } from './dispatcher.js';
