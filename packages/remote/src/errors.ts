import { BatonError, codesOf, isBatonError, scrubSecrets, type CodeOf } from '@baton/errors';

/**
 * Every code a RemoteRunnable error can carry: the `REMOTE_*` codes of the `@baton/errors`
 * registry. Their statuses (there) are what the *calling* service answers with: an agent refusing
 * the workflow's credentials is not the end user's fault (502); a missing principal is a wiring
 * bug (500). The code is the contract; messages may change.
 */
export const REMOTE_ERROR_CODES = codesOf('REMOTE');

export type RemoteErrorCode = CodeOf<'REMOTE'>;

export interface RemoteErrorOptions {
  /** Name of the remote runnable (`RemoteRunnableOptions.name`). */
  remote: string;
  /** HTTP status the remote answered with, when it answered. */
  remoteStatus?: number;
  /** The remote's own error code (`{error: {code}}` body), when it sent one. */
  remoteCode?: string;
  cause?: unknown;
}

/**
 * Error raised by `RemoteRunnable`. A `BatonError` (recognise it with `isBatonError` /
 * `isRemoteError` and its `code`, never `instanceof`). Messages never contain a token or a raw
 * response body: any text that came from the remote is passed through `scrubSecrets` and
 * truncated.
 */
export class RemoteError extends BatonError {
  declare readonly code: RemoteErrorCode;
  readonly remote: string;
  readonly remoteStatus: number | undefined;
  readonly remoteCode: string | undefined;

  constructor(code: RemoteErrorCode, message: string, options: RemoteErrorOptions) {
    super(code, message, {
      // The status is the registry's. Messages are built from safe parts only (see above), so
      // they may reach the client.
      expose: code !== 'REMOTE_NO_CREDENTIALS',
      cause: options.cause,
    });
    // An abort is an abort to everyone downstream (LangGraph does not retry an AbortError).
    this.name = code === 'REMOTE_ABORTED' ? 'AbortError' : 'RemoteError';
    this.remote = options.remote;
    this.remoteStatus = options.remoteStatus;
    this.remoteCode = options.remoteCode;
  }
}

export function isRemoteError(value: unknown): value is RemoteError {
  return isBatonError(value) && (REMOTE_ERROR_CODES as readonly string[]).includes(value.code) && 'remote' in value;
}

/** Agent answers that say "not now, try again": a gateway's or the agent's own overload. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/**
 * For a LangGraph node's `retryPolicy.retryOn` (idempotent nodes only): retry when the agent was
 * unreachable, overloaded (502/503/504) or slow (a connect, first-byte or idle timeout), or the
 * token exchange hit an issuer outage. Never on an answer in 4xx (auth refusals, bad requests,
 * 408 and 429 included), another 5xx (the agent failed: the same input fails again), a refused
 * exchange, our own rejected client credentials, a protocol error or an abort. (LangGraph's
 * default handler looks at `status`, which is 502 for auth refusals too, and would retry them.)
 */
export function isRetryableRemoteError(value: unknown): boolean {
  if (!isRemoteError(value)) return false;
  if (value.code !== 'REMOTE_UNAVAILABLE' && value.code !== 'REMOTE_TIMEOUT') return false;
  const status = value.remoteStatus;
  if (status !== undefined) return RETRYABLE_STATUSES.has(status);
  // No answer from the agent: a transport failure or timeout (no remoteCode), or the token
  // exchange failing for want of a usable answer from the issuer.
  return value.remoteCode === undefined || value.remoteCode === 'AUTH_EXCHANGE_UNAVAILABLE';
}

const MAX_REMOTE_TEXT = 200;

/** Remote-supplied text, made safe to put in a message: scrubbed, single-line, truncated. */
export function safeRemoteText(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (oneLine === '') return undefined;
  const scrubbed = scrubSecrets(oneLine);
  return scrubbed.length > MAX_REMOTE_TEXT ? `${scrubbed.slice(0, MAX_REMOTE_TEXT)}…` : scrubbed;
}

/** A code-like string (UPPER_SNAKE or lower_snake, bounded), or undefined. */
export function safeCode(code: unknown): string | undefined {
  return typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(code) ? code : undefined;
}

export function codeForStatus(status: number): RemoteErrorCode {
  if (status === 401) return 'REMOTE_UNAUTHORIZED';
  if (status === 403) return 'REMOTE_FORBIDDEN';
  if (status === 408) return 'REMOTE_TIMEOUT';
  if (status === 429) return 'REMOTE_UNAVAILABLE';
  if (status >= 400 && status < 500) return 'REMOTE_BAD_REQUEST';
  return 'REMOTE_UNAVAILABLE';
}

interface ParsedErrorBody {
  code?: string;
  message?: string;
}

/** Reads `{error: {code, message}}` (Baton), `{code, message}`, `{message}` or `{detail}` (LangServe). */
export function parseErrorBody(text: string): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const obj = json as Record<string, unknown>;
  const inner = typeof obj.error === 'object' && obj.error !== null ? (obj.error as Record<string, unknown>) : obj;
  const message = inner.message ?? (typeof obj.detail === 'string' ? obj.detail : undefined) ?? obj.message;
  return {
    code: safeCode(inner.code) ?? safeCode(obj.code),
    message: safeRemoteText(message),
  };
}

/** RFC 6750 `error="…"` from a `WWW-Authenticate: Bearer …` header. */
export function bearerError(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (!value) return undefined;
  const m = /\berror="([A-Za-z0-9_.-]{1,64})"/.exec(value);
  return m?.[1];
}

/** `research agent` for a name of `research`; names that already say "agent" are kept. */
export function describeRemote(name: string): string {
  return /agent/i.test(name) ? name : `${name} agent`;
}

/** The error for a non-2xx answer: `research agent: 401 invalid_token (AUTH_TOKEN_EXPIRED)`. */
export function errorFromResponse(
  remote: string,
  status: number,
  wwwAuthenticate: string | string[] | undefined,
  bodyText: string,
): RemoteError {
  const parsed = parseErrorBody(bodyText);
  const reason = bearerError(wwwAuthenticate);
  let message = `${describeRemote(remote)}: ${status}`;
  if (reason) message += ` ${reason}`;
  if (parsed.code) message += ` (${parsed.code})`;
  if (parsed.message) message += `: ${parsed.message}`;
  return new RemoteError(codeForStatus(status), message, {
    remote,
    remoteStatus: status,
    remoteCode: parsed.code,
  });
}
