import type { TokenExchanger } from '@baton/identity';
import { Agent, type Dispatcher } from 'undici';

export type RemoteCredentials =
  /**
   * Exchange the caller's token for one whose `aud` is this agent (the default in apps).
   * `exchanger`: `@baton/auth`'s `createTokenExchangeClient`, or any `TokenExchanger`.
   */
  | { strategy: 'exchange'; exchanger: TokenExchanger; audience: string; scope?: string; resource?: string }
  /** Forward the caller's own token unchanged. Explicit only: see the README for what it gives up. */
  | { strategy: 'passthrough' }
  /** Send no `Authorization` at all (unauthenticated test targets). */
  | { strategy: 'none' };

export interface RemoteTimeouts {
  /** TCP (+TLS) connect. Applied to the default dispatcher; set `connect.timeout` on your own. Default 2 000. */
  connectMs?: number;
  /** From sending the request to receiving the response headers. Default 30 000. */
  firstByteMs?: number;
  /** Longest silence between two body chunks (stream events, or a JSON body). Default 30 000. */
  idleMs?: number;
  /** Whole call, exchange and retries included; unset = no overall limit. */
  totalMs?: number;
}

export interface RemoteRetry {
  /** Total attempts, the first included (1 = never retry). Default 2. */
  attempts?: number;
  /** Wait before the first retry, doubled each time. Default 100. */
  backoffMs?: number;
}

/** Keys of the caller's run config that may be forwarded (snake_case, as LangServe reads them). */
export type ForwardableConfigKey = 'tags' | 'run_name' | 'recursion_limit';

export interface RemoteRunnableOptions<O = unknown> {
  /** Base URL of the remote runnable, e.g. `http://127.0.0.1:3001/research`. */
  url: string;
  /** Names the remote in errors and traces. Default: the last segment of the URL path. */
  name?: string;
  credentials: RemoteCredentials;
  timeouts?: RemoteTimeouts;
  /** undici dispatcher (an `Agent` with client certificates for mTLS). Default: a shared keep-alive Agent. */
  dispatcher?: Dispatcher;
  retry?: RemoteRetry;
  /** Static extra request headers. May not set `authorization`, `content-type`, `accept`, `traceparent` or `x-request-id`. */
  headers?: Record<string, string>;
  /** Config keys sent in the request body's `config`. Default none: `config: {}`. */
  forwardConfig?: readonly ForwardableConfigKey[];
  /** Validates or converts each output (and each stream chunk). Default: the JSON as received. */
  parseOutput?: (value: unknown) => O;
  /**
   * `stream()`: string chunks that arrived in one network read are yielded as one chunk (their
   * concatenation, in order; other chunks pass as they are). Fewer, larger chunks for a consumer
   * that only needs the text, and never a wait: nothing is held past the read it came in. Default false.
   */
  coalesceStrings?: boolean;
}

export interface ResolvedOptions<O> {
  url: string;
  name: string;
  credentials: RemoteCredentials;
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
  totalMs: number | undefined;
  dispatcher: Dispatcher;
  attempts: number;
  backoffMs: number;
  headers: Record<string, string>;
  forwardConfig: readonly ForwardableConfigKey[];
  parseOutput: ((value: unknown) => O) | undefined;
  coalesceStrings: boolean;
}

const RESERVED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'content-type',
  'content-length',
  'accept',
  'host',
  'connection',
  'transfer-encoding',
  'traceparent',
  'x-request-id',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;

function fail(message: string): never {
  throw new TypeError(`RemoteRunnable: ${message}`);
}

function duration(value: unknown, name: string, fallback: number | undefined, allowZero = false): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || value > 2_147_483_647) {
    fail(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
  }
  return value;
}

const defaultDispatchers = new Map<number, Dispatcher>();

/** The process-wide keep-alive Agent for a connect timeout (one per distinct value). */
function defaultDispatcher(connectMs: number): Dispatcher {
  let d = defaultDispatchers.get(connectMs);
  if (!d) {
    d = new Agent({ connect: { timeout: connectMs } });
    defaultDispatchers.set(connectMs, d);
  }
  return d;
}

/** The endpoint URL (no trailing slash) and the runnable's name (default: the last path segment). */
function resolveUrl(options: RemoteRunnableOptions<unknown>): { url: string; name: string } {
  if (typeof options.url !== 'string') fail('url must be a string');
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    fail('url must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail('url must be an absolute http(s) URL');
  if (parsed.username || parsed.password) fail('url must not contain credentials');
  if (parsed.search || parsed.hash) fail('url must not have a query or fragment');
  const url = `${parsed.origin}${parsed.pathname.replace(/(?<!\/)\/+$/, '')}`;
  const segments = parsed.pathname.split('/').filter(Boolean);
  const name = options.name ?? segments[segments.length - 1] ?? parsed.host;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) fail('name must be a non-empty string');
  return { url, name };
}

