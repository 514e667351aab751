import { randomBytes } from 'node:crypto';

/**
 * Request correlation, in one place: the request id (`x-request-id`) and the W3C Trace Context
 * `traceparent` (https://www.w3.org/TR/trace-context/). Every service reads incoming correlation
 * with `w3cPropagator.extract` and writes it on an outgoing hop with `w3cPropagator.inject`, so an
 * OpenTelemetry `TextMapPropagator` can take its place later behind the same two calls.
 */

const REQUEST_ID_HEADER = 'x-request-id';
const TRACEPARENT_HEADER = 'traceparent';

/** 1-128 characters of `[A-Za-z0-9._:-]`: the only request ids accepted from a peer or forwarded to one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether `value` is a request id we accept from a client and forward to a peer. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value);
}

/** A parsed W3C `traceparent` header. */
export interface Traceparent {
  version: string;
  /** 32 lowercase hex characters, not all zero. */
  traceId: string;
  /** The span id of the caller (`parent-id`): 16 lowercase hex characters, not all zero. */
  parentId: string;
  /** 2 hex characters; bit 0 is "sampled". */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;
const MAX_TRACEPARENT = 512;

/** Parses a `traceparent`; undefined when missing or invalid (the spec says: then start a new trace). */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== 'string' || value.length > MAX_TRACEPARENT) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may append more (kept out when we format).
  if (version === '00' && rest !== undefined) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return undefined;
  return { version, traceId, parentId, flags };
}

/** Version 00 text of a parsed traceparent (a later version's extra fields are dropped). */
function formatTraceparent(tp: Traceparent): string {
  return `00-${tp.traceId}-${tp.parentId}-${tp.flags}`;
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (!ALL_ZERO.test(hex)) return hex;
  }
}

/** A new trace: random trace id and span id, sampled. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** The traceparent of an outgoing hop: `parent`'s trace id and flags, a new span id; a new trace when `parent` is invalid. */
export function childTraceparent(parent?: string): string {
  const tp = parseTraceparent(parent);
  return tp ? formatTraceparent({ ...tp, parentId: randomHex(8) }) : newTraceparent();
}

/** What joins one request's log lines across services. Each value is present only when well-formed. */
export interface Correlation {
  readonly requestId?: string | undefined;
  readonly traceparent?: string | undefined;
}

/** Incoming headers as Node gives them (`req.headers`). */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads and writes correlation headers: the seam an OpenTelemetry propagator can fill later
 * (`extract` ~ `propagation.extract`, `inject` ~ `propagation.inject`).
 */
export interface CorrelationPropagator {
  /** Correlation of an incoming request: a value that is missing or malformed is absent, never guessed. */
  extract(headers: IncomingHeaders): Correlation;
  /**
   * Writes the headers of ONE outgoing hop into `carrier`: the request id, and a child
   * traceparent (a new trace when there is none). Call it once per hop and reuse what it wrote.
   */
  inject(correlation: Correlation, carrier: Record<string, string>): void;
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `x-request-id` + W3C `traceparent`. */
export const w3cPropagator: CorrelationPropagator = Object.freeze({
  extract(headers: IncomingHeaders): Correlation {
    const requestId = single(headers[REQUEST_ID_HEADER]);
    const traceparent = single(headers[TRACEPARENT_HEADER]);
    return {
      ...(isValidRequestId(requestId) ? { requestId } : {}),
      ...(parseTraceparent(traceparent) ? { traceparent: (traceparent as string).trim() } : {}),
    };
  },
  inject(correlation: Correlation, carrier: Record<string, string>): void {
    if (isValidRequestId(correlation.requestId)) carrier[REQUEST_ID_HEADER] = correlation.requestId;
    carrier[TRACEPARENT_HEADER] = childTraceparent(correlation.traceparent);
  },
});
