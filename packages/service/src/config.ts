import { BatonError } from '@baton/errors';
import type { Env } from '@baton/contract/env';
import type { z } from 'zod';

export type { Env };

export interface ConfigOptions {
  /** Environment to read (default `process.env`). */
  env?: Env;
  /** Service name, used in the start-up error message. */
  service: string;
}

/** One wrong variable: its name and why. Never its value. */
export interface ConfigIssue {
  variable: string;
  message: string;
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
    const names = [...new Set(issues.map((i) => i.variable))].join(', ');
    throw new BatonError('CONFIG_INVALID', `${options.service}: invalid configuration: ${names}`, {
      status: 500,
      detail: { issues },
    });
  }
  return Object.freeze(result.data) as Readonly<z.infer<S>>;
}

/**
 * `parseConfig`, but on failure prints which variables are wrong and why to stderr and exits 1.
 * For `main.ts` only; tests use `parseConfig`.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: ConfigOptions): Readonly<z.infer<S>> {
  try {
    return parseConfig(schema, options);
  } catch (err) {
    const issues = ((err as BatonError).detail as { issues?: ConfigIssue[] } | undefined)?.issues;
    if (!issues) throw err;
    const lines = issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n');
    process.stderr.write(`${options.service}: invalid configuration (values not shown):\n${lines}\n`);
    process.exit(1);
  }
}
