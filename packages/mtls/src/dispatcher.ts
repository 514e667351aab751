import type { ConnectionOptions } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';

export interface TlsDispatcherOptions {
  /** TCP + TLS connect timeout (default 2 000, as RemoteRunnable's own default dispatcher). */
  connectMs?: number;
}

/**
 * A keep-alive undici Agent whose connections use `tls`: for mutual TLS, the client certificate
 * (`cert`, `key`), the CA to trust (`ca`), `minVersion` and a `checkServerIdentity` that checks
 * the server's SPIFFE id (`clientTlsOptions(material, expectedId)` builds these).
 * Pass it as `@baton/remote`'s `RemoteRunnable`'s or the token-exchange client's `dispatcher`; use one per expected
 * server identity.
 */
export function tlsDispatcher(tls: ConnectionOptions, options: TlsDispatcherOptions = {}): Dispatcher {
  return new Agent({ connect: { ...tls, timeout: options.connectMs ?? 2_000 } as Agent.Options['connect'] });
}
