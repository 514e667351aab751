import path from 'node:path';
import { int, parseConfig, port, host, tlsEnvShape, url } from '@baton/service';
import type { Env } from '@baton/service';
import { z } from 'zod';

export const SERVICE = 'issuer';

const DEFAULT_AGENT_AUDIENCES = 'agent-research=research:invoke,agent-writer=writer:invoke,agent-reviewer=reviewer:invoke';
const DEFAULT_AGENT_RESOURCES =
  'agent-research=http://127.0.0.1:3001/research,agent-writer=http://127.0.0.1:3002/writer,agent-reviewer=http://127.0.0.1:3003/reviewer';

/** `aud=scope[ scope...]` items separated by commas. */
function parsePairs(text: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) return undefined;
    out.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
  }
  return out;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hash === '';
  } catch {
    return false;
  }
}

export const envSchema = z
  .object({
    PORT: port(4000),
    HOST: host(),
    ISSUER_URL: url().optional(),
    ISSUER_DATA_DIR: z.string().min(1).optional(),
    ISSUER_MODE: z.enum(['development', 'production']).default('development'),
    WORKFLOW_CLIENT_ID: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1-128 printable ASCII characters' })
      .default('workflow'),
    WORKFLOW_CLIENT_SECRET: z.string().optional(),
    WORKFLOW_AUDIENCE: z.string().min(1).default('baton-workflow'),
    ACCESS_TOKEN_TTL_SEC: int(600, { min: 1, max: 86_400 }),
    EXCHANGED_TOKEN_TTL_SEC: int(300, { min: 1, max: 86_400 }),
    DEV_TOKEN_MAX_TTL_SEC: int(3600, { min: 1, max: 86_400 }),
    AGENT_AUDIENCES: z
      .string()
      .default(DEFAULT_AGENT_AUDIENCES)
      .refine((s) => (parsePairs(s)?.length ?? 0) > 0, { error: "must be 'audience=scope[ scope],...'" }),
    AGENT_RESOURCES: z
      .string()
      .default(DEFAULT_AGENT_RESOURCES)
      .refine((s) => parsePairs(s)?.every(([, u]) => isHttpUrl(u)) ?? false, {
        error: "must be 'audience=http(s)://url,...' (no fragment)",
      }),
    TOKEN_EXCHANGE_RATE_LIMIT: int(600, { min: 0, max: 1_000_000 }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** TLS (mutual-TLS mode): HTTPS with this certificate; no client certificate is asked (users call /dev/token). */
    ...tlsEnvShape,
  })
  .superRefine((env, ctx) => {
    if (env.ISSUER_MODE === 'production') {
      if (!env.WORKFLOW_CLIENT_SECRET)
        ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: 'is required in production mode' });
      if (!env.ISSUER_URL) ctx.addIssue({ code: 'custom', path: ['ISSUER_URL'], message: 'is required in production mode' });
      if (!env.ISSUER_DATA_DIR) ctx.addIssue({ code: 'custom', path: ['ISSUER_DATA_DIR'], message: 'is required in production mode' });
    }
    if (env.WORKFLOW_CLIENT_SECRET !== undefined && env.WORKFLOW_CLIENT_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: 'must be at least 32 characters' });
    }
    const agents = parsePairs(env.AGENT_AUDIENCES) ?? [];
    if (agents.some(([aud]) => aud === env.WORKFLOW_AUDIENCE)) {
      ctx.addIssue({ code: 'custom', path: ['AGENT_AUDIENCES'], message: 'must not contain WORKFLOW_AUDIENCE' });
    }
    if (new Set(agents.map(([a]) => a)).size !== agents.length)
      ctx.addIssue({ code: 'custom', path: ['AGENT_AUDIENCES'], message: 'lists an audience twice' });
    const known = new Set(agents.map(([a]) => a));
    if ((parsePairs(env.AGENT_RESOURCES) ?? []).some(([a]) => !known.has(a))) {
      ctx.addIssue({ code: 'custom', path: ['AGENT_RESOURCES'], message: 'names an audience not in AGENT_AUDIENCES' });
    }
  });

export type IssuerEnv = z.infer<typeof envSchema>;

export interface AgentTarget {
  /** The `aud` of tokens minted for this agent. */
  audience: string;
  /** The agent's scope: exchanged tokens carry this and nothing else. */
  scope: string[];
  /** RFC 8707 resource indicators that name this agent. */
  resources: string[];
}

export interface IssuerConfig {
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  mode: 'development' | 'production';
  workflowClientId: string;
  /** Set in production (required) and optionally in development; else read/generated in dataDir. */
  workflowClientSecret?: string;
  workflowAudience: string;
  accessTokenTtlSec: number;
  exchangedTokenTtlSec: number;
  devTokenMaxTtlSec: number;
  agents: AgentTarget[];
  /** Token-exchange requests per client per minute; 0 disables the limit. */
  tokenExchangeRateLimit: number;
  logLevel: IssuerEnv['LOG_LEVEL'];
  /** TLS_CERT_FILE / TLS_KEY_FILE / TLS_CA_FILE as given (read once at start by `runService`). */
  tls: { TLS_CERT_FILE?: string; TLS_KEY_FILE?: string; TLS_CA_FILE?: string };
}

/** Derive the issuer's configuration from parsed environment variables (pure). */
export function toIssuerConfig(env: IssuerEnv, cwd: string): IssuerConfig {
  const resources = parsePairs(env.AGENT_RESOURCES) ?? [];
  const agents = (parsePairs(env.AGENT_AUDIENCES) ?? []).map(([audience, scope]) => ({
    audience,
    scope: scope.split(/[\s+]+/).filter(Boolean),
    resources: resources.filter(([a]) => a === audience).map(([, u]) => u.replace(/\/+$/, '')),
  }));
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    issuer: env.ISSUER_URL ?? `${env.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${env.PORT}`,
    dataDir: path.resolve(cwd, env.ISSUER_DATA_DIR ?? '.data/issuer'),
    mode: env.ISSUER_MODE,
    workflowClientId: env.WORKFLOW_CLIENT_ID,
    ...(env.WORKFLOW_CLIENT_SECRET ? { workflowClientSecret: env.WORKFLOW_CLIENT_SECRET } : {}),
    workflowAudience: env.WORKFLOW_AUDIENCE,
    accessTokenTtlSec: env.ACCESS_TOKEN_TTL_SEC,
    exchangedTokenTtlSec: env.EXCHANGED_TOKEN_TTL_SEC,
    devTokenMaxTtlSec: env.DEV_TOKEN_MAX_TTL_SEC,
    agents,
    tokenExchangeRateLimit: env.TOKEN_EXCHANGE_RATE_LIMIT,
    logLevel: env.LOG_LEVEL,
    tls: Object.freeze({
      ...(env.TLS_CERT_FILE ? { TLS_CERT_FILE: env.TLS_CERT_FILE } : {}),
      ...(env.TLS_KEY_FILE ? { TLS_KEY_FILE: env.TLS_KEY_FILE } : {}),
      ...(env.TLS_CA_FILE ? { TLS_CA_FILE: env.TLS_CA_FILE } : {}),
    }),
  });
}

/** Environment -> configuration; throws BatonError CONFIG_INVALID (main.ts: `runService` prints it and exits 1). */
export function parseIssuerConfig(env: Env, cwd = '/'): IssuerConfig {
  return toIssuerConfig(parseConfig(envSchema, { env, service: SERVICE }), cwd);
}
