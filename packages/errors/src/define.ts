/**
 * Error codes a package or app declares itself: `defineErrorCodes({ CODE: { status, meaning } })`
 * registers them beside the core registry (`ERROR_CODES`) and returns the codes, typed, for
 * `new BatonError(MY_CODES.CODE, message)`. A plain string that was never defined does not
 * type-check as an `ErrorCode`.
 *
 * The registry is process-wide (`Symbol.for('baton.error-codes')` on `globalThis`), so two copies
 * of this package loaded in one process see the same codes, as `isBatonError` sees the same brand.
 */
import { ERROR_CODES, ERROR_DOMAINS, isCoreErrorCode, type CoreErrorCode, type ErrorCodeEntry } from './codes.js';

declare const DEFINED: unique symbol;

/**
 * A code declared with `defineErrorCodes`. A type brand only: at run time it is the code string
 * itself (`'SUMMARIZER_INPUT_TOO_LONG'`), so it compares, serialises and logs as one.
 */
export type DefinedErrorCode<K extends string = string> = K & { readonly [DEFINED]: true };

/** Every code `BatonError` accepts: a core code, or one a package or app defined. */
export type ErrorCode = CoreErrorCode | DefinedErrorCode;

/** What `defineErrorCodes` returns: each declared code, by its own name. */
export type ErrorCodeSet<T extends Record<string, ErrorCodeEntry> = Record<string, ErrorCodeEntry>> = {
  readonly [K in keyof T & string]: DefinedErrorCode<K>;
};

/** One registered code with its entry and (for a defined code) who declared it. */
export interface RegisteredErrorCode extends ErrorCodeEntry {
  readonly code: string;
  /** `defineErrorCodes`' `owner` (a package or app name); `@baton/errors` for the core codes. */
  readonly owner: string;
}

export interface DefineErrorCodesOptions {
  /** Who declares them (a package or app name): the heading of their table in docs/ERRORS.md. */
  owner: string;
}

/** The owner of the core codes. */
export const CORE_OWNER = '@baton/errors';

const REGISTRY_KEY = Symbol.for('baton.error-codes');
const CODE_SHAPE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

function registry(): Map<string, RegisteredErrorCode> {
  const g = globalThis as { [REGISTRY_KEY]?: Map<string, RegisteredErrorCode> };
  return (g[REGISTRY_KEY] ??= new Map());
}

function checkEntry(code: string, entry: ErrorCodeEntry): void {
  const fail = (why: string): never => {
    throw new TypeError(`defineErrorCodes: ${code} ${why}`);
  };
  if (!CODE_SHAPE.test(code)) fail('is not UPPER_SNAKE with a domain prefix (SUMMARIZER_INPUT_TOO_LONG)');
  const domain = code.slice(0, code.indexOf('_'));
  if ((ERROR_DOMAINS as readonly string[]).includes(domain)) fail(`uses the core domain ${domain}_ (reserved for @baton/errors)`);
  if (!Number.isInteger(entry.status) || entry.status < 400 || entry.status > 599) fail('needs an HTTP error status (400-599)');
  if (typeof entry.meaning !== 'string' || entry.meaning.trim() === '' || /[|\n]/.test(entry.meaning))
    fail('needs a one-line meaning without "|" (a docs table cell)');
  if (entry.variable !== undefined && entry.variable !== true) fail('has variable other than true');
}

const sameEntry = (a: RegisteredErrorCode, b: RegisteredErrorCode) =>
  a.owner === b.owner && a.status === b.status && a.meaning === b.meaning && a.variable === b.variable;

/**
 * Declare a package's or app's own error codes. Each must be UPPER_SNAKE with a domain prefix of
 * its own (not a core domain: `AUTH_`, `REMOTE_`, ...), an HTTP error status and a one-line
 * meaning. A code defined twice with a different entry, or a core code, is a `TypeError` at
 * start-up (the same entry again is accepted: a module loaded by two copies of a package).
 */
export function defineErrorCodes<const T extends Record<string, ErrorCodeEntry>>(
  entries: T,
  options: DefineErrorCodesOptions,
): ErrorCodeSet<T> {
  const known = registry();
  const out: Record<string, string> = {};
  const adding: RegisteredErrorCode[] = [];
  for (const [code, entry] of Object.entries(entries)) {
    checkEntry(code, entry);
    if (isCoreErrorCode(code)) throw new TypeError(`defineErrorCodes: ${code} is a core code of @baton/errors`);
    const registered: RegisteredErrorCode = Object.freeze({
      code,
      owner: options.owner,
      status: entry.status,
      meaning: entry.meaning,
      ...(entry.variable ? { variable: true as const } : {}),
    });
    const before = known.get(code);
    if (before && !sameEntry(before, registered))
      throw new TypeError(`defineErrorCodes: ${code} is already defined by ${before.owner} with another entry`);
    adding.push(registered);
    out[code] = code;
  }
  for (const r of adding) known.set(r.code, r);
  return Object.freeze(out) as ErrorCodeSet<T>;
}

/** The registered entry of a code (core or defined); undefined for anything else. */
export function errorCodeEntry(code: unknown): RegisteredErrorCode | undefined {
  if (isCoreErrorCode(code)) return { code, owner: CORE_OWNER, ...ERROR_CODES[code] };
  return typeof code === 'string' ? registry().get(code) : undefined;
}

/** Whether `code` is a registered error code: a core one, or one defined with `defineErrorCodes`. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return errorCodeEntry(code) !== undefined;
}

/** The registered HTTP status of a code (500 for a string that is not one: only untyped callers can pass it). */
export function statusOf(code: ErrorCode): number {
  return errorCodeEntry(code)?.status ?? 500;
}

/** The entries of one set returned by `defineErrorCodes`, in declaration order. */
export function errorCodeEntries(set: ErrorCodeSet): readonly RegisteredErrorCode[] {
  return Object.values(set).map((code) => errorCodeEntry(code)!);
}

/** The core codes' entries, in registry order. */
export function coreErrorCodeEntries(): readonly RegisteredErrorCode[] {
  return (Object.keys(ERROR_CODES) as CoreErrorCode[]).map((code) => errorCodeEntry(code)!);
}

/**
 * The Markdown reference of error codes: one table of the core codes, then one per set (headed by
 * its owner). docs/ERRORS.md is this text for every package's and app's set.
 */
export function renderErrorCodeTables(sets: readonly ErrorCodeSet[]): string {
  const groups = new Map<string, RegisteredErrorCode[]>([[CORE_OWNER, [...coreErrorCodeEntries()]]]);
  for (const set of sets)
    for (const e of errorCodeEntries(set)) {
      const list = groups.get(e.owner) ?? [];
      if (!list.some((x) => x.code === e.code)) list.push(e);
      groups.set(e.owner, list);
    }
  const out: string[] = [];
  for (const [owner, entries] of groups) {
    out.push(`## ${owner}`, '', '| code | status | meaning |', '| --- | --- | --- |');
    for (const e of entries) out.push(`| \`${e.code}\` | ${e.status}${e.variable ? ' (varies)' : ''} | ${e.meaning} |`);
    out.push('');
  }
  return out.join('\n');
}
