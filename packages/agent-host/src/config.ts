import { configError } from '@baton/errors';
import type { AgentDefinition as TopologyAgent, AgentEnv } from '@baton/contract';
import { spiffeId } from '@baton/contract';
import { resolveTokenProfile, type TokenProfile } from '@baton/auth';
import { httpLimits, type HttpServerLimits } from '@baton/service';

/**
 * What `runAgent` needs of an agent: its name (service / audit name), mount path, default port,
 * audience and scope (a `@baton/contract` `defineAgent` row has them), and who calls it.
 */
export interface AgentDefinition extends Pick<TopologyAgent, 'name' | 'path' | 'port' | 'audience' | 'scope'> {
  /**
   * The services that call this agent on a user's behalf (the `act.sub` of the tokens exchanged
   * for it, e.g. `['workflow']`): what ALLOWED_ACTORS defaults to in the production profile
   * (exchange mode), the only callers whose request id and traceparent are adopted, and, under
   * mutual TLS, the default ALLOWED_PEERS (`spiffe://baton.local/<name>`).
   */
  readonly trustedActors: readonly string[];
  /**
   * Passthrough mode (AUTH_MODE=passthrough): the audience and scope of the caller's own token (the
   * workflow's), the defaults of WORKFLOW_AUDIENCE and AUTH_SCOPE. Without it, passthrough mode
   * needs WORKFLOW_AUDIENCE (or AUTH_AUDIENCE) and AUTH_SCOPE set.
   */
  readonly passthrough?: { readonly audience: string; readonly scope: string };
}

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
  /** The definition's `trustedActors`: whose request ids are adopted when ALLOWED_ACTORS is empty. */
  readonly trustedActors: readonly string[];
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

/** In the production profile (exchange mode) with ALLOWED_ACTORS unset, every token must name one of the trusted actors. */
function allowedActorsOf(definition: AgentDefinition, env: AgentEnv): readonly string[] {
  if (env.ALLOWED_ACTORS.length > 0) return Object.freeze([...env.ALLOWED_ACTORS]);
  return env.BATON_PROFILE === 'production' && env.AUTH_MODE === 'exchange'
    ? Object.freeze([...definition.trustedActors])
    : Object.freeze([]);
}

function relaxedOf(definition: AgentDefinition, env: AgentEnv, allowedActors: readonly string[]): string[] {
  if (env.BATON_PROFILE === 'production') return [];
  const relaxed: string[] = [];
  if (allowedActors.length === 0)
    relaxed.push(
      `ALLOWED_ACTORS unset: tokens need not name an acting service (production: act.sub must be a trusted actor: ${definition.trustedActors.join(', ')})`,
    );
  return relaxed;
}

/** The audience and scope accepted: the agent's own (exchange), or the caller's own token's (passthrough); AUTH_AUDIENCE / AUTH_SCOPE override either. */
function acceptedOf(definition: AgentDefinition, env: AgentEnv): { audience: string; scope: string } {
  if (env.AUTH_MODE !== 'passthrough')
    return { audience: env.AUTH_AUDIENCE ?? definition.audience, scope: env.AUTH_SCOPE ?? definition.scope };
  const audience = env.AUTH_AUDIENCE ?? env.WORKFLOW_AUDIENCE ?? definition.passthrough?.audience;
  const scope = env.AUTH_SCOPE ?? definition.passthrough?.scope;
  const missing = [
    ...(audience === undefined
      ? [{ variable: 'WORKFLOW_AUDIENCE', message: 'is required in passthrough mode (the audience of the caller’s own token)' }]
      : []),
    ...(scope === undefined
      ? [{ variable: 'AUTH_SCOPE', message: 'is required in passthrough mode (the scope of the caller’s own token)' }]
      : []),
  ];
  if (audience === undefined || scope === undefined) throw configError(definition.name, missing);
  return { audience, scope };
}

/**
 * Exchange mode (default): accept only the agent's own audience and scope.
 * Passthrough mode (explicit opt-in): accept the workflow's audience and scope (`passthrough`).
 * `AUTH_AUDIENCE` / `AUTH_SCOPE` override either.
 */
export function agentSettings(definition: AgentDefinition, env: AgentEnv): AgentSettings {
  if (!Array.isArray(definition.trustedActors)) throw new TypeError(`${definition.name}: trustedActors must be a list of actor names`);
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
  const allowedActors = allowedActorsOf(definition, env);
  const accepted = acceptedOf(definition, env);
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
    audience: accepted.audience,
    scopes: Object.freeze([accepted.scope]),
    allowedActors,
    trustedActors: Object.freeze([...definition.trustedActors]),
    actorClaim: env.ACTOR_CLAIM,
    mtls,
    allowedPeers: mtls
      ? Object.freeze(env.ALLOWED_PEERS.length > 0 ? [...env.ALLOWED_PEERS] : definition.trustedActors.map((a) => spiffeId(a)))
      : undefined,
    issuerPeerId: env.ISSUER_SPIFFE_ID,
    logLevel: env.LOG_LEVEL,
    profile: env.BATON_PROFILE,
    http: httpLimits(env),
    relaxed: Object.freeze(relaxedOf(definition, env, allowedActors)),
  });
}
