import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { JwksClient, SigningKey } from 'jwks-rsa';
import type { Logger } from '@baton/errors';
import { AuthError } from './errors.js';
import { FetchFailure, getJson } from './http-json.js';

/** Where a verifier gets its public keys. */
export interface KeyStore {
  /**
   * The public key for `kid` usable with `alg`. Rejects with an AuthError:
   * AUTH_KEY_NOT_FOUND (401) when the key is not known, AUTH_KEYS_UNAVAILABLE (503) when the
   * key set cannot be fetched and the key is not cached.
   */
  getKey(kid: string | undefined, alg: string): Promise<KeyObject>;
  stats(): KeyStoreStats;
  /**
   * Whether the store holds a usable key set (readiness). When it holds none and no fetch is
   * under way or cooling down, starts one in the background. Optional: a store without it is ready.
   */
  ready?(): boolean;
  /** Why the store holds no usable key set (undefined once it does): the JWKS URL and the status or error. Optional. */
  failure?(): string | undefined;
}

export interface KeyStoreStats {
  /** JWKS fetches attempted (successful or not). */
  fetches: number;
}

export interface JwksKeyStoreOptions {
  /** The issuer's JWKS endpoint (`jwks_uri`). */
  jwksUri: string;
  /** Minimum time between two fetches triggered by an unknown `kid` (default 30 000). */
  cooldownMs?: number;
  /** Timeout of one JWKS request (default 5 000). */
  timeoutMs?: number;
  /** Refresh the set in the background once it is older than this (default 600 000). */
  maxAgeMs?: number;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
  /** http(s) Agent for the JWKS requests (keep-alive, TLS options, proxies). */
  requestAgent?: HttpAgent | HttpsAgent;
  /** Extra headers for the JWKS request. */
  requestHeaders?: Record<string, string>;
  /** A failed fetch is one `warn` line naming the JWKS URL and the HTTP status or the error (never a token). */
  logger?: Pick<Logger, 'warn'>;
}

/** JOSE algorithms this package can verify (jsonwebtoken 9 has no EdDSA). */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

const EC_CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const MIN_RSA_BITS = 2048;

/** Whether `key` is the right type for `alg`: RSA for RS*, RSA or RSA-PSS for PS*, the alg's curve for ES*. */
export function keyMatchesAlg(key: KeyObject, alg: string): boolean {
  if (key.type !== 'public') return false;
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  const curve = EC_CURVE[alg];
  if (curve) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === curve;
  return false;
}

