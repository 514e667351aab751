// A real HTTP server standing in front of a real agent with a fault switch: it passes requests
// through, answers a chosen status, hangs, or cuts a stream after its first byte, and records
// when each run request (POST .../invoke, .../stream, ...) arrived.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  /** Answer `status` to the next `times` run requests (all of them when absent), then pass. */
  | { kind: 'status'; status: number; times?: number }
  /** Never answer (the workflow's first-byte timeout fires). */
  | { kind: 'hang' }
  /** Pass through, relay the response headers and first body chunk, then cut the connection. */
  | { kind: 'cut-after-first-byte' };

export class FaultProxy {
  target = '';
  fault: Fault = { kind: 'pass' };
  /** `performance.now()` of each run request, in order. */
  arrivals: number[] = [];
  private faulted = 0;
  private server!: http.Server;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  set(fault: Fault): void {
    this.fault = fault;
    this.faulted = 0;
    this.arrivals = [];
  }

  get count(): number {
    return this.arrivals.length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const isRun = req.method === 'POST';
    if (isRun) this.arrivals.push(performance.now());
    const f = this.fault;
    if (isRun && f.kind === 'status' && (f.times === undefined || this.faulted < f.times)) {
      this.faulted++;
      req.resume();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.status === 401) headers['www-authenticate'] = 'Bearer realm="baton", error="invalid_token"';
      res.writeHead(f.status, headers).end(JSON.stringify({ error: { code: 'FAULT', message: `fault ${f.status}` } }));
      return;
    }
    if (isRun && f.kind === 'hang') {
      req.resume();
      return; // closed when the client gives up (or by close())
    }
    this.forward(req, res, isRun && f.kind === 'cut-after-first-byte');
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, cut: boolean): void {
    const upstream = http.request(`${this.target}${req.url ?? ''}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!cut) {
        up.pipe(res);
        return;
      }
      up.once('data', (chunk: Buffer) => {
        res.write(chunk);
        // the first byte reached the workflow: now the connection dies mid-stream
        setTimeout(() => {
          up.destroy();
          res.destroy();
        }, 50);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