function resolveCredentials(given: unknown): RemoteCredentials {
  const c = given as RemoteCredentials | undefined;
  if (typeof c !== 'object' || c === null) {
    fail("credentials are required: { strategy: 'exchange' | 'passthrough' | 'none' }");
  }
  let credentials: RemoteCredentials;
  switch (c.strategy) {
    case 'exchange': {
      if (typeof c.exchanger !== 'object' || c.exchanger === null || typeof c.exchanger.exchangeFor !== 'function') {
        fail("credentials.exchanger must have an exchangeFor() method (strategy 'exchange')");
      }
      if (typeof c.audience !== 'string' || c.audience.trim() === '') fail('credentials.audience must be a non-empty string');
      if (c.scope !== undefined && (typeof c.scope !== 'string' || c.scope.trim() === ''))
        fail('credentials.scope must be a non-empty string');
      if (c.resource !== undefined && (typeof c.resource !== 'string' || c.resource.trim() === ''))
        fail('credentials.resource must be a non-empty string');
      credentials = {
        strategy: 'exchange',
        exchanger: c.exchanger,
        audience: c.audience,
        ...(c.scope !== undefined ? { scope: c.scope } : {}),
        ...(c.resource !== undefined ? { resource: c.resource } : {}),
      };
      break;
    }
    case 'passthrough':
    case 'none':
      credentials = { strategy: c.strategy };
      break;
    default:
      fail("credentials.strategy must be 'exchange', 'passthrough' or 'none'");
  }
  return credentials;
}

/** The given undici Dispatcher, or the process-wide one for `connectMs`. */
function resolveDispatcher(given: unknown, connectMs: number): Dispatcher {
  let dispatcher: Dispatcher;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null || typeof (given as Dispatcher).dispatch !== 'function') {
      fail('dispatcher must be an undici Dispatcher');
    }
    dispatcher = given as Dispatcher;
  } else {
    dispatcher = defaultDispatcher(connectMs);
  }
  return dispatcher;
}

/** Extra request headers, lower-cased; names and values checked, headers RemoteRunnable sets refused. */
function resolveHeaders(given: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null) fail('headers must be an object');
    for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
      const key = k.toLowerCase();
      if (!HEADER_NAME.test(k)) fail(`header name ${JSON.stringify(k)} is invalid`);
      if (RESERVED_HEADERS.has(key)) fail(`header ${key} is set by RemoteRunnable and cannot be given in headers`);
      if (typeof v !== 'string' || !HEADER_VALUE.test(v)) fail(`header ${key} must have a valid string value`);
      headers[key] = v;
    }
  }
  return headers;
}

export function resolveOptions<O>(options: RemoteRunnableOptions<O>): ResolvedOptions<O> {
  if (typeof options !== 'object' || options === null) fail('options are required');

  const { url, name } = resolveUrl(options);

  const credentials = resolveCredentials(options.credentials);

  const t = options.timeouts ?? {};
  if (typeof t !== 'object' || t === null) fail('timeouts must be an object');
  const connectMs = duration(t.connectMs, 'timeouts.connectMs', 2_000) as number;
  const firstByteMs = duration(t.firstByteMs, 'timeouts.firstByteMs', 30_000) as number;
  const idleMs = duration(t.idleMs, 'timeouts.idleMs', 30_000) as number;
  const totalMs = duration(t.totalMs, 'timeouts.totalMs', undefined);

  const r = options.retry ?? {};
  if (typeof r !== 'object' || r === null) fail('retry must be an object');
  const attempts = r.attempts ?? 2;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) fail('retry.attempts must be an integer from 1 to 10');
  const backoffMs = duration(r.backoffMs, 'retry.backoffMs', 100, true) as number;

  const dispatcher = resolveDispatcher(options.dispatcher, connectMs);

  const headers = resolveHeaders(options.headers);

  const forwardConfig = options.forwardConfig ?? [];
  if (!Array.isArray(forwardConfig) || forwardConfig.some((k) => k !== 'tags' && k !== 'run_name' && k !== 'recursion_limit')) {
    fail("forwardConfig may only list 'tags', 'run_name' and 'recursion_limit'");
  }
  if (options.parseOutput !== undefined && typeof options.parseOutput !== 'function') fail('parseOutput must be a function');
  if (options.coalesceStrings !== undefined && typeof options.coalesceStrings !== 'boolean') fail('coalesceStrings must be a boolean');

  return {
    url,
    name,
    credentials,
    connectMs,
    firstByteMs,
    idleMs,
    totalMs,
    dispatcher,
    attempts,
    backoffMs,
    headers,
    forwardConfig: [...forwardConfig],
    parseOutput: options.parseOutput,
    coalesceStrings: options.coalesceStrings ?? false,
  };
}