interface Entry {
  pem: string;
  key: KeyObject;
  /** The JWK's own `alg`, when it declares one: the key is then usable with that alg only. */
  alg: string | undefined;
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createJwksKeyStore: ${name} must be a positive number of milliseconds`);
  }
  return value;
}

/** Throws a TypeError unless `options.jwksUri` is an absolute http(s) URL. */
function checkJwksUri(options: JwksKeyStoreOptions): void {
  if (!options || typeof options.jwksUri !== 'string') throw new TypeError('createJwksKeyStore: jwksUri is required');
  let uri: URL;
  try {
    uri = new URL(options.jwksUri);
  } catch {
    throw new TypeError('createJwksKeyStore: jwksUri must be an absolute URL');
  }
  if (uri.protocol !== 'https:' && uri.protocol !== 'http:') {
    throw new TypeError('createJwksKeyStore: jwksUri must be http(s)');
  }
}

/**
 * A lazy jwks-rsa client. jwks-rsa (and its ESM-only dependency jose) is loaded on first fetch, so
 * code that imports this package without a JWKS key store (tests with a stub KeyStore, the exchange
 * client) never loads it.
 */
function lazyJwksClient(options: JwksKeyStoreOptions, timeoutMs: number): () => Promise<JwksClient> {
  let client: Promise<JwksClient> | undefined;
  return () =>
    (client ??= import('jwks-rsa').then(
      (mod) =>
        new mod.JwksClient({
          jwksUri: options.jwksUri,
          cache: false, // our own map below
          rateLimit: false, // its per-minute limit refuses a genuinely rotated key; we use a cooldown instead
          timeout: timeoutMs,
          // Our own GET (status and error kept for the log line; body bounded; agent and headers as configured).
          fetcher: (uri: string) =>
            getJson(uri, { timeoutMs, agent: options.requestAgent, headers: options.requestHeaders }).then(
              (body) => body as { keys: unknown },
            ),
        }),
    ));
}

/**
 * The usable keys of a fetched set, by kid (first wins) and without kid. Each key is parsed once
 * per fetch; an unchanged key keeps its KeyObject from `previous`. Unparseable keys and RSA keys
 * under MIN_RSA_BITS are skipped.
 */
function usableEntries(signingKeys: SigningKey[], previous: Map<string, Entry>): { byKid: Map<string, Entry>; withoutKid: Entry[] } {
  const byKid = new Map<string, Entry>();
  const withoutKid: Entry[] = [];
  for (const sk of signingKeys) {
    const pem = sk.getPublicKey();
    const before = sk.kid !== undefined ? previous.get(sk.kid) : undefined;
    let key: KeyObject;
    if (before && before.pem === pem) {
      key = before.key;
    } else {
      try {
        key = crypto.createPublicKey(pem);
      } catch {
        continue;
      }
    }
    if (
      (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
      (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS
    ) {
      continue;
    }
    const alg = (sk as { alg?: string }).alg;
    const entry: Entry = { pem, key, alg };
    if (typeof sk.kid === 'string' && sk.kid) {
      if (!byKid.has(sk.kid)) byKid.set(sk.kid, entry);
    } else {
      withoutKid.push(entry);
    }
  }
  return { byKid, withoutKid };
}

function usable(entry: Entry, alg: string): boolean {
  return (entry.alg === undefined || entry.alg === alg) && keyMatchesAlg(entry.key, alg);
}

/** undefined = not in the set; null = in the set but not usable for alg. */
function lookupIn(byKid: Map<string, Entry>, withoutKid: Entry[], kid: string | undefined, alg: string): KeyObject | null | undefined {
  if (kid === undefined) {
    // No kid: only unambiguous when the set holds exactly one key usable for alg.
    const candidates = [...byKid.values(), ...withoutKid].filter((e) => usable(e, alg));
    if (candidates.length === 1) return candidates[0]!.key;
    return candidates.length === 0 ? undefined : null;
  }
  const entry = byKid.get(kid);
  if (!entry) return undefined;
  return usable(entry, alg) ? entry.key : null;
}

/** The checked options with their defaults, and the lazy client. */
function settingsOf(options: JwksKeyStoreOptions) {
  checkJwksUri(options);
  const cooldownMs = positive('cooldownMs', options.cooldownMs ?? 30_000);
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? 5_000);
  const maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? 600_000);
  return { cooldownMs, maxAgeMs, now: options.now ?? Date.now, getClient: lazyJwksClient(options, timeoutMs), logger: options.logger };
}

/**
 * A KeyStore over a JWKS endpoint. jwks-rsa's JwksClient is used only to fetch and parse the set
 * (its cache and rate limit are off); keys are parsed into KeyObjects once per fetch and kept in
 * our own map.
 *
 * - An unknown `kid` refetches the whole set, at most once per `cooldownMs`; concurrent misses share
 *   one fetch. Inside the cooldown an unknown kid is refused without a request (401
 *   AUTH_KEY_NOT_FOUND), or 503 AUTH_KEYS_UNAVAILABLE if the last fetch failed.
 * - A set older than `maxAgeMs` is refreshed in the background (also cooldown-limited); the cached
 *   keys keep being served meanwhile and if the refresh fails. Trade-off: a key removed from the
 *   JWKS stays trusted until a refresh succeeds — availability over instant revocation during an
 *   issuer outage.
 */
export function createJwksKeyStore(options: JwksKeyStoreOptions): KeyStore {
  const { cooldownMs, maxAgeMs, now, getClient, logger } = settingsOf(options);

  let byKid = new Map<string, Entry>();
  let withoutKid: Entry[] = [];
  let fetchedAt: number | undefined; // last successful fetch
  let attemptedAt: number | undefined; // last fetch started
  let lastError: string | undefined; // the last fetch failed: why
  let inflight: Promise<void> | undefined;
  let fetches = 0;

  async function load(): Promise<void> {
    const { byKid: nextByKid, withoutKid: nextWithoutKid } = usableEntries(await (await getClient()).getSigningKeys(), byKid);
    if (nextByKid.size === 0 && nextWithoutKid.length === 0) throw new Error('JWKS has no usable signing keys');
    byKid = nextByKid;
    withoutKid = nextWithoutKid;
  }

  /** Single-flight fetch of the whole set; never rejects (a failure in `lastError`). */
  function refresh(): Promise<void> {
    if (inflight) return inflight;
    attemptedAt = now();
    fetches += 1;
    inflight = load()
      .then(
        () => {
          fetchedAt = now();
          lastError = undefined;
        },
        (err: unknown) => {
          lastError = logFetchFailure(logger, options.jwksUri, err);
        },
      )
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  const coolingDown = () => attemptedAt !== undefined && now() - attemptedAt < cooldownMs;
  const unavailable = () => keysUnavailable(cooldownMs - (now() - (attemptedAt ?? now())));

  const lookup = (kid: string | undefined, alg: string) => lookupIn(byKid, withoutKid, kid, alg);

  return {
    async getKey(kid, alg) {
      if (fetchedAt !== undefined && now() - fetchedAt >= maxAgeMs && !inflight && !coolingDown()) {
        void refresh(); // stale: refresh in the background, keep serving
      }
      if (fetchedAt !== undefined || inflight) {
        if (inflight && fetchedAt === undefined) await inflight;
        const hit = lookup(kid, alg);
        if (hit !== undefined) return found(hit);
      }
      // Miss: refetch at most once per cooldown; concurrent misses share the fetch.
      if (inflight) {
        await inflight;
      } else if (!coolingDown()) {
        await refresh();
      } else {
        if (lastError !== undefined) throw unavailable();
        throw new AuthError('AUTH_KEY_NOT_FOUND', 'No signing key matches the token');
      }
      const hit = lookup(kid, alg);
      if (hit !== undefined) return found(hit);
      if (lastError !== undefined) throw unavailable();
      throw new AuthError('AUTH_KEY_NOT_FOUND', 'No signing key matches the token');
    },
    stats() {
      return { fetches };
    },
    ready() {
      if (fetchedAt !== undefined) return true;
      if (!inflight && !coolingDown()) void refresh();
      return false;
    },
    failure: () =>
      fetchedAt !== undefined ? undefined : lastError ? `JWKS fetch failed: ${lastError}` : `fetching the JWKS at ${options.jwksUri}`,
  };
}

/** The 503 while the set cannot be fetched: Retry-After is the rest of the cooldown. */
function keysUnavailable(retryAfterMs: number): AuthError {
  return new AuthError('AUTH_KEYS_UNAVAILABLE', 'Signing keys are temporarily unavailable', { retryAfterSec: retryAfterMs / 1000 });
}

/** The key a lookup found; null (in the set, not usable for the alg) is AUTH_KEY_NOT_FOUND. */
function found(key: KeyObject | null): KeyObject {
  if (key === null) throw new AuthError('AUTH_KEY_NOT_FOUND', 'No key with that kid is usable for the token algorithm');
  return key;
}

/** One warn line for a failed JWKS fetch: the URL and the status or the error; returns them as one line (`failure()`). */
function logFetchFailure(logger: Pick<Logger, 'warn'> | undefined, jwksUri: string, err: unknown): string {
  const fields =
    err instanceof FetchFailure
      ? err.toLog()
      : {
          url: jwksUri,
          error:
            err instanceof Error ? err.message : typeof err === 'object' && err && 'errorMsg' in err ? String(err.errorMsg) : String(err),
        };
  logger?.warn({ jwks_uri: jwksUri, ...fields }, 'JWKS fetch failed');
  return `${fields.url}: ${fields.error ?? 'failed'}`.slice(0, 1000);
}
