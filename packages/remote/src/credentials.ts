import { accessTokenOf } from '@baton/auth';
import { RemoteError, describeRemote, safeCode } from './errors.js';
import type { RemoteCredentials } from './options.js';

/**
 * `configurable` key holding the caller's Principal, for code that has no LangGraph `context`.
 * Prefer `context`: LangChain copies `configurable` into traces (the Principal itself carries
 * no token, so that is safe, but `context` keeps it out of traces altogether).
 */
export const PRINCIPAL_CONFIGURABLE_KEY = '__baton_principal';

interface ConfigLike {
  context?: unknown;
  configurable?: Record<string, unknown>;
}

/** The caller: `config.context.principal`, else `config.configurable.__baton_principal`. */
export function principalFromConfig(config: ConfigLike | undefined): unknown {
  const context = config?.context;
  if (typeof context === 'object' && context !== null) {
    const p = (context as Record<string, unknown>).principal;
    if (p !== undefined && p !== null) return p;
  }
  return config?.configurable?.[PRINCIPAL_CONFIGURABLE_KEY] ?? undefined;
}

/**
 * The caller's raw access token for this call, or undefined for strategy `none`.
 * Fails closed: no principal or no token attached means no request at all.
 */
export function callerTokenFor(config: ConfigLike | undefined, credentials: RemoteCredentials, remote: string): string | undefined {
  if (credentials.strategy === 'none') return undefined;
  const token = accessTokenOf(principalFromConfig(config));
  if (!token) {
    throw new RemoteError(
      'REMOTE_NO_CREDENTIALS',
      `${describeRemote(remote)}: no caller credentials in the run config (expected config.context.principal with an attached access token)`,
      { remote },
    );
  }
  return token;
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
 * The bearer token to send: the exchanged one (`exchange`), the caller's (`passthrough`), none (`none`).
 * Exchange errors are mapped by `code` (never `instanceof`): `AUTH_EXCHANGE_DENIED` is a refusal,
 * anything else an outage. `correlation` (the run's request id, a child traceparent) is handed to
 * the exchanger so the issuer's decision joins the caller's trace.
 */
export async function bearerFor(
  callerToken: string | undefined,
  credentials: RemoteCredentials,
  remote: string,
  signal: AbortSignal,
  correlation: { requestId?: string; traceparent?: string } = {},
): Promise<string | undefined> {
  if (credentials.strategy === 'none' || callerToken === undefined) return undefined;
  if (credentials.strategy === 'passthrough') return callerToken;
  let result: { accessToken: string };
  try {
    result = await abortable(
      Promise.resolve().then(() =>
        credentials.exchanger.exchange({
          subjectToken: callerToken,
          audience: credentials.audience,
          ...(credentials.scope !== undefined ? { scope: credentials.scope } : {}),
          ...(correlation.requestId !== undefined ? { requestId: correlation.requestId } : {}),
          ...(correlation.traceparent !== undefined ? { traceparent: correlation.traceparent } : {}),
        }),
      ),
      signal,
    );
  } catch (err) {
    if (signal.aborted) throw err; // the caller classifies aborts and deadlines
    const code = safeCode((err as { code?: unknown } | null)?.code);
    // Only a refusal about the caller (403) is a denial; the issuer rejecting this service's own
    // client credentials (502) is a misconfiguration, reported like an outage.
    if (code === 'AUTH_EXCHANGE_DENIED' && (err as { status?: unknown }).status === 403) {
      throw new RemoteError(
        'REMOTE_EXCHANGE_DENIED',
        `${describeRemote(remote)}: token exchange for audience ${credentials.audience} was denied`,
        {
          remote,
          remoteCode: code,
          cause: err,
        },
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
