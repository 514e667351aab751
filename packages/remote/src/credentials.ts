import { accessTokenOf, callerOf, isCallerRefusal, type Caller } from '@baton/identity';
import { RemoteError, describeRemote, safeCode } from './errors.js';
import type { RemoteCredentials } from './options.js';

/**
 * The caller a call is made for: `config.context.caller` (the run context, `@baton/identity`'s
 * `RunContext`), the only identity channel. Fails closed: with a strategy that sends a token, no
 * genuine Caller (none, or a copy that lost its token) means no request at all. With `none`, the
 * caller is optional and only lends its correlation.
 */
export function callerFor(config: { context?: unknown } | undefined, credentials: RemoteCredentials, remote: string): Caller | undefined {
  const caller = callerOf(config);
  if (credentials.strategy === 'none' || caller !== undefined) return caller;
  throw new RemoteError(
    'REMOTE_NO_CREDENTIALS',
    `${describeRemote(remote)}: no caller in the run config (expected config.context.caller, made by requireAuth)`,
    { remote },
  );
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The bearer token to send: the exchanged one (`exchange`), the caller's (`passthrough`), none
 * (`none`). `hopTraceparent` is the traceparent of this outgoing hop (minted once by the caller of
 * this function), handed to the exchanger when the caller has a trace of its own. Whether an
 * exchange failure is a refusal or an outage is `isCallerRefusal`'s decision (`@baton/identity`).
 */
export async function bearerFor(
  caller: Caller | undefined,
  credentials: RemoteCredentials,
  remote: string,
  signal: AbortSignal,
  hopTraceparent: string,
): Promise<string | undefined> {
  if (credentials.strategy === 'none' || caller === undefined) return undefined;
  if (credentials.strategy === 'passthrough') return accessTokenOf(caller);
  let result: { accessToken: string };
  try {
    result = await abortable(
      Promise.resolve().then(() =>
        credentials.exchanger.exchangeFor(caller, {
          audience: credentials.audience,
          ...(credentials.scope !== undefined ? { scope: credentials.scope } : {}),
          ...(credentials.resource !== undefined ? { resource: credentials.resource } : {}),
          // No trace is made up for the issuer: it joins the caller's trace or none.
          ...(caller.traceparent !== undefined ? { traceparent: hopTraceparent } : {}),
        }),
      ),
      signal,
    );
  } catch (err) {
    if (signal.aborted) throw err; // the caller classifies aborts and deadlines
    const code = safeCode((err as { code?: unknown } | null)?.code);
    // Throttled by the issuer: passed on as it is (429 + Retry-After for the user), never retried.
    if (code === 'AUTH_EXCHANGE_RATE_LIMITED') throw err;
    if (isCallerRefusal(err)) {
      throw new RemoteError(
        'REMOTE_EXCHANGE_DENIED',
        `${describeRemote(remote)}: token exchange for audience ${credentials.audience} was denied`,
        { remote, ...(code ? { remoteCode: code } : {}), cause: err },
      );
    }
    throw new RemoteError(
      'REMOTE_UNAVAILABLE',
      `${describeRemote(remote)}: token exchange for audience ${credentials.audience} failed${code ? ` (${code})` : ''}`,
      { remote, ...(code ? { remoteCode: code } : {}), cause: err },
    );
  }
  if (typeof result?.accessToken !== 'string' || result.accessToken === '') {
    throw new RemoteError('REMOTE_UNAVAILABLE', `${describeRemote(remote)}: token exchange returned no access token`, { remote });
  }
  return result.accessToken;
}
