import { isBaseMessage, isBaseMessageChunk, type BaseMessage } from '@langchain/core/messages';

const CHUNK_TYPES: Record<string, string> = {
  ai: 'AIMessageChunk',
  human: 'HumanMessageChunk',
  system: 'SystemMessageChunk',
  generic: 'ChatMessageChunk',
  function: 'FunctionMessageChunk',
  tool: 'ToolMessageChunk',
};

function messageToWire(message: BaseMessage, seen: WeakSet<object>): Record<string, unknown> {
  const m = message as BaseMessage & Record<string, unknown>;
  const type = message.getType();
  const out: Record<string, unknown> = {
    content: toWireValue(m.content, seen),
    additional_kwargs: toWireValue(m.additional_kwargs ?? {}, seen),
    response_metadata: toWireValue(m.response_metadata ?? {}, seen),
    type: isBaseMessageChunk(message) ? (CHUNK_TYPES[type] ?? type) : type,
    name: m.name ?? null,
    id: m.id ?? null,
    example: false,
  };
  if (type === 'ai') {
    out.tool_calls = toWireValue(m.tool_calls ?? [], seen);
    out.invalid_tool_calls = toWireValue(m.invalid_tool_calls ?? [], seen);
    out.usage_metadata = toWireValue(m.usage_metadata ?? null, seen);
    if (m.tool_call_chunks !== undefined) out.tool_call_chunks = toWireValue(m.tool_call_chunks, seen);
  } else if (type === 'tool') {
    out.tool_call_id = m.tool_call_id;
    if (m.status !== undefined) out.status = m.status;
    if (m.artifact !== undefined) out.artifact = toWireValue(m.artifact, seen);
  } else if (type === 'generic') {
    out.role = m.role;
  }
  return out;
}

function isDocument(value: Record<string, unknown>): boolean {
  return typeof value.pageContent === 'string' && typeof value.metadata === 'object' && value.metadata !== null;
}

function isPromptValue(value: Record<string, unknown>): boolean {
  return typeof value.toChatMessages === 'function' && typeof value.toString === 'function';
}

function toWireValue(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) throw new TypeError('Output contains a cycle and cannot be serialised');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => toWireValue(v, seen) ?? null);
    if (isBaseMessage(value)) return messageToWire(value, seen);
    const obj = value as Record<string, unknown>;
    if (isDocument(obj)) {
      const doc: Record<string, unknown> = { page_content: obj.pageContent, metadata: toWireValue(obj.metadata, seen), type: 'Document' };
      if (obj.id !== undefined) doc.id = obj.id;
      return doc;
    }
    if (isPromptValue(obj)) {
      if (Array.isArray(obj.messages)) return { messages: toWireValue(obj.messages, seen), type: 'ChatPromptValueConcrete' };
      if (typeof obj.value === 'string') return { text: obj.value, type: 'StringPromptValue' };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const w = toWireValue(v, seen);
      if (w !== undefined) out[k] = w;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A runnable's output (or a stream chunk, or a stream event) in the JSON shape LangServe
 * sends: messages as `{content, additional_kwargs, response_metadata, type, name, id, example, ...}`
 * (`type` `ai`/`human`/... or `AIMessageChunk`/... for chunks), documents as
 * `{page_content, metadata, type: 'Document'}`, prompt values as `{text}` / `{messages}`,
 * dates as ISO strings. The official RemoteRunnable revives these by key names.
 * Strings, numbers, booleans and null stay as they are; `undefined` becomes `null`.
 */
export function toWire(value: unknown): unknown {
  const out = toWireValue(value, new WeakSet());
  return out === undefined ? null : out;
}
