import { isBatonError } from '@baton/errors';
import { z } from 'zod';
import { bool, durationMs, durationSec, host, list, port, url } from '@baton/contract/env';
import { loadConfig, parseConfig } from './config.js';

const schema = z.object({
  PORT: port(3000),
  HOST: host(),
  DEBUG: bool(false),
  ISSUER_URL: url('http://127.0.0.1:4000'),
  TIMEOUT: durationMs(5000),
  TTL: durationSec(300),
  AUDIENCES: list(['a']),
  SECRET: z.string().min(32).optional(),
});

describe('parseConfig', () => {
  it('applies defaults and returns a frozen object', () => {
    const cfg = parseConfig(schema, { env: {}, service: 'test' });
    expect(cfg).toEqual({
      PORT: 3000,
      HOST: '127.0.0.1',
      DEBUG: false,
      ISSUER_URL: 'http://127.0.0.1:4000',
      TIMEOUT: 5000,
      TTL: 300,
      AUDIENCES: ['a'],
    });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('parses ports, booleans, urls, durations and lists from strings', () => {
    const cfg = parseConfig(schema, {
      env: {
        PORT: '8080',
        HOST: '0.0.0.0',
        DEBUG: '1',
        ISSUER_URL: 'https://issuer.example/',
        TIMEOUT: '2s',
        TTL: '5m',
        AUDIENCES: 'x, y,,z',
      },
      service: 'test',
    });
    expect(cfg).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      DEBUG: true,
      ISSUER_URL: 'https://issuer.example',
      TIMEOUT: 2000,
      TTL: 300,
      AUDIENCES: ['x', 'y', 'z'],
    });
    expect(parseConfig(schema, { env: { DEBUG: 'FALSE', TIMEOUT: '250', TTL: '60' }, service: 't' })).toMatchObject({
      DEBUG: false,
      TIMEOUT: 250,
      TTL: 60,
    });
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig(schema, { env: { PORT: '' }, service: 'test' }).PORT).toBe(3000);
  });

  it('throws CONFIG_INVALID naming every wrong variable and never its value', () => {
    const env = { PORT: '99999', DEBUG: 'yes-secret-value', ISSUER_URL: 'ftp://secret-host', TIMEOUT: 'soon', SECRET: 'short-secret-xyz' };
    let caught: unknown;
    try {
      parseConfig(schema, { env, service: 'test' });
    } catch (e) {
      caught = e;
    }
    expect(isBatonError(caught)).toBe(true);
    const err = caught as { code: string; message: string; detail: { issues: Array<{ variable: string; message: string }> } };
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.detail.issues.map((i) => i.variable).sort()).toEqual(['DEBUG', 'ISSUER_URL', 'PORT', 'SECRET', 'TIMEOUT']);
    const text = JSON.stringify(err.detail) + err.message;
    for (const v of Object.values(env)) expect(text).not.toContain(v);
  });
});

describe('loadConfig', () => {
  it('prints the wrong variable names (not values) to stderr and exits 1', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => loadConfig(schema, { env: { PORT: 'not-a-port-hunter2' }, service: 'svc' })).toThrow('exit 1');
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toContain('svc');
      expect(printed).toContain('PORT');
      expect(printed).not.toContain('hunter2');
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });

  it('returns the config when valid', () => {
    expect(loadConfig(schema, { env: { PORT: '1' }, service: 'svc' }).PORT).toBe(1);
  });
});
