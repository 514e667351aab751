// Field helpers for environment variables: each takes the raw string from the environment.
// Spread or call them inside a service's zod object; `@baton/service`'s `parseConfig` parses it.
import { z } from 'zod';
import { isSpiffeId } from './spiffe.js';

/** A TCP port 0-65535 with a default. */
export function port(defaultPort: number) {
  return z.coerce
    .number({ error: 'must be an integer port 0-65535' })
    .int({ error: 'must be an integer port 0-65535' })
    .min(0, { error: 'must be an integer port 0-65535' })
    .max(65535, { error: 'must be an integer port 0-65535' })
    .default(defaultPort)
    .describe('TCP port to listen on (0 picks a free one).');
}

/** Interface to bind. Default 127.0.0.1 (containers set HOST=0.0.0.0). */
export function host(defaultHost = '127.0.0.1') {
  return z.string().min(1).default(defaultHost).describe('Interface to bind (`0.0.0.0` in containers).');
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
    .transform((s) => s.replace(/(?<!\/)\/+$/, ''));
  return defaultValue === undefined ? schema : schema.default(defaultValue);
}

/**
 * An issuer identifier (`ISSUER_URL`): an absolute http(s) URL with no query or fragment
 * (RFC 8414 §2), kept exactly as configured — a trailing slash is part of the identifier (Auth0's
 * end in `/`) and tokens' `iss` is compared to it as a string.
 */
export function issuerUrl(defaultValue?: string) {
  const schema = z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return (
          (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' && u.hash === '' && !s.includes('?') && !s.includes('#')
        );
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute http(s) URL without query or fragment' },
  );
  return defaultValue === undefined ? schema : schema.default(defaultValue);
}

/** An absolute http(s) URL kept exactly as configured (an endpoint: `JWKS_URI`, `TOKEN_ENDPOINT`). */
export function exactUrl() {
  return z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hash === '';
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute http(s) URL without fragment' },
  );
}

/** Token profiles (`@baton/auth`'s `resolveTokenProfile`): the names and the values of each knob. */
export const TOKEN_PROFILES = ['strict', 'dev', 'keycloak', 'auth0', 'okta', 'entra'] as const;
export const TOKEN_SCOPE_CLAIM_VALUES = ['scope', 'scope-array', 'scp', 'permissions', 'roles'] as const;
export const TOKEN_CLIENT_CLAIM_VALUES = ['client_id', 'azp', 'cid', 'appid'] as const;

/** An optional comma list whose items must be in `allowed`. */
function optionalListOf(allowed: readonly string[]) {
  return z
    .string()
    .transform((s, ctx) => {
      const items = [
        ...new Set(
          s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ];
      const bad = items.filter((i) => !allowed.includes(i));
      if (items.length === 0 || bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `must be a comma list of ${allowed.join(', ')}` });
        return z.NEVER;
      }
      return items;
    })
    .optional();
}

/**
 * The token-shape variables every verifying service (the workflow, each agent) reads:
 * `TOKEN_PROFILE` (strict), and the knobs that override one setting of it.
 */
export const tokenProfileEnvFields = {
  TOKEN_PROFILE: z
    .enum(TOKEN_PROFILES)
    .default('strict')
    .describe(
      'Which access-token shapes are accepted: strict (RFC 9068), dev, keycloak, auth0, okta, entra (docs/IDENTITY-PROVIDERS.md); each setting it relaxes is one `warn` line at start-up.',
    ),
  TOKEN_TYP: z
    .string()
    .transform((s, ctx) => {
      const items = s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      if (items.length === 0 || !items.every((i) => /^[\x21-\x7e]{1,64}$/.test(i))) {
        ctx.addIssue({ code: 'custom', message: "must be a comma list of typ values like 'at+jwt,JWT,none'" });
        return z.NEVER;
      }
      return items;
    })
    .optional()
    .describe("Accepted `typ` header values, case-insensitive (comma list; `none` = a token without `typ`). Default: the profile's."),
  TOKEN_SCOPE_CLAIMS: optionalListOf(TOKEN_SCOPE_CLAIM_VALUES).describe(
    "Where scopes are read (comma list): `scope` (a string only), `scope-array` (`scope` as a string or an array), `scp` (string or array), `permissions` (array), `roles` (array). Default: the profile's.",
  ),
  TOKEN_CLIENT_CLAIMS: optionalListOf(TOKEN_CLIENT_CLAIM_VALUES).describe(
    "Which claim names the client (comma list, the first present wins): `client_id`, `azp`, `cid`, `appid`. Default: the profile's.",
  ),
};

/** A Postgres connection URL (`postgres://` or `postgresql://`); its value is never echoed in an error. */
export function databaseUrl() {
  return z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'must be a postgres:// or postgresql:// URL with a host' },
  );
}

