/**
 * One base error for every Baton package. The `code` is the contract (UPPER_SNAKE with a
 * domain prefix: `AUTH_TOKEN_EXPIRED`, `REMOTE_TIMEOUT`); messages may change.
 *
 * Recognise errors with `isBatonError` (a global brand), never `instanceof`: two copies of a
 * package can be loaded in one process.
 */
const BRAND = Symbol.for('baton.error');

export interface BatonErrorOptions {
  /** HTTP status this error maps to (default 500). */
  status?: number;
  /** Whether `message` may be shown to the client (default: status < 500). */
  expose?: boolean;
  cause?: unknown;
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  headers?: Record<string, string>;
  /** Structured, client-safe detail (validation issues and the like). */
  detail?: unknown;
}

export class BatonError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly detail: unknown;

  constructor(code: string, message: string, options: BatonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    this.headers = Object.freeze({ ...(options.headers ?? {}) });
    this.detail = options.detail;
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): ErrorBody['error'] {
    return errorBody(this).error;
  }
}

export function isBatonError(value: unknown): value is BatonError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

export interface ErrorBody {
  error: { code: string; message: string; detail?: unknown };
}

/** The JSON body Baton services send for an error. Unexposed errors say nothing internal. */
export function errorBody(err: BatonError): ErrorBody {
  const message = err.expose ? err.message : 'Internal error';
  const body: ErrorBody = { error: { code: err.code, message } };
  if (err.expose && err.detail !== undefined) body.error.detail = err.detail;
  return body;
}

// No word boundary before `eyJ`: a JWT glued to a word (`subject_token_eyJ…`) is still caught.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g;
const BEARER_LIKE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/**
 * Remove anything token-shaped from text that may reach a log, a response or a checkpoint.
 * Libraries echo their input in error messages (JSON parse errors, validation messages).
 */
export function scrubSecrets(text: string): string {
  return text.replace(BEARER_LIKE, '$1 [redacted]').replace(JWT_LIKE, '[redacted-jwt]');
}
