import type { Response } from 'express';
import { drainOrDestroy } from '@baton/runnable-server';

export interface SseOptions {
  pingIntervalMs: number;
  /** How long one write may wait for `drain`; past it the connection is destroyed. */
  writeDeadlineMs: number;
  /** Extra response headers (`Content-Location`). */
  headers?: Record<string, string>;
}

/**
 * A Server-Sent Events response as the SDK's decoder reads it: `event:`, one `data:` line of
 * JSON, `id:` on every event, a `: ping` comment every `pingIntervalMs`. A full socket is waited
 * for (`drain`) up to the write deadline, so a slow reader slows the run instead of growing a buffer.
 */
export class PlatformSse {
  private readonly ping: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly res: Response,
    private readonly options: SseOptions,
  ) {
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('connection', 'keep-alive');
    res.setHeader('x-accel-buffering', 'no');
    for (const [k, v] of Object.entries(options.headers ?? {})) res.setHeader(k, v);
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => {
      this.closed = true;
      clearInterval(this.ping);
    });
    this.ping = setInterval(() => {
      if (!this.isClosed) res.write(': ping\n\n');
    }, options.pingIntervalMs);
    this.ping.unref();
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed || this.res.writableEnded;
  }

  /** Writes one event; `data` is JSON text on one line. */
  async send(event: string, data: string, id: string): Promise<void> {
    if (this.isClosed) return;
    if (this.res.write(`event: ${event}\ndata: ${data}\nid: ${id}\n\n`)) return;
    await drainOrDestroy(this.res, this.options.writeDeadlineMs);
  }

  end(): void {
    clearInterval(this.ping);
    if (!this.res.writableEnded) this.res.end();
  }
}
