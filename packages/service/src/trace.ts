import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  parentId: string;
  flags: string;
}

/** Parse a W3C `traceparent` (version 00 layout). Returns undefined when invalid. */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff') return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/** A new sampled `traceparent` with a fresh trace id. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** The `traceparent` for an outgoing call: same trace id and flags, a new parent (span) id. */
export function childTraceparent(traceparent: string | undefined): string {
  const t = parseTraceparent(traceparent);
  if (!t) return newTraceparent();
  return `00-${t.traceId}-${randomBytes(8).toString('hex')}-${t.flags}`;
}
