import type { KeyObject } from 'node:crypto';
import { createIssuerDiscovery, type IssuerDiscovery, type IssuerDiscoveryOptions } from './discovery.js';
import { createJwksKeyStore, type JwksKeyStoreOptions, type KeyStore } from './jwks.js';

export interface IssuerKeyStoreOptions extends Omit<JwksKeyStoreOptions, 'jwksUri' | 'logger'> {
  /** The issuer identifier, exactly as configured. */
  issuer: string;
  /** An explicit JWKS URI (`JWKS_URI`): overrides discovery. */
  jwksUri?: string | undefined;
  /** A discovery to share (the workflow also reads `token_endpoint` from it); default: one made here. */
  discovery?: IssuerDiscovery;
  /** Options of the discovery made here. */
  discoveryOptions?: Omit<IssuerDiscoveryOptions, 'issuer' | 'logger' | 'requestAgent' | 'now'>;
  logger?: IssuerDiscoveryOptions['logger'];
}

export interface IssuerKeyStore extends KeyStore {
  ready(): boolean;
  /**
   * Why `ready()` is false, for `/readyz` (undefined when ready): the issuer discovery's URLs with
   * their status or error (an issuer mismatch names both identifiers), or the JWKS fetch's.
   */
  notReadyReason(): string | undefined;
  /** The JWKS URI in use: the configured one, or the discovered one (undefined until discovery succeeds). */
  jwksUri(): string | undefined;
}

/**
 * The keys of an issuer: from `jwksUri` when given, else from the `jwks_uri` of the issuer's
 * discovery document (`createIssuerDiscovery`; a new JWKS store when a refresh moves it). While
 * discovery fails, `getKey` rejects with 503 `AUTH_KEYS_UNAVAILABLE` and `ready()` is false.
 */
export function createIssuerKeyStore(options: IssuerKeyStoreOptions): IssuerKeyStore {
  const { issuer, jwksUri, discovery: shared, discoveryOptions, logger, ...jwksOptions } = options;
  const storeOptions = { ...jwksOptions, ...(logger ? { logger } : {}) };
  if (jwksUri !== undefined) {
    const store = createJwksKeyStore({ ...storeOptions, jwksUri });
    const ready = () => store.ready?.() ?? true;
    return {
      getKey: store.getKey,
      stats: store.stats,
      ready,
      notReadyReason: () => (ready() ? undefined : (store.failure?.() ?? `fetching the JWKS at ${jwksUri}`)),
      jwksUri: () => jwksUri,
    };
  }
  const discovery =
    shared ??
    createIssuerDiscovery({
      issuer,
      ...discoveryOptions,
      ...(logger ? { logger } : {}),
      ...(jwksOptions.requestAgent ? { requestAgent: jwksOptions.requestAgent } : {}),
      ...(jwksOptions.now ? { now: jwksOptions.now } : {}),
    });
  let current: { uri: string; store: KeyStore } | undefined;
  let retiredFetches = 0;
  const storeFor = (uri: string): KeyStore => {
    if (current?.uri !== uri) {
      retiredFetches += current?.store.stats().fetches ?? 0;
      current = { uri, store: createJwksKeyStore({ ...storeOptions, jwksUri: uri }) };
    }
    return current.store;
  };
  const ready = (): boolean => {
    const metadata = discovery.current();
    if (!metadata) {
      // Start (or wait out the cooldown of) discovery, then the first JWKS fetch, so a later
      // readiness check finds the keys without having to be asked twice.
      discovery
        .metadata()
        .then((m) => storeFor(m.jwks_uri).ready?.())
        .catch(() => undefined);
      return false;
    }
    return storeFor(metadata.jwks_uri).ready?.() ?? true;
  };
  return {
    async getKey(kid, alg): Promise<KeyObject> {
      const metadata = await discovery.metadata();
      return storeFor(metadata.jwks_uri).getKey(kid, alg);
    },
    stats: () => ({ fetches: retiredFetches + (current?.store.stats().fetches ?? 0) }),
    ready,
    notReadyReason() {
      if (ready()) return undefined;
      const metadata = discovery.current();
      if (!metadata) return discovery.failure?.() ?? `discovering the issuer ${JSON.stringify(issuer)}`;
      return storeFor(metadata.jwks_uri).failure?.() ?? `fetching the JWKS at ${metadata.jwks_uri}`;
    },
    jwksUri: () => discovery.current()?.jwks_uri,
  };
}
