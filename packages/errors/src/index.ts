import { statusOf, type ErrorCode } from './define.js';

export { ERROR_CODES, ERROR_DOMAINS, codesOf, isCoreErrorCode } from './codes.js';
export type { CodeOf, CoreErrorCode, ErrorCodeEntry, ErrorDomain } from './codes.js';
export {
  CORE_OWNER,
  coreErrorCodeEntries,
  defineErrorCodes,
  errorCodeEntries,
  errorCodeEntry,
  isErrorCode,
  renderErrorCodeTables,
  statusOf,
} from './define.js';
export type { DefineErrorCodesOptions, DefinedErrorCode, ErrorCode, ErrorCodeSet, RegisteredErrorCode } from './define.js';

/**
 * One base error for every Baton package. The `code` is the contract, a registered code (a core
 * one of `ERROR_CODES`, or one a package or app declared with `defineErrorCodes`; UPPER_SNAKE with
 * a domain prefix: `AUTH_TOKEN_EXPIRED`, `REMOTE_TIMEOUT`), and gives the error its HTTP status;
 * messages may change.
 *
 * Recognise errors with `isBatonError` (a global brand), never `instanceof`: two copies of a
 * package can be loaded in one process.
 */
const BRAND = Symbol.for('baton.error');

export interface BatonErrorOptions {
  /**
   * HTTP status this error maps to. Default: the code's registered status. Pass one only for a
   * code the registry marks `variable` (docs/ERRORS.md lists them).
   */
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
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly detail: unknown;

  constructor(code: ErrorCode, message: string, options: BatonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
    this.status = options.status ?? statusOf(code);
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

/** A safe one-line description of a cause, for logs: its name, scrubbed message and string `code`. */
export function describeCause(err: unknown): { name?: string; message: string; code?: string } {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | undefined;
  return {
    name: typeof e?.name === 'string' ? e.name : undefined,
    message: scrubSecrets(String(e?.message ?? err)),
    code: typeof e?.code === 'string' ? e.code : undefined,
  };
}

/**
 * The one logger shape Baton code writes to: pino's `(obj, msg?)` methods and `child`. A pino
 * logger (`@baton/service`'s `createLogger`) is one. Code that needs less asks for less:
 * `Pick<Logger, 'info'>`.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** One wrong configuration variable: its name and why. Never its value. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * The start-up error for a bad configuration: `CONFIG_INVALID` (500) naming the variables in its
 * message, with `detail.issues` (names and reasons, never values).
 */
export function configError(service: string, issues: readonly ConfigIssue[]): BatonError {
  const names = [...new Set(issues.map((i) => i.variable))].join(', ');
  return new BatonError('CONFIG_INVALID', `${service}: invalid configuration: ${names}`, { detail: { issues } });
}

/** The issues of a `configError` (undefined for any other error). */
export function configIssuesOf(err: unknown): ConfigIssue[] | undefined {
  if (!isBatonError(err) || err.code !== 'CONFIG_INVALID') return undefined;
  const issues = (err.detail as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : undefined;
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
