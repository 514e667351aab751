import net, { type AddressInfo } from 'node:net';
import express from 'express';
import { installShutdown, listen } from './server.js';

describe('listen', () => {
  it('listens on the given host and an ephemeral port', async () => {
    const app = express();
    app.get('/x', (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(app, { port: 0, host: '127.0.0.1' });
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/x`);
      expect(await res.json()).toEqual({ ok: true });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('rejects when the port is taken', async () => {
    const a = await listen(express(), { port: 0, host: '127.0.0.1' });
    try {
      const { port } = a.address() as AddressInfo;
      await expect(listen(express(), { port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((r) => a.close(r));
    }
  });
});

/** A raw socket that sends headers announcing a body, then one byte at a time; resolves with what it read when the server closes it. */
function trickle(port: number): { closed: Promise<string>; stop: () => void } {
  const socket = net.connect(port, '127.0.0.1');
  let read = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (read += d));
  socket.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n');
  const timer = setInterval(() => socket.write('a'), 100);
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(read);
    }),
  );
  return { closed, stop: () => socket.destroy() };
}

describe('listen limits', () => {
  const limits = { headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 3 };

  it('cuts a client that trickles its body once the request timeout passes (408, socket closed)', async () => {
    const app = express();
    app.post('/slow', express.text({ limit: '1mb' }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(app, { port: 0, host: '127.0.0.1', limits });
    try {
      const { port } = server.address() as AddressInfo;
      const read = await trickle(port).closed;
      expect(read).toMatch(/^HTTP\/1\.1 408/);
      expect(server.requestTimeout).toBe(600);
      expect(server.maxConnections).toBe(3);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('lets a response stream on well past the request timeout once the request is in (SSE)', async () => {
    const app = express();
    app.get('/events', (_req, res) => {
      res.setHeader('content-type', 'text/event-stream');
      let n = 0;
      const timer = setInterval(() => {
        res.write(`data: ${n}\n\n`);
        if (++n === 15) {
          clearInterval(timer);
          res.end();
        }
      }, 100); // 1.5 s of stream against a 0.6 s request timeout
    });
    const server = await listen(app, { port: 0, host: '127.0.0.1', limits });
    try {
      const { port } = server.address() as AddressInfo;
      const body = await (await fetch(`http://127.0.0.1:${port}/events`)).text();
      expect(body.match(/^data: /gm)).toHaveLength(15);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('installShutdown', () => {
  it('closes the server, runs onClose and exits 0 when triggered programmatically', async () => {
    const server = await listen(express(), { port: 0, host: '127.0.0.1' });
    const logger = { info: jest.fn(), error: jest.fn() };
    const onClose = jest.fn(async () => undefined);
    const code = await new Promise<number>((resolve) => {
      const shutdown = installShutdown(server, { logger, onClose, signals: [], exit: resolve });
      shutdown('test');
    });
    expect(code).toBe(0);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(server.listening).toBe(false);
  });
});

describe('installShutdown with a drain', () => {
  it('keeps listening until the drain is idle (new requests still answered), then closes and exits 0', async () => {
    let idle!: () => void;
    const idlePromise = new Promise<void>((r) => (idle = r));
    const drain = { begin: jest.fn(), idle: () => idlePromise, deadline: jest.fn() };
    const app = express();
    app.get('/readyz', (_req, res) => void res.status(drain.begin.mock.calls.length > 0 ? 503 : 200).end());
    const server = await listen(app, { port: 0, host: '127.0.0.1' });
    const { port } = server.address() as AddressInfo;
    const logger = { info: jest.fn(), error: jest.fn() };
    const exited = new Promise<number>((resolve) => installShutdown(server, { logger, signals: [], exit: resolve, drain })('test'));
    expect(drain.begin).toHaveBeenCalledTimes(1);
    // Still listening while work is in flight: a probe on a new connection gets the app's answer.
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    expect(server.listening).toBe(true);
    idle();
    expect(await exited).toBe(0);
    expect(server.listening).toBe(false);
    expect(drain.deadline).not.toHaveBeenCalled();
  });

  it('at the deadline calls drain.deadline() so streams can say goodbye, then cuts and exits 1', async () => {
    const drain = { begin: jest.fn(), idle: () => new Promise<void>(() => {}), deadline: jest.fn() };
    const server = await listen(express(), { port: 0, host: '127.0.0.1' });
    const logger = { info: jest.fn(), error: jest.fn() };
    const code = await new Promise<number>((resolve) =>
      installShutdown(server, { logger, signals: [], exit: resolve, drain, timeoutMs: 20 })('test'),
    );
    expect(code).toBe(1);
    expect(drain.deadline).toHaveBeenCalledTimes(1);
    server.close();
  });
});
