import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, ChatMessage } from '@langchain/core/messages';
import { Document } from '@langchain/core/documents';
import { StringPromptValue, ChatPromptValue } from '@langchain/core/prompt_values';
import { toWire } from './serialize.js';

describe('toWire', () => {
  it('keeps strings, numbers, booleans and null; undefined becomes null', () => {
    expect(toWire('hi')).toBe('hi');
    expect(toWire(3)).toBe(3);
    expect(toWire(false)).toBe(false);
    expect(toWire(null)).toBeNull();
    expect(toWire(undefined)).toBeNull();
  });

  it('writes messages in the LangServe shape the official client revives', () => {
    expect(toWire(new AIMessage({ content: 'hello', id: 'm1' }))).toMatchObject({
      content: 'hello',
      type: 'ai',
      additional_kwargs: {},
      id: 'm1',
      example: false,
      tool_calls: [],
    });
    expect(toWire(new HumanMessage('q'))).toMatchObject({ content: 'q', type: 'human', additional_kwargs: {} });
    expect(toWire(new AIMessageChunk('par'))).toMatchObject({ content: 'par', type: 'AIMessageChunk' });
    expect(toWire(new ToolMessage({ content: 'r', tool_call_id: 'c1' }))).toMatchObject({ type: 'tool', tool_call_id: 'c1' });
    expect(toWire(new ChatMessage({ content: 'c', role: 'critic' }))).toMatchObject({ type: 'generic', role: 'critic' });
  });

  it('writes documents as {page_content, metadata, type: "Document"}', () => {
    expect(toWire([new Document({ pageContent: 'p', metadata: { source: 's' } })])).toEqual([
      { page_content: 'p', metadata: { source: 's' }, type: 'Document' },
    ]);
  });

  it('writes prompt values as {text} and {messages}', () => {
    expect(toWire(new StringPromptValue('t'))).toEqual({ text: 't', type: 'StringPromptValue' });
    expect(toWire(new ChatPromptValue([new HumanMessage('x')]))).toMatchObject({ messages: [{ content: 'x', type: 'human' }] });
  });

  it('recurses into objects and arrays, converts dates and drops functions', () => {
    const d = new Date('2020-01-01T00:00:00Z');
    expect(toWire({ a: [new HumanMessage('x')], d, f: () => 1, n: { u: undefined } })).toEqual({
      a: [expect.objectContaining({ type: 'human' })],
      d: '2020-01-01T00:00:00.000Z',
      n: {},
    });
  });

  it('allows shared references but refuses cycles', () => {
    const shared = { v: 1 };
    expect(toWire({ a: shared, b: shared })).toEqual({ a: { v: 1 }, b: { v: 1 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toWire(cyclic)).toThrow(TypeError);
  });
});
