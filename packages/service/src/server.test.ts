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
