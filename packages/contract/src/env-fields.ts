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
  /** Which access-token shapes are accepted: strict (RFC 9068, default), dev, keycloak, auth0, okta, entra. */
  TOKEN_PROFILE: z.enum(TOKEN_PROFILES).default('strict'),
  /** Accepted `typ` header values (comma list; `none` = no typ header). Default: the profile's. */
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
    .optional(),
  /** Where scopes are read: scope, scope-array, scp, permissions, roles (comma list). Default: the profile's. */
  TOKEN_SCOPE_CLAIMS: optionalListOf(TOKEN_SCOPE_CLAIM_VALUES),
  /** Which claim names the client: client_id, azp, cid, appid (comma list, first present wins). Default: the profile's. */
  TOKEN_CLIENT_CLAIMS: optionalListOf(TOKEN_CLIENT_CLAIM_VALUES),
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

/** Parse '250ms', '10s', '5m', '1h', '30d', or a bare number in `bareUnit`. Returns ms, or undefined. */
export function parseDuration(text: string, bareUnit: 'ms' | 's' = 'ms'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
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

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `LOG_LEVEL`: pino's levels, default `info`. */
export function logLevel() {
  return z.enum(LOG_LEVELS).default('info');
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
  /** PEM certificate of this service (its identity: one `spiffe://` URI SAN). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of `TLS_CERT_FILE`. */
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** PEM CA bundle: peers' certificates must chain to it. */
  TLS_CA_FILE: z.string().min(1).optional(),
};

/**
 * The optional chat model's variables (the writer and the reviewer): spread into an agent's config
 * schema. `@baton/agent-kit/llm` turns them into a model.
 */
export const llmEnvFields = {
  LLM_PROVIDER: z.enum(['none', 'openai', 'ollama']).default('none'),
  LLM_MODEL: z.string().trim().min(1).optional(),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: url().optional(),
  OLLAMA_BASE_URL: url('http://127.0.0.1:11434'),
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
  return z.enum(BATON_PROFILES).default('development');
}

/**
 * Limits every server applies (all profiles): the time to receive a request's headers and the
 * whole request (its body; not the response, so SSE streams are unaffected), and the most
 * connections open at once. A client that trickles a body is cut with 408 at the request timeout.
 */
export const httpServerEnvFields = {
  /** Time to receive a request's headers. */
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, { min: 100, max: 600_000 }),
  /** Time to receive a whole request, body included (not the response: streams may run longer). */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, { min: 100, max: 600_000 }),
  /** Open connections at once; past it new connections are dropped. */
  HTTP_MAX_CONNECTIONS: int(1024, { min: 1, max: 1_000_000 }),
};
