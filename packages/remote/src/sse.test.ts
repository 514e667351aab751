import { SseParser } from './sse.js';

function parseAll(parts: string[]) {
  const p = new SseParser();
  return parts.flatMap((part) => p.push(part));
}

describe('SseParser', () => {
  it('parses CRLF-framed LangServe events', () => {
    expect(parseAll(['event: metadata\r\ndata: {"run_id":"r"}\r\n\r\nevent: data\r\ndata: 1\r\n\r\nevent: end\r\n\r\n'])).toEqual([
      { event: 'metadata', data: '{"run_id":"r"}' },
      { event: 'data', data: '1' },
    ]);
  });

  it('handles LF, CR and CRLF split across chunks without inventing blank lines', () => {
    expect(parseAll(['event: data\r', '\ndata: a\r', '\r', '\nevent: data\rdata: b\r\r'])).toEqual([
      { event: 'data', data: 'a' },
      { event: 'data', data: 'b' },
    ]);
  });

  it('joins multi-line data with newlines and ignores comments, retry and unknown fields', () => {
    expect(parseAll([': ping\n', 'retry: 10\nfoo: bar\nevent: data\ndata: {"a":\ndata:1}\n\n'])).toEqual([
      { event: 'data', data: '{"a":\n1}' },
    ]);
  });

  it('defaults the event type to message, strips one leading space and a BOM', () => {
    expect(parseAll(['\ufeffdata:  x\n\n'])).toEqual([{ event: 'message', data: ' x' }]);
  });

  it('emits nothing for an event still open when the input stops', () => {
    expect(parseAll(['event: data\ndata: 1\n'])).toEqual([]);
  });

  it('dispatches an event as soon as its blank line arrives', () => {
    const p = new SseParser();
    expect(p.push('event: data\ndata: 1\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'data', data: '1' }]);
  });

  it('refuses an event larger than the cap', () => {
    const p = new SseParser({ maxEventChars: 10 });
    expect(() => p.push('data: 0123456789abcdef')).toThrow(RangeError);
  });
});
