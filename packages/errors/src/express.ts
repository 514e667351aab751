import type { ErrorRequestHandler } from 'express';
import { BatonError, errorBody, isBatonError, scrubSecrets } from './index.js';

export interface ErrorLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Map anything thrown to a BatonError. Body-parser errors keep their status but lose their
 * text (it can echo the request body).
 */
export function toBatonError(err: unknown): BatonError {
  if (isBatonError(err)) return err;
  const e = err as { type?: string; status?: number; statusCode?: number } | undefined;
  switch (e?.type) {
    case 'entity.too.large':
      return new BatonError('REQUEST_TOO_LARGE', 'Request body exceeds the size limit', { status: 413, cause: err });
    case 'entity.parse.failed':
      return new BatonError('REQUEST_MALFORMED_JSON', 'Request body is not valid JSON', { status: 400, cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new BatonError('REQUEST_UNSUPPORTED_ENCODING', 'Unsupported request encoding', { status: 415, cause: err });
    default:
      break;
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new BatonError('REQUEST_INVALID', 'Invalid request', { status, cause: err });
  }
  return new BatonError('INTERNAL', 'Internal error', { status: 500, expose: false, cause: err });
}

/**
 * The one error handler per app: `{error: {code, message}}`, the error's own headers
 * (RFC 6750 `WWW-Authenticate` for auth errors), 5xx logged with the scrubbed cause.
 */
export function errorHandler(options: { logger?: ErrorLogger } = {}): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const be = toBatonError(err);
    if (be.status >= 500 && options.logger) {
      const cause = be.cause ?? err;
      options.logger.error(
        { code: be.code, err: { message: scrubSecrets(String((cause as Error)?.message ?? cause)), name: (cause as Error)?.name } },
        'request failed',
      );
    }
    for (const [k, v] of Object.entries(be.headers)) res.setHeader(k, v);
    res.status(be.status).json(errorBody(be));
  };
}
