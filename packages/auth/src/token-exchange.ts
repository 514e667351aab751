import { LRUCache } from 'lru-cache';
import { Agent, request, type Dispatcher } from 'undici';
import {
  EXCHANGE_FAILURE_STATUS,
  accessTokenOf,
  childTraceparent,
  classifyIssuerAnswer,
  parseTraceparent,
  type Caller,
  type ExchangeRequest,
  type TokenExchanger,
} from '@baton/identity';
import { AuthError } from './errors.js';
import { ExchangeBackoff } from './exchange-backoff.js';
import { createClientAuthenticator, type ClientAssertionKey, type ClientAuthMethod, type ClientAuthenticator } from './client-auth.js';
import {
  TOKEN_TYPE_ACCESS_TOKEN,
  checkRequest,
  checkedFlowOptions,
  exchangeForm,
  type ExchangeFlow,
  type ExchangeTarget,
  type FlowSettings,
} from './exchange-form.js';
import { BatonError } from '@baton/errors';

export { GRANT_TYPE_TOKEN_EXCHANGE, GRANT_TYPE_JWT_BEARER, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT } from './exchange-form.js';
export type { ExchangeFlow, ExchangeTarget } from './exchange-form.js';

export interface TokenExchangeClientOptions {
  /** The issuer's token endpoint. */
  tokenEndpoint: string;
  /** This service's client id. */
  clientId: string;
  /** The client secret (`client_secret_basic`, `client_secret_post`). */
  clientSecret?: string;
  /** Client authentication at the token endpoint (default `client_secret_basic`, RFC 6749 §2.3.1). */
  clientAuthMethod?: ClientAuthMethod;
  /** The client's signing key (`private_key_jwt`, RFC 7523 §2.2). */
  clientAssertionKey?: ClientAssertionKey;
  /**
   * `rfc8693` (default): an RFC 8693 token exchange. `entra-obo`: Microsoft Entra ID's
   * on-behalf-of request (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
   * `requested_token_use=on_behalf_of`, the caller's token as `assertion`, the request's `scope`,
   * e.g. `api://agent-research/.default`, required).
   */
  flow?: ExchangeFlow;
  /**
   * rfc8693: which target parameters to send: `audience` (default; Keycloak, Okta, the dev issuer),
   * `resource` (RFC 8707; the request's `resource` is then required) or `both`.
   */
  target?: ExchangeTarget;
  /** rfc8693 `requested_token_type` (default the access-token URN; or `urn:ietf:params:oauth:token-type:jwt`). */
  requestedTokenType?: string;
  /** Whole-request timeout (default 5 000). */
  timeoutMs?: number;
  /** A cached token is renewed this long before it expires (default 30). */
  refreshSkewSec?: number;
  /** Cached exchanged tokens, and callers remembered as throttled by the issuer (default 10 000 each). */
  maxEntries?: number;
  /** undici Dispatcher (default: one keep-alive Agent made by the client). */
  dispatcher?: Dispatcher;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
}

export interface ExchangedToken {
  accessToken: string;
  /** When the issued token expires, ms since the epoch. */
  expiresAt: number;
  scope?: string;
  issuedTokenType: string;
}