/** A positive integer (optionally with min/max). */
export function int(defaultValue: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}) {
  const msg = `must be an integer between ${min} and ${max}`;
  return z.coerce.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }).default(defaultValue);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The unit a duration variable's name carries: `_MS` (milliseconds) or `_SEC` (seconds). */
export type DurationUnit = 'ms' | 's';

/** Parse '250ms', '10s', '5m', '1h', '30d', or a bare number in `bareUnit`. Returns ms, or undefined. */
export function parseDuration(text: string, bareUnit: DurationUnit = 'ms'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (UNIT_MS[m[2] ?? bareUnit] ?? 1);
  return Number.isFinite(n) ? n : undefined;
}

/** A duration in `unit` as the shortest exact text: 30000 ms -> '30s', 2592000000 ms -> '30d', 250 ms -> '250ms'. */
export function formatDuration(value: number, unit: DurationUnit = 'ms'): string {
  const ms = value * UNIT_MS[unit]!;
  for (const u of ['d', 'h', 'm', 's'] as const) if (ms >= UNIT_MS[u]! && ms % UNIT_MS[u]! === 0) return `${ms / UNIT_MS[u]!}${u}`;
  return `${ms}ms`;
}

/** What a duration field's metadata says (`field.meta().duration`): the docs and the tests read it. */
export interface DurationMeta {
  unit: DurationUnit;
  /** Default, in `unit`. */
  default: number;
  /** Bounds, in `unit`. */
  min: number;
  max: number;
}

function durationBounds(unit: DurationUnit, min: number, max: number): string {
  if (max < Number.MAX_SAFE_INTEGER) return `, from ${formatDuration(min, unit)} to ${formatDuration(max, unit)}`;
  return min > 0 ? `, at least ${formatDuration(min, unit)}` : '';
}

/**
 * The one duration rule, for every time setting of every service (a variable's name carries its
 * unit: `JWKS_COOLDOWN_MS`, `ACCESS_TOKEN_TTL_SEC`):
 * - a bare number is in the unit the name carries (`JWKS_COOLDOWN_MS=1500` is 1.5 s,
 *   `ACCESS_TOKEN_TTL_SEC=600` is 10 minutes);
 * - a number with a unit is accepted everywhere: `250ms`, `30s`, `10m`, `1h`, `30d`;
 * - the value must be a whole number of the name's unit within [min, max] (bounds in that unit);
 *   anything else is refused with the same text in every service:
 *   `must be a duration: a whole number of ms, or a number with a unit (250ms, 30s, 10m, 1h, 30d)…`.
 * Parses to a number in the name's unit (ms for `_MS`, seconds for `_SEC`).
 */
export function duration(
  unit: DurationUnit,
  defaultValue: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
) {
  const unitName = unit === 'ms' ? 'ms' : 'seconds';
  const message = `must be a duration: a whole number of ${unitName}, or a number with a unit (250ms, 30s, 10m, 1h, 30d)${durationBounds(unit, min, max)}`;
  const meta: DurationMeta = { unit, default: defaultValue, min, max };
  return z
    .string()
    .transform((s, ctx) => {
      const ms = parseDuration(s, unit);
      const v = ms === undefined ? undefined : ms / UNIT_MS[unit]!;
      if (v === undefined || !Number.isSafeInteger(v) || v < min || v > max) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return v;
    })
    .optional()
    .transform((v) => v ?? defaultValue)
    .meta({ duration: meta });
}

/** The duration metadata of a field made by `duration` (undefined for any other field). */
export function durationMetaOf(field: z.ZodType): DurationMeta | undefined {
  return (field.meta() as { duration?: DurationMeta } | undefined)?.duration;
}

/**
 * A duration in milliseconds: `duration('ms', defaultMs)`.
 * @deprecated use `duration('ms', defaultMs, { min, max })` (the one rule, with bounds).
 */
export function durationMs(defaultMs: number) {
  return duration('ms', defaultMs);
}

/**
 * A duration in whole seconds: `duration('s', defaultSec)`.
 * @deprecated use `duration('s', defaultSec, { min, max })` (the one rule, with bounds).
 */
export function durationSec(defaultSec: number) {
  return duration('s', defaultSec);
}

/** What a deprecated alias field's metadata says (`field.meta().aliasOf`). */
export interface AliasMeta {
  /** The variable's current name. */
  aliasOf: string;
  deprecated: true;
}

/**
 * A variable's former name, kept so compose files, manifests and users' environments keep working.
 * Declare it in the schema beside the new name; `@baton/service`'s `parseConfig` reads the old
 * name into the new one (one `deprecated variable` warn line at start-up), and refuses the two
 * set to different values. The field itself is `field` (default the raw string: its value is
 * validated under the new name).
 */
