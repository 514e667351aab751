import { z } from 'zod';
import { configError } from '@baton/errors';
import { durationMs, host, isSpiffeId, list, port, spiffeId, spiffeIdVar, tlsEnvShape, url } from '@baton/service';

/** What makes one agent: its name (service / audit name), mount path, port, audience and scope. */
export interface AgentDefinition {
  /** Service name, e.g. `agent-research`: logs and audit lines carry it as `service`. */
  readonly name: string;
  /** Mount path of the LangServe routes, e.g. `/research`. */
  readonly path: string;
  /** Default `PORT`. */
  readonly port: number;
  /** The agent's own audience in exchange mode, e.g. `agent-research`. */
  readonly audience: string;
  /** The scope a caller needs in exchange mode, e.g. `research:invoke`. */
  readonly scope: string;
}

export type AuthMode = 'exchange' | 'passthrough';

export const DEFAULT_ISSUER_URL = 'http://127.0.0.1:4000';
export const DEFAULT_WORKFLOW_AUDIENCE = 'baton-workflow';
export const WORKFLOW_SCOPE = 'workflow:invoke';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The environment every agent reads (extend it with the agent's own variables):
 * PORT, HOST, ISSUER_URL, JWKS_URI, AUTH_MODE, AUTH_AUDIENCE, AUTH_SCOPE, WORKFLOW_AUDIENCE,
 * ALLOWED_ACTORS, LOG_LEVEL, JWKS_COOLDOWN_MS; for mutual TLS TLS_CERT_FILE, TLS_KEY_FILE,
 * TLS_CA_FILE, ALLOWED_PEERS, ISSUER_SPIFFE_ID.
 */
export function agentConfigSchema(definition: AgentDefinition) {
  return z.object({
    PORT: port(definition.port),
    HOST: host('127.0.0.1'),
    /** The issuer: expected `iss` of every token, and the base of the default JWKS URI. */
    ISSUER_URL: url(DEFAULT_ISSUER_URL),
    /** Default `${ISSUER_URL}/.well-known/jwks.json`. */
    JWKS_URI: url().optional(),
    AUTH_MODE: z.enum(['exchange', 'passthrough']).default('exchange'),
    /** Overrides the accepted audience (default: the agent's own, or WORKFLOW_AUDIENCE in passthrough). */
    AUTH_AUDIENCE: z.string().trim().min(1).optional(),
    /** Overrides the required scope (default: the agent's own, or `workflow:invoke` in passthrough). */
    AUTH_SCOPE: z
      .string()
      .trim()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be one scope token')
      .optional(),
    WORKFLOW_AUDIENCE: z.string().trim().min(1).default(DEFAULT_WORKFLOW_AUDIENCE),
    /** Comma list of actor `sub`s allowed to call (checked on `act.sub`); empty = any. */
    ALLOWED_ACTORS: list([]),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** Minimum time between two JWKS refetches caused by an unknown `kid`. */
    JWKS_COOLDOWN_MS: durationMs(30_000),
    /** Mutual TLS: on when all three are set (HTTPS only, a client certificate from the CA required). */
    ...tlsEnvShape,
    /** Comma list of peer SPIFFE ids allowed to call (mutual TLS only); default the workflow's. */
    ALLOWED_PEERS: list([]).refine((ids) => ids.every(isSpiffeId), { error: 'must be SPIFFE ids like spiffe://baton.local/workflow' }),
    /** The issuer's SPIFFE id, checked when fetching the JWKS over mutual TLS. */
    ISSUER_SPIFFE_ID: spiffeIdVar(spiffeId('issuer')),
  });
}

export type AgentConfigSchema = ReturnType<typeof agentConfigSchema>;
export type AgentEnv = z.infer<AgentConfigSchema>;

/** The resolved settings `runAgent` and `createAgentApp` work from. */
export interface AgentSettings {
  readonly name: string;
  readonly path: string;
  readonly port: number;
  readonly host: string;
  /** Expected `iss`. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly jwksCooldownMs: number;
  readonly mode: AuthMode;
  /** The one audience accepted. */
  readonly audience: string;
  /** Scopes every request needs. */
  readonly scopes: readonly string[];
  /** Allowed actors (`act.sub`); empty = no actor check. */
  readonly allowedActors: readonly string[];
  /** Mutual TLS on (all of TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE set). */
  readonly mtls: boolean;
  /** Peer SPIFFE ids allowed to call the agent's routes; undefined when mutual TLS is off. */
  readonly allowedPeers: readonly string[] | undefined;
  /** Expected SPIFFE id of the issuer (JWKS over mutual TLS). */
  readonly issuerPeerId: string;
  readonly logLevel: AgentEnv['LOG_LEVEL'];
}

/**
 * Exchange mode (default): accept only the agent's own audience and scope.
 * Passthrough mode (explicit opt-in): accept the workflow's audience and `workflow:invoke`.
 * `AUTH_AUDIENCE` / `AUTH_SCOPE` override either.
 */
export const DEFAULT_ALLOWED_PEER = spiffeId('workflow');

export function agentSettings(definition: AgentDefinition, env: AgentEnv): AgentSettings {
  const passthrough = env.AUTH_MODE === 'passthrough';
  const mtls = Boolean(env.TLS_CERT_FILE && env.TLS_KEY_FILE && env.TLS_CA_FILE);
  if (!mtls && env.ALLOWED_PEERS.length > 0) {
    throw configError(definition.name, [
      { variable: 'ALLOWED_PEERS', message: 'needs mutual TLS (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE)' },
    ]);
  }
  return Object.freeze({
    name: definition.name,
    path: definition.path,
    port: env.PORT,
    host: env.HOST,
    issuer: env.ISSUER_URL,
    jwksUri: env.JWKS_URI ?? `${env.ISSUER_URL}/.well-known/jwks.json`,
    jwksCooldownMs: env.JWKS_COOLDOWN_MS,
    mode: env.AUTH_MODE,
    audience: env.AUTH_AUDIENCE ?? (passthrough ? env.WORKFLOW_AUDIENCE : definition.audience),
    scopes: Object.freeze([env.AUTH_SCOPE ?? (passthrough ? WORKFLOW_SCOPE : definition.scope)]),
    allowedActors: Object.freeze([...env.ALLOWED_ACTORS]),
    mtls,
    allowedPeers: mtls ? Object.freeze(env.ALLOWED_PEERS.length > 0 ? [...env.ALLOWED_PEERS] : [DEFAULT_ALLOWED_PEER]) : undefined,
    issuerPeerId: env.ISSUER_SPIFFE_ID,
    logLevel: env.LOG_LEVEL,
  });
}
