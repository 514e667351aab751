import path from 'node:path';
import { issuerEnvSchema, issuerProfile, parsePairs, type IssuerEnv } from '@baton/contract/env';
import { ISSUER } from '@baton/contract/topology';
import { httpLimits, parseConfig, type HttpServerLimits } from '@baton/service';
import type { Env } from '@baton/service';

export const SERVICE = ISSUER.name;

/** The issuer's environment: `@baton/contract`'s `issuerEnvSchema`. */
const envSchema = issuerEnvSchema;

export type { IssuerEnv };

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
  /** The scope a user must hold for the workflow (WORKFLOW_SCOPE): dev users hold it, exchanges require it. */
  workflowScope: string;
  /** How the workflow's client may authenticate at the token endpoint. */
  workflowClientAuthMethods: readonly string[];
  /** JWKS or PEM file of the workflow client's public keys (`private_key_jwt`), read at start. */
  workflowClientKeysFile?: string;
  accessTokenTtlSec: number;
  exchangedTokenTtlSec: number;
  devTokenMaxTtlSec: number;
  agents: AgentTarget[];
  /** Token-exchange requests per client per minute; 0 disables the limit. */
  tokenExchangeRateLimit: number;
  /** Token-exchange requests per (client, verified subject) per minute; 0 disables the limit. */
  tokenExchangeSubjectRateLimit: number;
  /** Header/request timeouts and connection cap (`HTTP_*`). */
  http: HttpServerLimits;
  /** What the development profile leaves open (one start-up line each); empty in production. */
  relaxed: readonly string[];
  logLevel: IssuerEnv['LOG_LEVEL'];
  /** TLS_CERT_FILE / TLS_KEY_FILE / TLS_CA_FILE as given (read once at start by `runService`). */
  tls: { TLS_CERT_FILE?: string; TLS_KEY_FILE?: string; TLS_CA_FILE?: string };
}

/** What the development profile relaxes, one line each (none in production). */
function relaxedOf(env: IssuerEnv): string[] {
  if (issuerProfile(env) === 'production') return [];
  return [
    'dev routes mounted: POST /dev/token mints any development user a token; POST /dev/rotate-keys (loopback only)',
    'the workflow client may use client_credentials (production: token exchange only)',
    `WORKFLOW_CLIENT_SECRET ${env.WORKFLOW_CLIENT_SECRET ? 'is not checked against the secrets published in the repository' : 'unset: generated into the data dir'}`,
  ];
}

/** Derive the issuer's configuration from parsed environment variables (pure). */
function toIssuerConfig(env: IssuerEnv, cwd: string): IssuerConfig {
  const resources = parsePairs(env.AGENT_RESOURCES) ?? [];
  const agents = (parsePairs(env.AGENT_AUDIENCES) ?? []).map(([audience, scope]) => ({
    audience,
    scope: scope.split(/[\s+]+/).filter(Boolean),
    resources: resources.filter(([a]) => a === audience).map(([, u]) => u.replace(/(?<!\/)\/+$/, '')),
  }));
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    issuer: env.ISSUER_URL ?? `${env.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${env.PORT}`,
    dataDir: path.resolve(cwd, env.ISSUER_DATA_DIR ?? '.data/issuer'),
    mode: issuerProfile(env),
    workflowClientId: env.WORKFLOW_CLIENT_ID,
    ...(env.WORKFLOW_CLIENT_SECRET ? { workflowClientSecret: env.WORKFLOW_CLIENT_SECRET } : {}),
    workflowAudience: env.WORKFLOW_AUDIENCE,
    workflowScope: env.WORKFLOW_SCOPE,
    workflowClientAuthMethods: Object.freeze(
      env.WORKFLOW_CLIENT_AUTH_METHODS ??
        (env.WORKFLOW_CLIENT_KEYS_FILE ? ['private_key_jwt'] : ['client_secret_basic', 'client_secret_post']),
    ),
    ...(env.WORKFLOW_CLIENT_KEYS_FILE ? { workflowClientKeysFile: path.resolve(cwd, env.WORKFLOW_CLIENT_KEYS_FILE) } : {}),
    accessTokenTtlSec: env.ACCESS_TOKEN_TTL_SEC,
    exchangedTokenTtlSec: env.EXCHANGED_TOKEN_TTL_SEC,
    devTokenMaxTtlSec: env.DEV_TOKEN_MAX_TTL_SEC,
    agents,
    tokenExchangeRateLimit: env.TOKEN_EXCHANGE_RATE_LIMIT,
    tokenExchangeSubjectRateLimit: env.TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT,
    http: httpLimits(env),
    relaxed: Object.freeze(relaxedOf(env)),
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
