import type { AddressInfo } from 'node:net';
import express from 'express';
import { configError } from '@baton/errors';
import { runService, type RunServiceOptions } from './run-service.js';

interface Lines {
  write(msg: string): void;
  lines(): Array<Record<string, unknown>>;
}

function capture(): Lines {
  const out: string[] = [];
  return { write: (msg) => void out.push(msg), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function options(overrides: Partial<RunServiceOptions<{ port: number }, { closed: number }>> = {}) {
  const deps = { closed: 0 };
  const log = capture();
  const exit = jest.fn();
  const base: RunServiceOptions<{ port: number }, { closed: number }> = {
    name: 'svc',
    loadConfig: (env) => ({ port: Number(env.PORT ?? 0) }),
    settings: (config) => ({ port: config.port, host: '127.0.0.1', logLevel: 'info', tls: {} }),
    createDeps: () => deps,
    closeDeps: (d) => void (d.closed += 1),
    createApp: () => express().get('/', (_req, res) => void res.json({ ok: true })),
    listening: { fields: ({ port, url }) => ({ port, url }) },
    env: {},
    logDestination: log,
    signals: [],
    exit,
    ...overrides,
  };
  return { base, deps, log, exit };
}

describe('runService', () => {
  it('listens, writes one `<name> listening` line with the bound port, and close() closes the deps once after the server', async () => {
    const { base, deps, log, exit } = options();
    const running = await runService(base);
    const port = (running.server.address() as AddressInfo).port;
    expect(running.url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(running.url)).json()).toEqual({ ok: true });
    expect(log.lines()).toContainEqual(expect.objectContaining({ service: 'svc', msg: 'svc listening', port, url: running.url }));
    await Promise.all([running.close(), running.close()]);
    expect(running.server.listening).toBe(false);
    expect(deps.closed).toBe(1);
    expect(exit).not.toHaveBeenCalled();
  });

  it('prints the wrong variables (never values) and exits 1 on a CONFIG_INVALID configuration', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { base, exit } = options({
        loadConfig: () => {
          throw configError('svc', [{ variable: 'PORT', message: 'must be an integer port 0-65535' }]);
        },
      });
      await expect(runService(base)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      expect(exit).toHaveBeenCalledWith(1);
      expect(stderr.mock.calls.map(([s]) => String(s)).join('')).toBe(
        'svc: invalid configuration (values not shown):\n  PORT: must be an integer port 0-65535\n',
      );
    } finally {
      stderr.mockRestore();
    }
  });

  it('closes the deps, prints `failed to start` and exits 1 when the app cannot be made', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { base, deps, exit } = options({
        createApp: () => {
          throw new Error('no app');
        },
      });
      await expect(runService(base)).rejects.toThrow('no app');
      expect(deps.closed).toBe(1);
      expect(exit).toHaveBeenCalledWith(1);
      expect(stderr.mock.calls.map(([s]) => String(s)).join('')).toBe('svc: failed to start: no app\n');
    } finally {
      stderr.mockRestore();
    }
  });
});
