export { readTlsFiles, serverTlsOptions, allowPeers, peerSpiffeId, clientTlsOptions, clientHttpsAgent } from './tls.js';
export type { ServerTlsPolicy, TlsEnv, TlsMaterial, TlsOptions } from './tls.js';
export { tlsDispatcher } from './dispatcher.js';
export type { TlsDispatcherOptions } from './dispatcher.js';
