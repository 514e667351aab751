// What a run streams, as the SDK reads it: LangGraph's stream chunks (or stream events) mapped to
// Platform API SSE events named after the stream mode (`values`, `updates|<namespace>`, ...).
import type { StreamMode } from './run-request.js';

export interface PlatformEvent {
  event: string;
  data: unknown;
}

/** How the run's chunks are read and named. */
export interface EventPlan {
  runId: string;
  modes: readonly StreamMode[];
  subgraphs: boolean;
}

/** The LangGraph stream modes a run needs for the requested SDK modes (`events` is a separate API). */
export function libraryModes(modes: readonly StreamMode[]): string[] {
  const out = new Set<string>();
  for (const mode of modes) {
    if (mode === 'events') continue;
    if (mode === 'messages-tuple') {
      // Chat-model tokens, and the writer's text (custom chunks with a `delta`), both become messages.
      out.add('messages');
      out.add('custom');
    } else {
      out.add(mode);
    }
  }
  // `wait` and an `events`-only stream still need the final values.
  if (out.size === 0) out.add('values');
  return [...out];
}

const eventName = (mode: string, ns: readonly string[]) => (ns.length > 0 ? `${mode}|${ns.join('|')}` : mode);

/**
 * A custom chunk that carries text, `{ delta: string, node?, revision? }` (the workflow writer's
 * shape), as one `messages` tuple: an AI message chunk whose id is stable for one node and
 * revision, so the SDK's message manager (and `useStream`'s `messages`) concatenates the deltas
 * into one growing message per revision.
 */
export function deltaToMessage(chunk: unknown, runId: string): PlatformEvent['data'] | undefined {
  if (typeof chunk !== 'object' || chunk === null) return undefined;
  const { delta, node, revision } = chunk as { delta?: unknown; node?: unknown; revision?: unknown };
  if (typeof delta !== 'string' || delta === '') return undefined;
  const nodeName = typeof node === 'string' ? node : 'custom';
  const rev = typeof revision === 'number' && Number.isSafeInteger(revision) ? revision : 0;
  return [
    { type: 'AIMessageChunk', id: `${runId}:${nodeName}:${rev}`, content: delta, additional_kwargs: {}, response_metadata: {} },
    { langgraph_node: nodeName, revision: rev, run_id: runId },
  ];
}

/** A LangChain message as the SDK reads one: its dict form (`{...data, type}`), not LangChain's constructor JSON. */
function messageDict(message: unknown): unknown {
  const m = message as { toDict?: () => { type: string; data: Record<string, unknown> } };
  if (typeof m?.toDict !== 'function') return message;
  const { type, data } = m.toDict();
  return { ...data, type };
}

/** One LangGraph stream item (`[mode, chunk]`, or `[namespace, mode, chunk]` with subgraphs) as SSE events. */
export function* fromStreamItem(item: unknown, plan: EventPlan): Generator<PlatformEvent> {
  if (!Array.isArray(item)) return;
  const [ns, mode, chunk] = (plan.subgraphs ? item : [[], ...item]) as [unknown, string, unknown];
  const namespace = Array.isArray(ns) ? ns.map(String) : [];
  const wants = (m: StreamMode) => plan.modes.includes(m);
  if (mode === 'messages') {
    if (!wants('messages-tuple')) return;
    const [message, metadata] = Array.isArray(chunk) ? chunk : [chunk, {}];
    yield { event: eventName('messages', namespace), data: [messageDict(message), metadata] };
    return;
  }
  if (mode === 'custom' && wants('messages-tuple')) {
    const tuple = deltaToMessage(chunk, plan.runId);
    if (tuple) yield { event: eventName('messages', namespace), data: tuple };
  }
  if ((plan.modes as readonly string[]).includes(mode)) yield { event: eventName(mode, namespace), data: chunk };
}

/** A LangChain stream event (`streamEvents` v2) with internal (`__`) metadata keys removed. */
function publicEvent(event: Record<string, unknown>): Record<string, unknown> {
  const metadata = event.metadata;
  if (typeof metadata !== 'object' || metadata === null) return event;
  return { ...event, metadata: Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('__'))) };
}

/**
 * One `streamEvents` event: the run's own `on_chain_stream` events carry the stream-mode chunks
 * (mapped as `fromStreamItem`); every other event is an `events` event when that mode was asked for.
 */
export function* fromLangChainEvent(raw: unknown, plan: EventPlan): Generator<PlatformEvent> {
  if (typeof raw !== 'object' || raw === null) return;
  const event = raw as { event?: unknown; run_id?: unknown; data?: { chunk?: unknown } };
  if (event.event === 'on_chain_stream' && event.run_id === plan.runId) {
    yield* fromStreamItem(event.data?.chunk, plan);
  } else if (plan.modes.includes('events')) {
    yield { event: 'events', data: publicEvent(raw as Record<string, unknown>) };
  }
}

/**
 * JSON text of an event's data, with every occurrence of `hide` (the owner part of a scoped
 * thread key, `<ownerKey>/`) removed from strings: checkpoints, debug payloads and event metadata
 * name the thread by its checkpoint key, and the caller sees only their own thread id.
 */
export function toJson(value: unknown, hide?: string): string {
  if (!hide) return JSON.stringify(value ?? null);
  return JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'string' && v.includes(hide) ? v.split(hide).join('') : v));
}
