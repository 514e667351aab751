/** One dispatched Server-Sent Event. `event` defaults to `message` as the spec says. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental Server-Sent Events parser (WHATWG HTML "event stream interpretation"):
 * LF, CRLF or CR line endings (also when a CRLF is split across chunks), comment lines,
 * multi-line `data`, a leading BOM. Feed it decoded text as it arrives; it returns the events
 * completed by that text. An event still open when the stream ends is discarded, as the spec says.
 */
export class SseParser {
  private buffer = '';
  private skipLeadingLf = false;
  private started = false;
  private eventType = '';
  private dataLines: string[] = [];
  private hasData = false;
  private lastId: string | undefined;
  /** Cap on one event's size, so a hostile peer cannot make us buffer forever. */
  private readonly maxEventChars: number;
  private eventChars = 0;

  constructor(options: { maxEventChars?: number } = {}) {
    this.maxEventChars = options.maxEventChars ?? 16 * 1024 * 1024;
  }

  push(text: string): SseEvent[] {
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.skipLeadingLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.skipLeadingLf = false;
    this.buffer += chunk;

    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.buffer.length) {
          next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        } else {
          // A CR at the end of this chunk: a LF at the start of the next one belongs to it.
          next = cr + 1;
          this.skipLeadingLf = true;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      const event = this.line(this.buffer.slice(start, end));
      if (event) events.push(event);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length + this.eventChars > this.maxEventChars) {
      throw new RangeError('Server-sent event too large');
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.eventChars += line.length;
    if (this.eventChars > this.maxEventChars) throw new RangeError('Server-sent event too large');
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields are ignored.
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event: SseEvent | undefined = this.hasData
      ? { event: this.eventType || 'message', data: this.dataLines.join('\n'), ...(this.lastId !== undefined ? { id: this.lastId } : {}) }
      : undefined;
    this.eventType = '';
    this.dataLines = [];
    this.hasData = false;
    this.eventChars = 0;
    return event;
  }
}
