import type { Response } from 'express';

/**
 * A Server-Sent Events writer that frames events exactly like LangServe (sse-starlette):
 * `event: <name>\r\ndata: <json>\r\n\r\n`, `event: end\r\n\r\n` with no data line, and a
 * `: ping` comment every `pingIntervalMs`. Each event is written (and so flushed) at once;
 * when the socket is full it waits for `drain`, so a slow client slows the runnable down
 * instead of growing the buffer.
 */
export class SseWriter {
  private readonly ping: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly res: Response,
    pingIntervalMs: number,
  ) {
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
    return this.closed || this.res.destroyed;
  }

  /** Writes one event; `data` is already JSON text (one line). */
  async send(event: string, data?: string): Promise<void> {
    if (this.isClosed) return;
    const frame = data === undefined ? `event: ${event}\r\n\r\n` : `event: ${event}\r\ndata: ${data}\r\n\r\n`;
    if (!this.res.write(frame)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  end(): void {
    clearInterval(this.ping);
    if (!this.res.writableEnded) this.res.end();
  }
}
