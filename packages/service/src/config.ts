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
  /** Called once per deprecated alias found set (`runService` logs each as one `warn` line). */
  onDeprecated?: (notice: DeprecatedVariable) => void;
}

/** A deprecated variable name found in the environment, and the name to use instead. */
export interface DeprecatedVariable {
  /** The old name, as set. */
  variable: string;
  /** Its current name. */
  use: string;
}

/** The `aliasOf` of a field made by `@baton/contract`'s `deprecatedAlias` (read from its zod metadata). */
function aliasOfField(field: unknown): string | undefined {
  const meta = (field as { meta?: () => unknown }).meta?.() as { aliasOf?: unknown } | undefined;
  return typeof meta?.aliasOf === 'string' ? meta.aliasOf : undefined;
}

/**
 * Deprecated aliases: an old name set alone is read as its new name; both set to different values
 * is an issue (both set to the same value is accepted). The old name is then removed from the input.
 */
function resolveAliases(shape: Record<string, unknown>, env: Env): { env: Env; deprecated: DeprecatedVariable[]; issues: ConfigIssue[] } {
  const out: Env = { ...env };
  const deprecated: DeprecatedVariable[] = [];
  const issues: ConfigIssue[] = [];
  for (const [variable, field] of Object.entries(shape)) {
    const use = aliasOfField(field);
    const value = env[variable];
    if (use === undefined || value === undefined) continue;
    deprecated.push({ variable, use });
    if (env[use] === undefined) out[use] = value;
    else if (env[use] !== value)
      issues.push({ variable, message: `is a deprecated alias of ${use} and both are set to different values: unset ${variable}` });
    delete out[variable];
  }
  return { env: out, deprecated, issues };
}

let collecting: DeprecatedVariable[] | undefined;

/** Runs `fn` (a `loadConfig`) and returns what it returned with the deprecated variables every `parseConfig` inside it found. */
export function collectDeprecated<T>(fn: () => T): { value: T; deprecated: DeprecatedVariable[] } {
  const outer = collecting;
  const mine: DeprecatedVariable[] = [];
  collecting = mine;
  try {
    return { value: fn(), deprecated: mine };
  } finally {
    collecting = outer;
  }
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
 * A deprecated alias (`deprecatedAlias` in the schema) set alone is read as its new name and
 * reported to `onDeprecated` (and to `runService`, which logs one `warn` line for it); both names
 * set to different values is an issue.
 */
export function parseConfig<S extends z.ZodObject>(schema: S, options: ConfigOptions): Readonly<z.infer<S>> {
  const aliased = resolveAliases(schema.shape, withoutEmpty(options.env ?? process.env));
  const result = schema.safeParse(aliased.env);
  // A value read from an old name is reported under the name that was set.
  const setAs = new Map(aliased.deprecated.map((d) => [d.use, d.variable]));
  const named = (path: PropertyKey[]) => {
    const variable = path.map(String).join('.');
    return setAs.has(variable) ? `${setAs.get(variable)!} (deprecated alias of ${variable})` : variable;
  };
  const issues: ConfigIssue[] = [
    ...aliased.issues,
    ...(result.success
      ? []
      : result.error.issues.map((i) => ({ variable: i.path.length > 0 ? named(i.path) : '(environment)', message: i.message }))),
  ];
  if (!result.success || issues.length > 0) throw configError(options.service, issues);
  for (const notice of aliased.deprecated) {
    options.onDeprecated?.(notice);
    collecting?.push(notice);
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
