import { BatonError } from '@baton/errors';
import { CONFIG_KEY_FIELDS, canonicalConfigKey, type ConfigKey, type ServerRunConfig } from './options.js';

const MAX_TAGS = 100;
const MAX_STRING = 256;

function invalid(message: string, key: string): BatonError {
  return new BatonError('RUNNABLE_CONFIG_INVALID', message, { detail: [{ path: ['config', key], message }] });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkValue(key: ConfigKey, value: unknown): unknown {
  switch (key) {
    case 'tags':
      if (!Array.isArray(value) || value.length > MAX_TAGS || !value.every((t) => typeof t === 'string' && t.length <= MAX_STRING)) {
        throw invalid(`tags must be an array of at most ${MAX_TAGS} strings`, key);
      }
      return [...value];
    case 'run_name':
      if (typeof value !== 'string' || value.length > MAX_STRING) throw invalid('run_name must be a short string', key);
      return value;
    case 'recursion_limit':
    case 'max_concurrency':
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw invalid(`${key} must be a positive integer`, key);
      return value;
    case 'metadata':
      if (!isPlainObject(value)) throw invalid('metadata must be an object', key);
      return { ...value };
  }
}

/**
 * Keep only what the server allows from a client-sent run config: the `configKeys` (accepted
 * in snake_case or camelCase) and, inside `configurable`, only `configurableKeys`. Everything
 * else — `callbacks`, `runId`, `context`, `signal`, `timeout`, `metadata` unless allowed,
 * other `configurable` entries — is dropped silently, as the official client always sends
 * some of them. A wrong type on an allowed key is 422 `RUNNABLE_CONFIG_INVALID`. A
 * `recursion_limit` above `maxRecursionLimit` is lowered to it (a client cannot buy a longer run).
 */
export function filterClientConfig(
  raw: unknown,
  configKeys: ReadonlySet<ConfigKey>,
  configurableKeys: ReadonlySet<string>,
  maxRecursionLimit = Number.POSITIVE_INFINITY,
): ServerRunConfig {
  const out: Record<string, unknown> = {};
  if (raw === undefined || raw === null) return out;
  if (!isPlainObject(raw)) {
    throw new BatonError('RUNNABLE_REQUEST_INVALID', 'config must be an object', {
      detail: [{ path: ['config'], message: 'Expected an object' }],
    });
  }
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    const canonical = canonicalConfigKey(key);
    if (!canonical || !configKeys.has(canonical)) continue;
    out[CONFIG_KEY_FIELDS[canonical]] = checkValue(canonical, value);
  }
  if (typeof out.recursionLimit === 'number') out.recursionLimit = Math.min(out.recursionLimit, maxRecursionLimit);
  const configurable = raw.configurable;
  if (configurableKeys.size > 0 && isPlainObject(configurable)) {
    const kept: Record<string, unknown> = {};
    for (const key of configurableKeys) {
      if (Object.prototype.hasOwnProperty.call(configurable, key) && configurable[key] !== undefined) kept[key] = configurable[key];
    }
    if (Object.keys(kept).length > 0) out.configurable = kept;
  }
  return out;
}
