import type { ErrorRequestHandler, Request, Response } from 'express';
import { BatonError, describeCause, errorBody, isBatonError, scrubSecrets, type Logger } from './index.js';
import type { ErrorCode, ErrorCodeSet } from './define.js';

export interface ErrorHandlerOptions {
  /** Where 5xx errors are logged (`request failed`, with the scrubbed cause). */
  logger?: Pick<Logger, 'error'>;
  /**
   * Whether the body also carries a top-level `message` (the error's client-safe message): the
   * field the official LangServe client reads from a failed stream response. Default never.
   */
  withMessage?: (req: Request, res: Response) => boolean;
  /**
   * The service's own codes (sets from `defineErrorCodes`), beside the core ones. A BatonError is
   * answered with its own code and status whatever its code; these let an error that is not a
   * BatonError but carries one of them as its `code` (thrown by plain JavaScript, or by a copy of
   * a package that does not brand) answer with that code and its registered status.
   */
  codes?: readonly ErrorCodeSet[];
}

/**
 * Map anything thrown to a BatonError. Body-parser errors keep their status but lose their
 * text (it can echo the request body).
 */
export function toBatonError(err: unknown, codes: readonly ErrorCodeSet[] = []): BatonError {
  if (isBatonError(err)) return err;
  const declared = errorFromDeclaredCode(err, codes);
  if (declared) return declared;
  const e = err as { type?: string; status?: number; statusCode?: number } | undefined;
  switch (e?.type) {
    case 'entity.too.large':
      return new BatonError('REQUEST_TOO_LARGE', 'Request body exceeds the size limit', { cause: err });
    case 'entity.parse.failed':
      return new BatonError('REQUEST_MALFORMED_JSON', 'Request body is not valid JSON', { cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new BatonError('REQUEST_UNSUPPORTED_ENCODING', 'Unsupported request encoding', { cause: err });
    default:
      break;
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // REQUEST_INVALID is `variable` in the registry: it keeps the 4xx the library chose.
    return new BatonError('REQUEST_INVALID', 'Invalid request', { status, cause: err });
  }
  return new BatonError('SERVER_INTERNAL', 'Internal error', { expose: false, cause: err });
}

/**
 * An error that is not a BatonError but carries one of the declared codes (sets from
 * `defineErrorCodes`) as its `code`: recognised by its code, never by its class. Its own message
 * (scrubbed) only when the code is a client error. Undefined for anything else.
 */
export function errorFromDeclaredCode(err: unknown, codes: readonly ErrorCodeSet[]): BatonError | undefined {
  if (isBatonError(err)) return undefined;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string' || !codes.some((set) => Object.prototype.hasOwnProperty.call(set, code))) return undefined;
  const be = new BatonError(code as ErrorCode, 'Request failed', { cause: err });
  const message = (err as { message?: unknown }).message;
  // Its own message only when the code is a client error, scrubbed (it may echo the input).
  return be.expose && typeof message === 'string' && message !== '' ? new BatonError(be.code, scrubSecrets(message), { cause: err }) : be;
}

/**
 * The one error handler: `{error: {code, message}}` (plus a top-level `message` where
 * `withMessage` says so), the error's own headers (RFC 6750 `WWW-Authenticate` for auth errors),
 * 5xx logged with the scrubbed cause. After the headers are sent it passes the error on.
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const { logger, withMessage, codes = [] } = options;
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const be = toBatonError(err, codes);
    if (be.status >= 500) logger?.error({ code: be.code, err: describeCause(be.cause ?? err) }, 'request failed');
    for (const [k, v] of Object.entries(be.headers)) res.setHeader(k, v);
    const eb = errorBody(be);
    const body: Record<string, unknown> = { ...eb };
    if (withMessage?.(req, res) === true) body.message = eb.error.message;
    res.status(be.status).json(body);
  };
}
