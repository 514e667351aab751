import type { Response } from 'express';

export interface SseWriterOptions {
  /** Interval of the `: ping` comment. */
  pingIntervalMs: number;
  /**
   * The client sent `Accept: text/event-stream` (a spec client): `end` gets a `data: {}` line,
   * which the EventSource algorithm needs to dispatch it. Otherwise `end` has no data line, as
   * in LangServe (the official JS client yields every non-empty `data` as a chunk).
   */
  specClient: boolean;
  /** A `retry:` field (ms) sent once before the first event to a spec client. */
  retryMs?: number;
  /** How long one write may wait for `drain` (a reader that stopped reading); past it the connection is destroyed. */
  writeDeadlineMs?: number;
  /** Called once when the write deadline cut the connection. */
  onStall?: () => void;
}

/** Whether the request's `Accept` names `text/event-stream` (EventSource clients send it). */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'text/event-stream');
}

/**
 * A Server-Sent Events writer framed like LangServe (sse-starlette), plus an `id` on every
 * event: `event: <name>\r\ndata: <json>\r\nid: <run_id>:<seq>\r\n\r\n`; `end` without a data
 * line unless the client is a spec client (`specClient`), and a `: ping` comment every
 * `pingIntervalMs`. Each event is written (and so flushed) at once; when the socket is full it
 * waits for `drain`, so a slow client slows the runnable down instead of growing the buffer.
 */
export class SseWriter {
  private readonly ping: NodeJS.Timeout;
  private closed = false;
  private retryPending: number | undefined;
  private readonly specClient: boolean;
  private readonly writeDeadlineMs: number | undefined;
  private readonly onStall: (() => void) | undefined;

  constructor(
    private readonly res: Response,
    options: SseWriterOptions,
  ) {
    const { pingIntervalMs } = options;
    this.specClient = options.specClient;
    this.writeDeadlineMs = options.writeDeadlineMs;
    this.onStall = options.onStall;
    this.retryPending = options.specClient ? options.retryMs : undefined;
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('connection', 'keep-alive');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => {
      this.closed = true;
      clearInterval(this.ping);
    });
    this.ping = setInterval(() => {
      if (!this.closed) res.write(': ping\r\n\r\n');
    }, pingIntervalMs);
    this.ping.unref();
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed || this.res.writableEnded;
  }

  /** The frame of one event; `data` is already JSON text (one line), `id` has no line breaks. */
  frame(event: string, data: string | undefined, id?: string): string {
    if (data === undefined && event === 'end' && this.specClient) data = '{}';
    let frame = `event: ${event}\r\n`;
    if (data !== undefined) frame += `data: ${data}\r\n`;
    if (id !== undefined) frame += `id: ${id}\r\n`;
    if (this.retryPending !== undefined) {
      frame = `retry: ${this.retryPending}\r\n${frame}`;
      this.retryPending = undefined;
    }
    return `${frame}\r\n`;
  }

  /**
   * Writes one event (see `frame`). When the socket is full it waits for `drain`, at most
   * `writeDeadlineMs`: a reader that stopped reading gets its connection destroyed.
   */
  async send(event: string, data?: string, id?: string): Promise<void> {
    if (this.isClosed) return;
    const frame = this.frame(event, data, id);
    if (this.res.write(frame)) return;
    await drainOrDestroy(this.res, this.writeDeadlineMs, this.onStall);
  }

  end(): void {
    clearInterval(this.ping);
    if (!this.res.writableEnded) this.res.end();
  }
}

/**
 * Waits until a full socket drains or closes, at most `deadlineMs` (none: no bound): past it the
 * connection is destroyed (after `onStall`), since its reader stopped reading. Every SSE writer's
 * back-pressure wait (the LangServe routes', the Platform API's).
 */
export function drainOrDestroy(res: Response, deadlineMs: number | undefined, onStall?: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            onStall?.();
            res.destroy();
            done();
          }, deadlineMs);
    const done = () => {
      if (timer) clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
