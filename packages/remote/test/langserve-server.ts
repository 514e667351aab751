import express, { type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';

/** One request as the server saw it: raw body bytes (as text) and every header. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** Resolves when the server sees the client's connection or request go away. */
  closed: Promise<void>;
}

export type Handler = (req: Request, res: Response, body: any) => void | Promise<void>;

export function bearerOf(r: RecordedRequest): string | undefined {
  const h = r.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
}

export function sse(res: Response): (event: string, data?: unknown) => void {
  res.status(200);
  res.setHeader('content-type', 'text/event-stream');
  res.setHeader('cache-control', 'no-cache');
  res.flushHeaders();
  return (event, data) => {
    // LangServe frames with CRLF.
    res.write(`event: ${event}\r\n${data === undefined ? '' : `data: ${JSON.stringify(data)}\r\n`}\r\n`);
  };
}

/**
 * A LangServe-shaped test server on 127.0.0.1:0. Default routes under `/agent` echo their input
 * and the bearer token they got (so tests can tell which user a request was for); any route can
 * be replaced with `handle(path, fn)`. Every request is recorded.
 */
export class TestServer {
  readonly requests: RecordedRequest[] = [];
  private readonly handlers = new Map<string, Handler>();
  private server: Server | undefined;
  private readonly waiters: Array<() => void> = [];
  url = '';

  constructor() {
    this.reset();
  }

  reset(): void {
    this.requests.length = 0;
    this.handlers.clear();
    this.handlers.set('/agent/invoke', (req, res, body) => {
      res.json({ output: { echo: body.input, bearer: bearerOfReq(req) }, metadata: { run_id: 'r1', feedback_tokens: [] } });
    });
    this.handlers.set('/agent/batch', (req, res, body) => {
      res.json({
        output: (body.inputs as unknown[]).map((input) => ({ echo: input, bearer: bearerOfReq(req) })),
        metadata: { run_ids: [] },
      });
    });
    this.handlers.set('/agent/stream', (req, res, body) => {
      const send = sse(res);
      send('metadata', { run_id: 'r1' });
      for (const chunk of body.input.chunks as unknown[]) send('data', chunk);
      send('end');
      res.end();
    });
  }

  handle(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
  }

  /** Resolves once `n` requests have been recorded. */
  async waitForRequests(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  async start(port = 0): Promise<void> {
    const app = express();
    app.use(express.raw({ type: () => true, limit: '10mb' }));
    app.use((req, res) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
      this.requests.push({ method: req.method, path: req.path, headers: { ...req.headers }, rawBody, closed });
      this.waiters.splice(0).forEach((w) => w());
      const handler = this.handlers.get(req.path);
      if (!handler) {
        res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no route' } });
        return;
      }
      let body: any;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        res.status(400).json({ error: { code: 'REQUEST_INVALID_JSON', message: 'bad json' } });
        return;
      }
      void Promise.resolve(handler(req, res, body)).catch((e: unknown) => {
        if (!res.headersSent) res.status(500).json({ error: { code: 'TEST_HANDLER', message: String(e) } });
      });
    });
    this.server = createServer(app);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

function bearerOfReq(req: Request): string | undefined {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
}

/** A port nobody listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
