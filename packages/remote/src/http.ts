import { request, type Dispatcher } from 'undici';
import { isBatonError } from '@baton/errors';
import { RemoteError, describeRemote, errorFromResponse } from './errors.js';

/** Per-call cancellation: the caller's signal plus the optional overall deadline. */
export class CallScope {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private cause: 'aborted' | 'timeout' | undefined;
  private readonly onCallerAbort: () => void;
  private readonly callerSignals: AbortSignal[];

  constructor(
    callerSignals: ReadonlyArray<AbortSignal | undefined>,
    readonly totalMs: number | undefined,
  ) {
    this.signal = this.controller.signal;
    this.callerSignals = callerSignals.filter((s): s is AbortSignal => s !== undefined);
    this.onCallerAbort = () => this.abort('aborted');
    for (const s of this.callerSignals) {
      if (s.aborted) this.abort('aborted');
      else s.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    if (totalMs !== undefined && !this.signal.aborted) {
      this.timer = setTimeout(() => this.abort('timeout'), totalMs);
      this.timer.unref?.();
    }
  }

  private abort(cause: 'aborted' | 'timeout'): void {
    if (this.cause) return;
    this.cause = cause;
    this.controller.abort(new Error(cause === 'timeout' ? 'RemoteRunnable deadline exceeded' : 'RemoteRunnable call aborted'));
  }

  /** Why the call was cancelled, if it was. */
  get cancelled(): 'aborted' | 'timeout' | undefined {
    return this.cause;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.callerSignals) s.removeEventListener('abort', this.onCallerAbort);
  }
}

const UNREACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  // Happy-eyeballs connects fail with an AggregateError of per-address errors.
  if (Array.isArray(e?.errors)) {
    for (const inner of e.errors) {
      const c = (inner as { code?: unknown } | null)?.code;
      if (typeof c === 'string') return c;
    }
  }
  return undefined;
}

/** True when the request surely never reached the remote (safe to send again). */
function neverReachedRemote(err: unknown): boolean {
  if (isBatonError(err)) return false;
  const code = errorCode(err);
  return code !== undefined && UNREACHED.has(code);
}

export interface Timeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

/** Turns anything thrown while talking to the remote into a RemoteError. Never copies raw messages. */
export function toRemoteError(err: unknown, remote: string, scope: CallScope, timeouts: Timeouts, phase: 'request' | 'body'): RemoteError {
  const label = describeRemote(remote);
  if (scope.cancelled === 'timeout') {
    return new RemoteError('REMOTE_TIMEOUT', `${label}: no answer within the ${scope.totalMs} ms total timeout`, { remote, cause: err });
  }
  if (scope.cancelled === 'aborted') {
    return new RemoteError('REMOTE_ABORTED', `${label}: call aborted by the caller`, { remote, cause: err });
  }
  if (isBatonError(err)) return err as RemoteError;
  const code = errorCode(err);
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new RemoteError('REMOTE_TIMEOUT', `${label}: no response headers within ${timeouts.firstByteMs} ms`, { remote, cause: err });
    case 'UND_ERR_BODY_TIMEOUT':
      return new RemoteError('REMOTE_TIMEOUT', `${label}: response stalled for ${timeouts.idleMs} ms`, { remote, cause: err });
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new RemoteError('REMOTE_TIMEOUT', `${label}: could not connect (connect timeout)`, { remote, cause: err });
    default: {
      const what = phase === 'body' ? 'connection lost while reading the response' : 'unavailable';
      return new RemoteError('REMOTE_UNAVAILABLE', `${label}: ${what}${code ? ` (${code})` : ''}`, { remote, cause: err });
    }
  }
}

export interface SendOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  timeouts: Timeouts;
  remote: string;
  scope: CallScope;
  attempts: number;
  backoffMs: number;
  /** Also retry a 503 answer (invoke/batch only: the remote said it did not start the work). */
  retry503: boolean;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const MAX_ERROR_BODY = 64 * 1024;

/** Reads at most `limit` characters of a body, then drops the rest. */
async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) {
    text += decoder.decode(chunk as Buffer, { stream: true });
    if (text.length >= limit) {
      body.destroy();
      return text.slice(0, limit);
    }
  }
  return text + decoder.decode();
}

/**
 * POSTs once, retrying only when the request surely did not reach the remote (connection
 * refused, DNS, connect timeout) and, if `retry503`, on a 503. Non-2xx answers become
 * RemoteErrors; a 2xx response is returned with its body unread.
 */
export async function send(o: SendOptions): Promise<Dispatcher.ResponseData> {
  for (let attempt = 1; ; attempt++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(o.url, {
        method: 'POST',
        headers: o.headers,
        body: o.body,
        dispatcher: o.dispatcher,
        signal: o.scope.signal,
        headersTimeout: o.timeouts.firstByteMs,
        bodyTimeout: o.timeouts.idleMs,
      });
    } catch (err) {
      if (attempt < o.attempts && !o.scope.cancelled && neverReachedRemote(err)) {
        await backoff(o, attempt);
        continue;
      }
      throw toRemoteError(err, o.remote, o.scope, o.timeouts, 'request');
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;

    let text: string;
    try {
      text = await readCapped(res.body, MAX_ERROR_BODY);
    } catch (err) {
      throw toRemoteError(err, o.remote, o.scope, o.timeouts, 'body');
    }
    const error = errorFromResponse(o.remote, res.statusCode, res.headers['www-authenticate'], text);
    if (o.retry503 && res.statusCode === 503 && attempt < o.attempts && !o.scope.cancelled) {
      await backoff(o, attempt);
      continue;
    }
    throw error;
  }
}

async function backoff(o: SendOptions, attempt: number): Promise<void> {
  try {
    await sleep(o.backoffMs * 2 ** (attempt - 1), o.scope.signal);
  } catch (err) {
    throw toRemoteError(err, o.remote, o.scope, o.timeouts, 'request');
  }
}
