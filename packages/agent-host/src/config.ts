import { configError } from '@baton/errors';
import type { AgentDefinition as TopologyAgent, AgentEnv } from '@baton/contract';
import { WORKFLOW } from '@baton/contract';
import { resolveTokenProfile, type TokenProfile } from '@baton/auth';
import { httpLimits, type HttpServerLimits } from '@baton/service';

/**
 * What `runAgent` needs of an agent: its name (service / audit name), mount path, default port,
 * audience and scope. The agents' own come from `@baton/contract` (`RESEARCH`, `WRITER`, ...);
 * their environment schema is the contract's `agentEnvSchema(definition)`.
 */
export type AgentDefinition = Pick<TopologyAgent, 'name' | 'path' | 'port' | 'audience' | 'scope'>;

export type AuthMode = 'exchange' | 'passthrough';
/** Where the acting service is read from (ACTOR_CLAIM). */
export type ActorClaim = AgentEnv['ACTOR_CLAIM'];

export type { AgentEnv };

/** The resolved settings `runAgent` and `createAgentApp` work from. */
export interface AgentSettings {
  readonly name: string;
  readonly path: string;
  readonly port: number;
  readonly host: string;
  /** Expected `iss`. */
  readonly issuer: string;
  /** The configured JWKS URI (`JWKS_URI`); undefined = from the issuer's discovery document. */
  readonly jwksUri: string | undefined;
  /** The token shapes accepted (`TOKEN_PROFILE` and its knobs). */
  readonly tokenProfile: TokenProfile;
  readonly jwksCooldownMs: number;
  readonly mode: AuthMode;
  /** The one audience accepted. */
  readonly audience: string;
  /** Scopes every request needs. */
  readonly scopes: readonly string[];
  /** Allowed actors (read from `actorClaim`); empty = no actor check. */
  readonly allowedActors: readonly string[];
  /** The claim naming the acting service: `act.sub` (default), `azp`, `client_id`. */
  readonly actorClaim: ActorClaim;
  /** Mutual TLS on (all of TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE set). */
  readonly mtls: boolean;
  /** Peer SPIFFE ids allowed to call the agent's routes; undefined when mutual TLS is off. */
  readonly allowedPeers: readonly string[] | undefined;
  /** Expected SPIFFE id of the issuer (JWKS over mutual TLS). */
  readonly issuerPeerId: string;
  readonly logLevel: AgentEnv['LOG_LEVEL'];
  /** `BATON_PROFILE`. */
  readonly profile: AgentEnv['BATON_PROFILE'];
  /** Header/request timeouts and connection cap (`HTTP_*`). */
  readonly http: HttpServerLimits;
  /** What this configuration leaves open against the production profile (one start-up line each). */
  readonly relaxed: readonly string[];
}

/** The actor every token must name in the production profile (exchange mode) when ALLOWED_ACTORS is unset. */
export const PRODUCTION_ACTORS: readonly string[] = Object.freeze([WORKFLOW.name]);

function allowedActorsOf(env: AgentEnv): readonly string[] {
  if (env.ALLOWED_ACTORS.length > 0) return Object.freeze([...env.ALLOWED_ACTORS]);
  return env.BATON_PROFILE === 'production' && env.AUTH_MODE === 'exchange' ? PRODUCTION_ACTORS : Object.freeze([]);
}

function relaxedOf(env: AgentEnv, allowedActors: readonly string[]): string[] {
  if (env.BATON_PROFILE === 'production') return [];
  const relaxed: string[] = [];
  if (allowedActors.length === 0)
    relaxed.push('ALLOWED_ACTORS unset: tokens need not name an acting service (production: act.sub must be the workflow)');
  return relaxed;
}

/**
 * Exchange mode (default): accept only the agent's own audience and scope.
 * Passthrough mode (explicit opt-in): accept the workflow's audience and `workflow:invoke`.
 * `AUTH_AUDIENCE` / `AUTH_SCOPE` override either.
 */
export const DEFAULT_ALLOWED_PEER = WORKFLOW.spiffeId;

export function agentSettings(definition: AgentDefinition, env: AgentEnv): AgentSettings {
  const passthrough = env.AUTH_MODE === 'passthrough';
  const mtls = Boolean(env.TLS_CERT_FILE && env.TLS_KEY_FILE && env.TLS_CA_FILE);
  if (passthrough && env.ACTOR_CLAIM !== 'act.sub') {
    throw configError(definition.name, [
      { variable: 'ACTOR_CLAIM', message: 'applies to exchange mode only (passthrough tokens are the user’s own)' },
    ]);
  }
  if (!mtls && env.ALLOWED_PEERS.length > 0) {
    throw configError(definition.name, [
      { variable: 'ALLOWED_PEERS', message: 'needs mutual TLS (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE)' },
    ]);
  }
  const allowedActors = allowedActorsOf(env);
  return Object.freeze({
    name: definition.name,
    path: definition.path,
    port: env.PORT,
    host: env.HOST,
    issuer: env.ISSUER_URL,
    jwksUri: env.JWKS_URI,
    tokenProfile: resolveTokenProfile(env.TOKEN_PROFILE, {
      typ: env.TOKEN_TYP,
      scopeClaims: env.TOKEN_SCOPE_CLAIMS,
      clientClaims: env.TOKEN_CLIENT_CLAIMS,
    }),
    jwksCooldownMs: env.JWKS_COOLDOWN_MS,
    mode: env.AUTH_MODE,
    audience: env.AUTH_AUDIENCE ?? (passthrough ? env.WORKFLOW_AUDIENCE : definition.audience),
    scopes: Object.freeze([env.AUTH_SCOPE ?? (passthrough ? WORKFLOW.scope : definition.scope)]),
    allowedActors,
    actorClaim: env.ACTOR_CLAIM,
    mtls,
    allowedPeers: mtls ? Object.freeze(env.ALLOWED_PEERS.length > 0 ? [...env.ALLOWED_PEERS] : [DEFAULT_ALLOWED_PEER]) : undefined,
    issuerPeerId: env.ISSUER_SPIFFE_ID,
    logLevel: env.LOG_LEVEL,
    profile: env.BATON_PROFILE,
    http: httpLimits(env),
    relaxed: Object.freeze(relaxedOf(env, allowedActors)),
  });
}
