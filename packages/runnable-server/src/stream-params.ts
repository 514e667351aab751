import { BatonError } from '@baton/errors';
import { toWire } from './serialize.js';

const FILTERS = {
  include_names: 'includeNames',
  include_types: 'includeTypes',
  include_tags: 'includeTags',
  exclude_names: 'excludeNames',
  exclude_types: 'excludeTypes',
  exclude_tags: 'excludeTags',
} as const;

/** Most entries of one filter, and longest entry: LangChain checks every run against every entry. */
const MAX_FILTER_ENTRIES = 100;
const MAX_FILTER_ENTRY = 256;

export type StreamFilters = Partial<Record<(typeof FILTERS)[keyof typeof FILTERS], string[]>>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, message: string): BatonError {
  return new BatonError('RUNNABLE_REQUEST_INVALID', message, { detail: [{ path: [field], message }] });
}

/**
 * The include/exclude filters of `/stream_log` and `/stream_events` (snake_case, as both official
 * clients send them) in LangChain's camelCase. A missing or `null` filter is no filter; anything
 * but an array of at most 100 strings of at most 256 characters is 422 `RUNNABLE_REQUEST_INVALID`.
 */
export function streamFilters(body: unknown): StreamFilters {
  const out: Record<string, string[]> = {};
  if (!isObject(body)) return out;
  for (const [snake, camel] of Object.entries(FILTERS)) {
    const v = body[snake];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || v.length > MAX_FILTER_ENTRIES || !v.every((x) => typeof x === 'string' && x.length <= MAX_FILTER_ENTRY)) {
      throw invalid(snake, `${snake} must be an array of at most ${MAX_FILTER_ENTRIES} strings of at most ${MAX_FILTER_ENTRY} characters`);
    }
    out[camel] = v as string[];
  }
  return out;
}

export type StreamEventsVersion = 'v1' | 'v2';

/**
 * The event schema a `/stream_events` request asks for: `version` at the top of the body, or in
 * `kwargs` (where the official JS client puts the `version` of `streamEvents(input, {version})`).
 * Default `v2`; any other value is 422 `RUNNABLE_REQUEST_INVALID` (detail path `version`).
 */
export function streamEventsVersion(body: unknown): StreamEventsVersion {
  if (!isObject(body)) return 'v2';
  const raw = body.version ?? (isObject(body.kwargs) ? body.kwargs.version : undefined);
  if (raw === undefined || raw === null || raw === 'v2') return 'v2';
  if (raw === 'v1') return 'v1';
  throw invalid('version', 'version must be "v1" or "v2"');
}

/**
 * Whether a `/stream_events` or `/stream_log` request asked for the leading `metadata` event
 * (`{"metadata_event": true}` in the body). LangServe sends none on these routes, and the Python
 * client logs an ERROR for one; `/stream` always sends it.
 */
export function wantsMetadataEvent(body: unknown): boolean {
  if (!isObject(body) || body.metadata_event === undefined || body.metadata_event === null) return false;
  if (typeof body.metadata_event !== 'boolean') throw invalid('metadata_event', 'metadata_event must be a boolean');
  return body.metadata_event;
}

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

/**
 * One `RunLogPatch` as LangServe sends it on `/stream_log`: `{"ops": [...]}`, each op's `value`
 * in the wire shape of `toWire` (messages, documents, dates).
 */
export function runLogPatchToWire(patch: unknown): { ops: PatchOp[] } {
  const ops = isObject(patch) && Array.isArray(patch.ops) ? (patch.ops as PatchOp[]) : [];
  return {
    ops: ops.map((op) => {
      const out: PatchOp = { op: op.op, path: op.path };
      if (op.from !== undefined) out.from = op.from;
      if ('value' in op) out.value = toWire(op.value);
      return out;
    }),
  };
}