export function deprecatedAlias<F extends z.ZodType = z.ZodOptional<z.ZodString>>(of: string, field?: F) {
  return ((field ?? z.string().optional()) as F).meta({
    aliasOf: of,
    deprecated: true,
    description: `Deprecated alias of ${of} (read when ${of} is unset; both set must agree).`,
  });
}

/** The alias metadata of a field made by `deprecatedAlias` (undefined for any other field). */
export function aliasOf(field: z.ZodType): string | undefined {
  return (field.meta() as Partial<AliasMeta> | undefined)?.aliasOf;
}

/** `JWKS_COOLDOWN_MS`, read by every verifying service (the workflow and each agent) with the same rule and bounds. */
export function jwksCooldownMs() {
  return duration('ms', 30_000, { min: 1_000 }).describe('Minimum time between two JWKS refetches caused by an unknown `kid`.');
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

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `LOG_LEVEL`: pino's levels, default `info`. */
export function logLevel() {
  return z.enum(LOG_LEVELS).default('info').describe("pino's level: fatal, error, warn, info, debug, trace or silent.");
}

/** A SPIFFE id from the environment, with a default. */
export function spiffeIdVar(defaultId: string) {
  return z.string().refine(isSpiffeId, { error: 'must be a SPIFFE id like spiffe://baton.local/<service>' }).default(defaultId);
}

/**
 * The environment variables that turn TLS on for a service: all three set = on, none = off,
 * anything else is a configuration error. Spread into a service's zod config object.
 */
export const tlsEnvShape = {
  TLS_CERT_FILE: z.string().min(1).optional().describe('PEM certificate of this service (its identity: one `spiffe://` URI SAN).'),
  TLS_KEY_FILE: z.string().min(1).optional().describe('PEM private key of `TLS_CERT_FILE`.'),
  TLS_CA_FILE: z.string().min(1).optional().describe("PEM CA bundle: peers' certificates must chain to it."),
};

/** `tlsEnvShape` with what turning TLS on does in this service said on TLS_CERT_FILE (the docs read it). */
export function tlsEnvFields(whenOn: string) {
  return {
    ...tlsEnvShape,
    TLS_CERT_FILE: tlsEnvShape.TLS_CERT_FILE.describe(
      `PEM certificate of this service (its identity: one \`spiffe://\` URI SAN). ${whenOn}`,
    ),
  };
}

/**
 * The optional chat model's variables (the writer and the reviewer): spread into an agent's config
 * schema. `@baton/agent-kit/llm` turns them into a model.
 */
export const llmEnvFields = {
  LLM_PROVIDER: z.enum(['none', 'openai', 'ollama']).default('none').describe('`none` (offline, deterministic), `openai` or `ollama`.'),
  LLM_MODEL: z.string().trim().min(1).optional().describe("The model name (default: the provider's, `gpt-4o-mini` / `llama3.1`)."),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).optional().describe('Sampling temperature, 0-2 (default 0.2).'),
  OPENAI_API_KEY: z.string().min(1).optional().describe('API key for `openai`; never logged.'),
  OPENAI_BASE_URL: url().optional().describe("Base URL of an OpenAI-compatible API (default OpenAI's)."),
  OLLAMA_BASE_URL: url('http://127.0.0.1:11434').describe('The Ollama server.'),
};

/** `BATON_PROFILE`: `production` (the image's default) or `development` (`pnpm start`, the compose try-out). */
export const BATON_PROFILES = ['production', 'development'] as const;
export type BatonProfile = (typeof BATON_PROFILES)[number];

/**
 * The one switch between the secure defaults and the try-out ones. Unset outside the image means
 * `development` (the local launcher, tests); the Dockerfile sets `production`, and every service
 * prints one line per relaxed setting when it is not `production`.
 */
export function profile() {
  return z
    .enum(BATON_PROFILES)
    .default('development')
    .describe('`production` (the image) or `development` (`pnpm start`, tests): the secure defaults or the try-out ones.');
}

/**
 * Limits every server applies (all profiles): the time to receive a request's headers and the
 * whole request (its body; not the response, so SSE streams are unaffected), and the most
 * connections open at once. A client that trickles a body is cut with 408 at the request timeout.
 */
export const httpServerEnvFields = {
  HTTP_HEADERS_TIMEOUT_MS: duration('ms', 10_000, { min: 100, max: 600_000 }).describe("Time to receive a request's headers."),
  HTTP_REQUEST_TIMEOUT_MS: duration('ms', 30_000, { min: 100, max: 600_000 }).describe(
    'Time to receive a whole request, body included (not the response: streams may run longer).',
  ),
  HTTP_MAX_CONNECTIONS: int(1024, { min: 1, max: 1_000_000 }).describe('Open connections at once; past it new connections are dropped.'),
};
