import { createHash } from 'node:crypto';

/** The default key prefix (REDIS_KEY_PREFIX): every key and channel starts with it. */
export const DEFAULT_KEY_PREFIX = 'baton:';

const PREFIX = /^[A-Za-z0-9:._-]{0,64}$/;

export function checkPrefix(owner: string, prefix: string | undefined): string {
  const p = prefix ?? DEFAULT_KEY_PREFIX;
  if (!PREFIX.test(p)) throw new TypeError(`${owner}: keyPrefix must be at most 64 characters of A-Z a-z 0-9 : . _ -`);
  return p;
}

export function positiveInt(owner: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${owner}: ${name} must be a positive integer`);
  return value;
}

/** The keys of one run, in the order the scripts take them (KEYS[1..4]). */
export function runKeys(prefix: string, runId: string): [meta: string, events: string, lease: string, readers: string] {
  const base = `${prefix}run:${runId}`;
  return [`${base}:meta`, base, `${base}:lease`, `${base}:readers`];
}

/** An owner key (JSON of issuer and subject) as a fixed-length key part: sha256, hex. */
export function ownerDigest(owner: string): string {
  return createHash('sha256').update(owner).digest('hex');
}
