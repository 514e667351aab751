import { configError, configIssuesOf, type ConfigIssue } from '@baton/errors';
import { z } from 'zod';

export type { ConfigIssue } from '@baton/errors';

export type Env = Record<string, string | undefined>;

export interface ConfigOptions {
  /** Environment to read (default `process.env`). */
  env?: Env;
  /** Service name, used in the start-up error message. */
  service: string;
}

/** Empty strings count as unset (`PORT= node main.js` means "use the default"). */
function withoutEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/**
 * Parse the environment against a zod object schema. Returns a frozen object; throws a
 * BatonError `CONFIG_INVALID` whose `detail.issues` names each wrong variable (never its value).
 */
export function parseConfig<S extends z.ZodObject>(schema: S, options: ConfigOptions): Readonly<z.infer<S>> {
  const env = withoutEmpty(options.env ?? process.env);
  const result = schema.safeParse(env);
  if (!result.success) {
    const issues: ConfigIssue[] = result.error.issues.map((i) => ({
      variable: i.path.length > 0 ? i.path.map(String).join('.') : '(environment)',
      message: i.message,
    }));
    throw configError(options.service, issues);
  }
  return Object.freeze(result.data) as Readonly<z.infer<S>>;
}

/**
 * The one print-and-exit: runs `parse`; when it throws a `CONFIG_INVALID` error (`parseConfig`,
 * `readTlsFiles`, `configError`), prints `<service>: invalid configuration (values not shown):` and
 * one `  VAR: reason` line per issue to stderr and calls `exit(1)` (default `process.exit`). Any
 * other error is rethrown. `runService` reads every service's configuration through it.
 */
export function configOrExit<T>(service: string, parse: () => T, exit: (code: number) => void = (code) => process.exit(code)): T {
  try {
    return parse();
  } catch (err) {
    const issues = configIssuesOf(err);
    if (!issues) throw err;
    const lines = issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n');
    process.stderr.write(`${service}: invalid configuration (values not shown):\n${lines}\n`);
    exit(1);
    throw err; // an injected exit that returns (tests)
  }
}

/** `parseConfig` through `configOrExit`: for a CLI's own variables (services use `runService`). */
export function loadConfig<S extends z.ZodObject>(schema: S, options: ConfigOptions): Readonly<z.infer<S>> {
  return configOrExit(options.service, () => parseConfig(schema, options));
}

// ---------------------------------------------------------------------------------------------
// Field helpers for common environment variables. Each accepts the raw string from the env.

/** A TCP port 0-65535 with a default. */
export function port(defaultPort: number) {
  return z.coerce
    .number({ error: 'must be an integer port 0-65535' })
    .int({ error: 'must be an integer port 0-65535' })
    .min(0, { error: 'must be an integer port 0-65535' })
    .max(65535, { error: 'must be an integer port 0-65535' })
    .default(defaultPort);
}

/** Interface to bind. Default 127.0.0.1 (containers set HOST=0.0.0.0). */
export function host(defaultHost = '127.0.0.1') {
  return z.string().min(1).default(defaultHost);
}

/** A boolean from 'true'/'false'/'1'/'0' (case-insensitive); anything else is an error. */
export function bool(defaultValue: boolean) {
  return z
    .string()
    .transform((s, ctx) => {
      const v = s.trim().toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      ctx.addIssue({ code: 'custom', message: "must be one of 'true', 'false', '1', '0'" });
      return z.NEVER;
    })
    .optional()
    .transform((v) => v ?? defaultValue);
}

/** An absolute http(s) URL. Trailing slashes are removed. */
export function url(defaultValue?: string) {
  const schema = z
    .string()
    .refine(
      (s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { error: 'must be an absolute http(s) URL' },
    )
    .transform((s) => s.replace(/\/+$/, ''));
  return defaultValue === undefined ? schema : schema.default(defaultValue);
}

/** A positive integer (optionally with min/max). */
export function int(defaultValue: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}) {
  const msg = `must be an integer between ${min} and ${max}`;
  return z.coerce.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }).default(defaultValue);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse '250ms', '10s', '5m', '1h', or a bare number in `bareUnit`. Returns ms, or undefined. */
export function parseDuration(text: string, bareUnit: 'ms' | 's' = 'ms'): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * (UNIT_MS[m[2] ?? bareUnit] ?? 1);
  return Number.isFinite(n) ? Math.round(n) : undefined;
}

/** A duration in milliseconds: '250ms', '10s', '5m', '1h' or a bare number of ms. */
export function durationMs(defaultMs: number) {
  return z
    .string()
    .transform((s, ctx) => {
      const v = parseDuration(s, 'ms');
      if (v === undefined) {
        ctx.addIssue({ code: 'custom', message: "must be a duration like '500ms', '10s', '5m' or a number of ms" });
        return z.NEVER;
      }
      return v;
    })
    .optional()
    .transform((v) => v ?? defaultMs);
}

/** A duration in whole seconds: '30s', '5m', '1h' or a bare number of seconds. */
export function durationSec(defaultSec: number) {
  return z
    .string()
    .transform((s, ctx) => {
      const v = parseDuration(s, 's');
      if (v === undefined || v % 1000 !== 0) {
        ctx.addIssue({ code: 'custom', message: "must be a whole number of seconds like '300', '30s', '5m'" });
        return z.NEVER;
      }
      return v / 1000;
    })
    .optional()
    .transform((v) => v ?? defaultSec);
}

/** A comma-separated list of non-empty strings. */
export function list(defaultValue: string[] = []) {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .optional()
    .transform((v) => v ?? defaultValue);
}
