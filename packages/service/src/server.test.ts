import type { AddressInfo } from 'node:net';
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