export interface TokenExchangeClient extends TokenExchanger {
  /**
   * Exchange the caller's token for a token for `audience` (RFC 8693), from the cache when a fresh
   * one is held. The caller's request id and a child of its traceparent (or `request.traceparent`,
   * the outgoing hop's) go to the issuer as `x-request-id` / `traceparent`. Rejects with
   * AUTH_EXCHANGE_DENIED (403: the issuer refused the caller; 502: it refused our own client
   * credentials), AUTH_EXCHANGE_RATE_LIMITED (429 with `Retry-After`: the issuer answered 429, now
   * or for this caller within its `Retry-After`, which is then not asked again) or
   * AUTH_EXCHANGE_UNAVAILABLE (503: network, timeout, 5xx, bad response) — decided by
   * `classifyIssuerAnswer` (`@baton/identity`).
   */
  exchangeFor(caller: Caller, request: ExchangeRequest): Promise<ExchangedToken>;
  /** Close the client's own Agent (not a dispatcher that was passed in). */
  close(): Promise<void>;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const OAUTH_ERROR = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/**
 * Correlation headers for the issuer: the caller's request id and the hop's traceparent (given, or
 * a child of the caller's; none when the caller has none), only ever well-formed values.
 */
function correlationHeaders(caller: Caller, traceparent: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (caller.requestId !== undefined) out['x-request-id'] = caller.requestId;
  const hop = traceparent ?? (caller.traceparent !== undefined ? childTraceparent(caller.traceparent) : undefined);
  if (parseTraceparent(hop)) out.traceparent = hop!.trim();
  return out;
}

/** `exp` of the issued JWT, read without verifying, when the issuer sent no `expires_in`. */
function unverifiedExpSec(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Longest Retry-After passed on (seconds): an issuer's larger value is capped, a missing one is 1. */
const MAX_RETRY_AFTER_SEC = 3600;

/**
 * The issuer throttled this exchange (429): `AUTH_EXCHANGE_RATE_LIMITED` (429) with its
 * `Retry-After` in seconds, so the workflow answers its user 429 rather than an outage.
 */
function retryAfterOf(retryAfterHeader: unknown): number {
  const value = Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader;
  const parsed = typeof value === 'string' && /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : 1;
  return Math.min(MAX_RETRY_AFTER_SEC, Math.max(1, parsed));
}

function rateLimited(retryAfterSec: number): BatonError {
  return new BatonError('AUTH_EXCHANGE_RATE_LIMITED', 'Token exchange throttled by the issuer; retry later', {
    status: 429,
    expose: true,
    headers: { 'Retry-After': String(retryAfterSec) },
    detail: { retry_after_sec: retryAfterSec },
  });
}

function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('AUTH_EXCHANGE_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

interface Entry {
  token: ExchangedToken;
  /** Serve from cache until this instant (ms). */
  freshUntil: number;
}

/** Checks the options; the endpoint as a URL and the numeric settings with their defaults. */
function checkedOptions(options: TokenExchangeClientOptions): {
  endpoint: URL;
  timeoutMs: number;
  refreshSkewSec: number;
  maxEntries: number;
} {
  if (!options || typeof options.tokenEndpoint !== 'string') throw new TypeError('createTokenExchangeClient: tokenEndpoint is required');
  let endpoint: URL;
  try {
    endpoint = new URL(options.tokenEndpoint);
  } catch {
    throw new TypeError('createTokenExchangeClient: tokenEndpoint must be an absolute URL');
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:')
    throw new TypeError('createTokenExchangeClient: tokenEndpoint must be http(s)');
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('createTokenExchangeClient: timeoutMs must be positive');
  const refreshSkewSec = options.refreshSkewSec ?? 30;
  if (!Number.isFinite(refreshSkewSec) || refreshSkewSec < 0) throw new TypeError('createTokenExchangeClient: refreshSkewSec must be >= 0');
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new TypeError('createTokenExchangeClient: maxEntries must be a positive integer');
  return { endpoint, timeoutMs, refreshSkewSec, maxEntries };
}

interface Transport {
  endpoint: URL;
  dispatcher: Dispatcher;
  auth: ClientAuthenticator;
  flow: FlowSettings;
  timeoutMs: number;
  now: () => number;
}

/** The client authentication of the options (a TypeError, naming no secret, when it is incomplete). */
function authenticatorOf(options: TokenExchangeClientOptions): ClientAuthenticator {
  try {
    return createClientAuthenticator({
      method: options.clientAuthMethod ?? 'client_secret_basic',
      clientId: options.clientId,
      ...(options.clientSecret !== undefined ? { clientSecret: options.clientSecret } : {}),
      ...(options.clientAssertionKey !== undefined ? { assertionKey: options.clientAssertionKey } : {}),
    });
  } catch (err) {
    throw new TypeError(`createTokenExchangeClient: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * POSTs the exchange form (RFC 8693, or the entra-obo variant) with the client's authentication; the status and the (size-limited) body text. A transport
 * failure is an outage (AUTH_EXCHANGE_UNAVAILABLE).
 */
async function postExchange(
  t: Transport,
  caller: Caller,
  subjectToken: string,
  req: ExchangeRequest,
): Promise<{ res: Dispatcher.ResponseData; text: string | undefined }> {
  const form = exchangeForm(t.flow, subjectToken, req);
  let credentials;
  try {
    credentials = await t.auth.credentials(t.endpoint.href, t.now());
  } catch (err) {
    // A signing failure names no key material; it is this service's fault, never the caller's.
    throw unavailable('Token exchange failed: client assertion could not be signed', err);
  }
  for (const [k, v] of Object.entries(credentials.params)) form.set(k, v);
  try {
    const res = await request(t.endpoint, {
      method: 'POST',
      dispatcher: t.dispatcher,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...credentials.headers,
        ...correlationHeaders(caller, req.traceparent),
      },
      body: form.toString(),
      signal: AbortSignal.timeout(t.timeoutMs),
      headersTimeout: t.timeoutMs,
      bodyTimeout: t.timeoutMs,
    });
    return { res, text: await readLimited(res.body) };
  } catch (err) {
    // undici errors name the failure (ECONNREFUSED, timeout), never the request body.
    throw unavailable('Token exchange failed: issuer unreachable', err);
  }
}

/** A JSON object, or undefined for anything else (no body, not JSON, an array, a scalar). */
function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return undefined;
}

/** The issued token of a 200 answer; an outage (AUTH_EXCHANGE_UNAVAILABLE) when it is not usable. */
function issuedToken(json: Record<string, unknown> | undefined, now: () => number): ExchangedToken {
  if (!json || typeof json.access_token !== 'string' || json.access_token === '') {
    throw unavailable('Token exchange failed: issuer response has no access_token');
  }
  if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') {
    throw unavailable('Token exchange failed: issued token is not a Bearer token');
  }
  const issuedTokenType = typeof json.issued_token_type === 'string' ? json.issued_token_type : TOKEN_TYPE_ACCESS_TOKEN;
  const t = now();
  let expiresAt: number | undefined;
  if (typeof json.expires_in === 'number' && Number.isFinite(json.expires_in) && json.expires_in > 0) {
    expiresAt = t + json.expires_in * 1000;
  } else {
    const exp = unverifiedExpSec(json.access_token);
    if (exp !== undefined) expiresAt = exp * 1000;
  }
  if (expiresAt === undefined) throw unavailable('Token exchange failed: issuer response has no expiry');
  return {
    accessToken: json.access_token,
    expiresAt,
    ...(typeof json.scope === 'string' ? { scope: json.scope } : {}),
    issuedTokenType,
  };
}

/**
 * RFC 8693 token-exchange client: one keep-alive undici Agent, HTTP Basic client auth, a bounded
 * LRU of exchanged tokens keyed by (the caller's token fingerprint, iss, sub and exp; audience;
 * scope) kept until `refreshSkewSec` before expiry and never past the caller's verified `exp`,
 * single-flight for identical concurrent exchanges, failures never cached but one: an issuer 429
 * is remembered per caller (sha256 of issuer and subject, `ExchangeBackoff`) until its
 * `Retry-After`, and that caller's next exchanges are answered 429 AUTH_EXCHANGE_RATE_LIMITED at
 * once, without the issuer. No decoding of the caller's token: the Caller holds its claims.
 */
export function createTokenExchangeClient(options: TokenExchangeClientOptions): TokenExchangeClient {
  const { endpoint, timeoutMs, refreshSkewSec, maxEntries } = checkedOptions(options);
  const now = options.now ?? Date.now;

  const ownAgent = options.dispatcher ? undefined : new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const dispatcher: Dispatcher = options.dispatcher ?? ownAgent!;
  const auth = authenticatorOf(options);
  const flow = checkedFlowOptions(options);
  const cache = new LRUCache<string, Entry>({ max: maxEntries, perf: { now } });
  const inflight = new Map<string, Promise<ExchangedToken>>();
  const backoff = new ExchangeBackoff(maxEntries, now);

  const transport: Transport = { endpoint, dispatcher, auth, flow, timeoutMs, now };

  async function call(caller: Caller, subjectToken: string, req: ExchangeRequest): Promise<ExchangedToken> {
    const { res, text } = await postExchange(transport, caller, subjectToken, req);
    const json = jsonObject(text);

    if (res.statusCode === 429) {
      // Remembered for this caller until Retry-After: their next runs are answered without the issuer.
      const retryAfterSec = retryAfterOf(res.headers['retry-after']);
      backoff.remember(ExchangeBackoff.keyOf(caller), retryAfterSec);
      throw rateLimited(retryAfterSec);
    }
    if (res.statusCode !== 200) {
      const oauthError =
        json && typeof json.error === 'string' ? (OAUTH_ERROR.test(json.error) ? json.error : 'invalid_request') : undefined;
      const failure = classifyIssuerAnswer(res.statusCode, oauthError);
      if (failure === 'unavailable') {
        // Throttling (429, slow_down, temporarily_unavailable) lands here too: an outage, never a refusal.
        throw unavailable(`Token exchange failed: issuer answered ${res.statusCode}${oauthError ? ` (${oauthError})` : ''}`);
      }
      throw new AuthError('AUTH_EXCHANGE_DENIED', `Token exchange refused by the issuer: ${oauthError}`, {
        status: EXCHANGE_FAILURE_STATUS[failure],
        detail: { error: oauthError },
      });
    }
    return issuedToken(json, now);
  }

  return {
    async exchangeFor(caller, req) {
      const subjectToken = accessTokenOf(caller);
      if (subjectToken === undefined) throw new TypeError('exchangeFor: caller must be a Caller (made by requireAuth)');
      checkRequest(flow, req);
      // The fingerprint names the token; iss, sub and exp make a fingerprint collision between two
      // different users' tokens unable to share an entry.
      const key = [caller.token_fp, caller.iss, caller.sub, caller.exp, req.audience, req.resource ?? '', req.scope ?? ''].join('\n');
      const hit = cache.get(key);
      if (hit) {
        if (now() < hit.freshUntil) return hit.token;
        cache.delete(key);
      }
      const pending = inflight.get(key);
      if (pending) return pending;
      const waitSec = backoff.remainingSec(ExchangeBackoff.keyOf(caller));
      if (waitSec > 0) throw rateLimited(waitSec);
      const p = call(caller, subjectToken, req)
        .then((token) => {
          const freshUntil = Math.min(token.expiresAt - refreshSkewSec * 1000, caller.exp * 1000);
          const ttl = Math.floor(freshUntil - now());
          if (ttl > 0) cache.set(key, { token, freshUntil }, { ttl });
          return token;
        })
        .finally(() => {
          inflight.delete(key);
        });
      inflight.set(key, p);
      return p;
    },
    async close() {
      await ownAgent?.close();
    },
  };
}
