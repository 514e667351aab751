import { LRUCache } from 'lru-cache';
import { Agent, request, type Dispatcher } from 'undici';
import { AuthError } from './errors.js';
import { sha256 } from './hash.js';

export const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeClientOptions {
  /** The issuer's token endpoint. */
  tokenEndpoint: string;
  /** This service's client id (HTTP Basic client authentication, RFC 6749 §2.3.1). */
  clientId: string;
  clientSecret: string;
  /** Whole-request timeout (default 5 000). */
  timeoutMs?: number;
  /** A cached token is renewed this long before it expires (default 30). */
  refreshSkewSec?: number;
  /** Cached exchanged tokens (default 10 000). */
  maxEntries?: number;
  /** undici Dispatcher (default: one keep-alive Agent made by the client). */
  dispatcher?: Dispatcher;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
}

export interface TokenExchangeRequest {
  /** The caller's access token. */
  subjectToken: string;
  /** The target service's audience. */
  audience: string;
  /** Space-delimited scopes to ask for (default: the issuer's choice). */
  scope?: string;
  /**
   * Sent as `x-request-id` so the issuer's log line for this exchange joins the caller's request
   * (ignored unless 1-128 of `A-Za-z0-9._:-`). Not part of the cache key: a cache hit makes no request.
   */
  requestId?: string;
  /** W3C `traceparent` sent to the issuer (ignored unless valid). Not part of the cache key. */
  traceparent?: string;
}

export interface ExchangedToken {
  accessToken: string;
  /** When the issued token expires, ms since the epoch. */
  expiresAt: number;
  scope?: string;
  issuedTokenType: string;
}

export interface TokenExchangeClient {
  /**
   * Exchange `subjectToken` for a token for `audience` (RFC 8693), from the cache when a
   * fresh one is held. Rejects with AUTH_EXCHANGE_DENIED (the issuer refused) or
   * AUTH_EXCHANGE_UNAVAILABLE (503: network, timeout, 5xx, bad response).
   */
  exchange(request: TokenExchangeRequest): Promise<ExchangedToken>;
  /** Close the client's own Agent (not a dispatcher that was passed in). */
  close(): Promise<void>;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const OAUTH_ERROR = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Correlation headers for the issuer: only well-formed values, never anything else from the caller. */
function correlationHeaders(req: TokenExchangeRequest): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof req.requestId === 'string' && REQUEST_ID.test(req.requestId)) out['x-request-id'] = req.requestId;
  if (typeof req.traceparent === 'string' && TRACEPARENT.test(req.traceparent.trim())) out.traceparent = req.traceparent.trim();
  return out;
}

/** RFC 6749 Appendix B: application/x-www-form-urlencoded encoding of one value. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `exp` of a JWT, read without verifying (only ever used to shorten a cache lifetime). */
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

