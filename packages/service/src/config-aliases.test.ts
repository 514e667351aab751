// Deprecated aliases: a renamed variable's old name still works, is reported once (runService logs
// one warn line), and set beside the new name with another value stops the start.
import express from 'express';
import { z } from 'zod';
import { deprecatedAlias, duration, issuerEnvSchema, workflowEnvSchema } from '@baton/contract/env';
import { parseConfig, type DeprecatedVariable } from './config.js';
import { runService } from './run-service.js';

const schema = z.object({
  SWEEP_INTERVAL_MS: duration('ms', 600_000, { min: 1_000 }).describe('How often.'),
  SWEEP_INTERVAL: deprecatedAlias('SWEEP_INTERVAL_MS'),
});

function parse(env: Record<string, string>) {
  const notices: DeprecatedVariable[] = [];
  const config = parseConfig(schema, { env, service: 'svc', onDeprecated: (n) => notices.push(n) });
  return { value: config.SWEEP_INTERVAL_MS, notices };
}

function issuesOf(fn: () => unknown): Array<{ variable: string; message: string }> {
  try {
    fn();
  } catch (err) {
    return (err as { detail: { issues: Array<{ variable: string; message: string }> } }).detail.issues;
  }
  throw new Error('did not throw');
}

describe('a deprecated alias', () => {
  it('is read as the new name when set alone, with one notice', () => {
    expect(parse({ SWEEP_INTERVAL: '5m' })).toEqual({
      value: 300_000,
      notices: [{ variable: 'SWEEP_INTERVAL', use: 'SWEEP_INTERVAL_MS' }],
    });
    expect(parse({ SWEEP_INTERVAL_MS: '5m' })).toEqual({ value: 300_000, notices: [] });
    expect(parse({})).toEqual({ value: 600_000, notices: [] });
  });

  it('is validated by the new name’s rule and reported under the name that was set', () => {
    expect(issuesOf(() => parse({ SWEEP_INTERVAL: '10ms' }))).toEqual([
      {
        variable: 'SWEEP_INTERVAL (deprecated alias of SWEEP_INTERVAL_MS)',
        message: 'must be a duration: a whole number of ms, or a number with a unit (250ms, 30s, 10m, 1h, 30d), at least 1s',
      },
    ]);
  });

  it('set beside the new name: the same value is accepted (with the notice), another value is refused naming the old one', () => {
    expect(parse({ SWEEP_INTERVAL: '5m', SWEEP_INTERVAL_MS: '5m' }).value).toBe(300_000);
    expect(issuesOf(() => parse({ SWEEP_INTERVAL: '1m', SWEEP_INTERVAL_MS: '5m' }))).toEqual([
      {
        variable: 'SWEEP_INTERVAL',
        message: 'is a deprecated alias of SWEEP_INTERVAL_MS and both are set to different values: unset SWEEP_INTERVAL',
      },
    ]);
  });

  it("keeps the workflow's renamed THREAD_TTL and THREAD_SWEEP_INTERVAL working", () => {
    const base = { TOKEN_FORWARDING: 'passthrough' };
    const notices: DeprecatedVariable[] = [];
    const c = parseConfig(workflowEnvSchema, {
      env: { ...base, THREAD_TTL: '7d', THREAD_SWEEP_INTERVAL: '30000' },
      service: 'workflow',
      onDeprecated: (n) => notices.push(n),
    });
    expect({ ttl: c.THREAD_TTL_MS, sweep: c.THREAD_SWEEP_INTERVAL_MS }).toEqual({ ttl: 7 * 86_400_000, sweep: 30_000 });
    expect(notices.map((n) => `${n.variable}->${n.use}`)).toEqual([
      'THREAD_TTL->THREAD_TTL_MS',
      'THREAD_SWEEP_INTERVAL->THREAD_SWEEP_INTERVAL_MS',
    ]);
  });
});

describe("the issuer's ISSUER_MODE (its former name of BATON_PROFILE)", () => {
  it('is read as BATON_PROFILE with a notice, and refused when it disagrees', () => {
    const notices: DeprecatedVariable[] = [];
    const c = parseConfig(issuerEnvSchema, {
      env: { ISSUER_MODE: 'development' },
      service: 'issuer',
      onDeprecated: (n) => notices.push(n),
    });
    expect({ profile: c.BATON_PROFILE, notices }).toEqual({
      profile: 'development',
      notices: [{ variable: 'ISSUER_MODE', use: 'BATON_PROFILE' }],
    });
    expect(
      issuesOf(() => parseConfig(issuerEnvSchema, { env: { ISSUER_MODE: 'production', BATON_PROFILE: 'development' }, service: 'issuer' })),
    ).toEqual([
      {
        variable: 'ISSUER_MODE',
        message: 'is a deprecated alias of BATON_PROFILE and both are set to different values: unset ISSUER_MODE',
      },
    ]);
  });
});

describe('runService with a deprecated alias set', () => {
  it('writes exactly one warn line naming the old and the new name, and none when only the new name is set', async () => {
    async function warnLines(env: Record<string, string>) {
      const out: string[] = [];
      const running = await runService({
        name: 'svc',
        env,
        loadConfig: (e) => parseConfig(schema, { env: e, service: 'svc' }),
        settings: () => ({ port: 0, host: '127.0.0.1', logLevel: 'info', tls: {} }),
        createDeps: () => ({}),
        createApp: () => express(),
        listening: { fields: () => ({}) },
        logDestination: { write: (m: string) => void out.push(m) },
        signals: [],
        exit: () => {},
      });
      await running.close();
      return out.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
    }
    const lines = await warnLines({ SWEEP_INTERVAL: '5m' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'svc', variable: 'SWEEP_INTERVAL', use: 'SWEEP_INTERVAL_MS' });
    expect(String(lines[0]!.msg)).toContain('deprecated variable: SWEEP_INTERVAL is now SWEEP_INTERVAL_MS');
    expect(await warnLines({ SWEEP_INTERVAL_MS: '5m' })).toEqual([]);
  });
});
