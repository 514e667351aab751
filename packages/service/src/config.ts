import { configError, configIssuesOf, type ConfigIssue } from '@baton/errors';
import type { Env } from '@baton/contract/env';
import type { z } from 'zod';

export type { Env };
export type { ConfigIssue } from '@baton/errors';

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
