import { randomBytes } from 'node:crypto';

/** A parsed W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/). */
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

/** Parses a `traceparent` header; undefined when it is missing or invalid (as the spec says: restart the trace). */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { version, traceId, parentId, flags };
}

export function formatTraceparent(tp: Traceparent): string {
  // We only speak version 00; a higher version's known fields are kept, the rest dropped.
  return `00-${tp.traceId}-${tp.parentId}-${tp.flags}`;
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new trace: random trace id and span id, sampled. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/**
 * The `traceparent` to send downstream: same trace id and flags as `parent`, a new span id.
 * When `parent` is missing or invalid, a new trace.
 */
export function childTraceparent(parent?: string): string {
  const tp = parseTraceparent(parent);
  if (!tp) return newTraceparent();
  return formatTraceparent({ ...tp, parentId: randomHex(8) });
}
