import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Logger } from '@baton/errors';
import { AuthError } from './errors.js';
import { FetchFailure, getJson } from './http-json.js';

/** The parts of an issuer's metadata (OpenID Connect Discovery 1.0 / RFC 8414) Baton uses. */
export interface IssuerMetadata {
  /** Equal, as a string, to the configured issuer identifier. */
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly token_endpoint?: string;
  /** The URL the document was read from. */
  readonly source: string;
}

export interface IssuerDiscoveryOptions {
  /** The issuer identifier exactly as configured (trailing slash and all): discovery's `issuer` must equal it. */
  issuer: string;
  /** Timeout of one metadata request (default 5 000). */
  timeoutMs?: number;
  /** A document older than this is refreshed in the background (default 3 600 000). */
  maxAgeMs?: number;
  /** After a failed discovery, no new attempt before this (default 30 000). */
  cooldownMs?: number;
  /** Each failed URL is one `warn` line with the URL and the status or the error. */
  logger?: Pick<Logger, 'warn' | 'info'>;
  requestAgent?: HttpAgent | HttpsAgent;
  now?: () => number;
}

export interface IssuerDiscovery {
  /** The metadata, fetched once and cached; rejects with 503 `AUTH_KEYS_UNAVAILABLE` while discovery fails. */
  metadata(): Promise<IssuerMetadata>;
  /** The cached metadata, if discovery has succeeded. */
  current(): IssuerMetadata | undefined;
  /**
   * Why there is no metadata yet (undefined once discovery has succeeded): each URL tried with its
   * status or error, or that the first attempt is under way. No secret: the issuer's public URLs.
   */
  failure?(): string | undefined;
}

const OIDC_SUFFIX = '/.well-known/openid-configuration';
const RFC8414_SUFFIX = '/.well-known/oauth-authorization-server';

/**
 * Where an issuer's metadata may be, in the order tried: OpenID Connect Discovery (the issuer with
 * any terminating `/` removed, then `/.well-known/openid-configuration`), then RFC 8414 §3.1 (the
 * well-known suffix inserted between the host and the issuer's path).
 */
export function discoveryUrls(issuer: string): string[] {
  const u = new URL(issuer);
  let path = u.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  const origin = `${u.protocol}//${u.host}`;
  const urls = [`${origin}${path}${OIDC_SUFFIX}`, `${origin}${RFC8414_SUFFIX}${path}`];
  if (path !== '') urls.push(`${origin}${path}${RFC8414_SUFFIX}`); // some servers (Okta) also serve it appended
  return [...new Set(urls)];
}

function httpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hash === '';
  } catch {
    return false;
  }
}

/** The checked metadata of one document, or a FetchFailure saying what is wrong with it. */
function checkDocument(url: string, issuer: string, doc: Record<string, unknown>): IssuerMetadata {
  if (doc.issuer !== issuer) {
    const named = JSON.stringify(doc.issuer ?? null).slice(0, 200);
    throw new FetchFailure(url, `issuer mismatch: the document names ${named}, configured ${JSON.stringify(issuer)}`);
  }
  if (!httpUrl(doc.jwks_uri)) throw new FetchFailure(url, 'the document has no valid jwks_uri');
  if (doc.token_endpoint !== undefined && !httpUrl(doc.token_endpoint))
    throw new FetchFailure(url, 'the document has an invalid token_endpoint');
  return Object.freeze({
    issuer,
    jwks_uri: doc.jwks_uri,
    ...(doc.token_endpoint !== undefined ? { token_endpoint: doc.token_endpoint as string } : {}),
    source: url,
  });
}

function positiveMs(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createIssuerDiscovery: ${name} must be a positive number of milliseconds`);
  }
  return value;
}

/**
 * Issuer discovery: reads the issuer's metadata from its well-known URLs (`discoveryUrls`), checks
 * that its `issuer` is exactly the configured identifier and that `jwks_uri` (and
 * `token_endpoint`, if any) are http(s) URLs, caches it, and refreshes it in the background once
 * older than `maxAgeMs` (the cached document is kept if the refresh fails). Single-flight; after a
 * failure no new attempt for `cooldownMs`.
 */
export function createIssuerDiscovery(options: IssuerDiscoveryOptions): IssuerDiscovery {
  if (!options || !httpUrl(options.issuer)) throw new TypeError('createIssuerDiscovery: issuer must be an absolute http(s) URL');
  const { issuer, logger } = options;
  const timeoutMs = positiveMs('timeoutMs', options.timeoutMs ?? 5_000);
  const maxAgeMs = positiveMs('maxAgeMs', options.maxAgeMs ?? 3_600_000);
  const cooldownMs = positiveMs('cooldownMs', options.cooldownMs ?? 30_000);
  const now = options.now ?? Date.now;
  let cached: IssuerMetadata | undefined;
  let fetchedAt = 0;
  let failedAt: number | undefined;
  let inflight: Promise<IssuerMetadata> | undefined;
  let lastFailure: string | undefined;
  /** Seconds until the cooldown after a failure ends: the 503's Retry-After. */
  const retryAfterSec = () => (failedAt === undefined ? cooldownMs : cooldownMs - (now() - failedAt)) / 1000;
  const unavailable = () =>
    new AuthError('AUTH_KEYS_UNAVAILABLE', 'The issuer metadata is unavailable', { retryAfterSec: retryAfterSec() });

  async function discover(): Promise<IssuerMetadata> {
    const failures: string[] = [];
    for (const url of discoveryUrls(issuer)) {
      try {
        return checkDocument(url, issuer, await getJson(url, { timeoutMs, agent: options.requestAgent }));
      } catch (err) {
        const fields = err instanceof FetchFailure ? err.toLog() : { url, error: String(err) };
        logger?.warn({ issuer, ...fields }, 'issuer discovery failed');
        failures.push(`${url}: ${fields.error ?? 'failed'}`);
      }
    }
    lastFailure = `issuer discovery failed for ${JSON.stringify(issuer)}: ${failures.join('; ')}`.slice(0, 1000);
    throw unavailable();
  }

  function refresh(): Promise<IssuerMetadata> {
    inflight ??= discover()
      .then((m) => {
        if (cached?.jwks_uri !== m.jwks_uri || cached?.token_endpoint !== m.token_endpoint) {
          logger?.info({ issuer, source: m.source, jwks_uri: m.jwks_uri, token_endpoint: m.token_endpoint ?? null }, 'issuer discovered');
        }
        cached = m;
        fetchedAt = now();
        failedAt = undefined;
        lastFailure = undefined;
        return m;
      })
      .catch((err: unknown) => {
        failedAt = now();
        throw err;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    async metadata() {
      if (cached) {
        const coolingDown = failedAt !== undefined && now() - failedAt < cooldownMs;
        if (now() - fetchedAt >= maxAgeMs && !inflight && !coolingDown) refresh().catch(() => undefined);
        return cached;
      }
      if (inflight) return inflight;
      if (failedAt !== undefined && now() - failedAt < cooldownMs) throw unavailable();
      return refresh();
    },
    current: () => cached,
    failure: () => (cached ? undefined : (lastFailure ?? `discovering the issuer ${JSON.stringify(issuer)}`)),
  };
}