function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('AUTH_EXCHANGE_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

interface Entry {
  token: ExchangedToken;
  /** Serve from cache until this instant (ms). */
  freshUntil: number;
}

/**
 * RFC 8693 token-exchange client: one keep-alive undici Agent, HTTP Basic client auth, a bounded
 * LRU of exchanged tokens keyed by (sha256(subject token), audience, scope) kept until
 * `refreshSkewSec` before expiry (and never past the subject token's own exp), single-flight for
 * identical concurrent exchanges, failures never cached.
 */
export function createTokenExchangeClient(options: TokenExchangeClientOptions): TokenExchangeClient {
  if (!options || typeof options.tokenEndpoint !== 'string') throw new TypeError('createTokenExchangeClient: tokenEndpoint is required');
  let endpoint: URL;
  try {
    endpoint = new URL(options.tokenEndpoint);
  } catch {
    throw new TypeError('createTokenExchangeClient: tokenEndpoint must be an absolute URL');
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:')
    throw new TypeError('createTokenExchangeClient: tokenEndpoint must be http(s)');
  if (typeof options.clientId !== 'string' || options.clientId === '')
    throw new TypeError('createTokenExchangeClient: clientId is required');
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '')
    throw new TypeError('createTokenExchangeClient: clientSecret is required');
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('createTokenExchangeClient: timeoutMs must be positive');
  const refreshSkewSec = options.refreshSkewSec ?? 30;
  if (!Number.isFinite(refreshSkewSec) || refreshSkewSec < 0) throw new TypeError('createTokenExchangeClient: refreshSkewSec must be >= 0');
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new TypeError('createTokenExchangeClient: maxEntries must be a positive integer');
  const now = options.now ?? Date.now;

  const ownAgent = options.dispatcher ? undefined : new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const dispatcher: Dispatcher = options.dispatcher ?? ownAgent!;
  const authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`;
  const cache = new LRUCache<string, Entry>({ max: maxEntries, perf: { now } });
  const inflight = new Map<string, Promise<ExchangedToken>>();

  async function call(req: TokenExchangeRequest): Promise<ExchangedToken> {
    const form = new URLSearchParams({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      subject_token: req.subjectToken,
      subject_token_type: TOKEN_TYPE_ACCESS_TOKEN,
      audience: req.audience,
      requested_token_type: TOKEN_TYPE_ACCESS_TOKEN,
    });
    if (req.scope) form.set('scope', req.scope);

    let res: Dispatcher.ResponseData;
    let text: string | undefined;
    try {
      res = await request(endpoint, {
        method: 'POST',
        dispatcher,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization,
          ...correlationHeaders(req),
        },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      text = await readLimited(res.body);
    } catch (err) {
      // undici errors name the failure (ECONNREFUSED, timeout), never the request body.
      throw unavailable('Token exchange failed: issuer unreachable', err);
    }
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }

    // Throttling is the issuer being busy, not a refusal: a retryable outage (503).
    if (res.statusCode === 429 || (json && (json.error === 'slow_down' || json.error === 'temporarily_unavailable'))) {
      throw unavailable(`Token exchange failed: issuer is throttling (${res.statusCode})`);
    }
    if (res.statusCode >= 400 && res.statusCode < 500 && json && typeof json.error === 'string') {
      const error = OAUTH_ERROR.test(json.error) ? json.error : 'invalid_request';
      // invalid_client is this service's own misconfiguration, not the user's: a 502, not a 403.
      throw new AuthError('AUTH_EXCHANGE_DENIED', `Token exchange refused by the issuer: ${error}`, {
        status: error === 'invalid_client' ? 502 : 403,
        detail: { error },
      });
    }
    if (res.statusCode !== 200) throw unavailable(`Token exchange failed: issuer answered ${res.statusCode}`);
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

  return {
    async exchange(req) {
      if (!req || typeof req.subjectToken !== 'string' || req.subjectToken === '')
        throw new TypeError('exchange: subjectToken is required');
      if (typeof req.audience !== 'string' || req.audience === '') throw new TypeError('exchange: audience is required');
      if (req.scope !== undefined && typeof req.scope !== 'string') throw new TypeError('exchange: scope must be a string');
      if (req.requestId !== undefined && typeof req.requestId !== 'string') throw new TypeError('exchange: requestId must be a string');
      if (req.traceparent !== undefined && typeof req.traceparent !== 'string')
        throw new TypeError('exchange: traceparent must be a string');
      const key = `${sha256(req.subjectToken)}\n${req.audience}\n${req.scope ?? ''}`;
      const hit = cache.get(key);
      if (hit) {
        if (now() < hit.freshUntil) return hit.token;
        cache.delete(key);
      }
      const pending = inflight.get(key);
      if (pending) return pending;
      const p = call(req)
        .then((token) => {
          const subjectExp = unverifiedExpSec(req.subjectToken);
          const freshUntil = Math.min(token.expiresAt - refreshSkewSec * 1000, subjectExp === undefined ? Infinity : subjectExp * 1000);
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
