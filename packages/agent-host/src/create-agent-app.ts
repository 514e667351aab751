import express, { type Express } from 'express';
import type { ZodType } from 'zod';
import type { Auditor, Verifier } from '@baton/auth';
import { requireAuth } from '@baton/auth/express';
import { BatonError, type ErrorCodeSet } from '@baton/errors';
import { errorHandler } from '@baton/errors/express';
import { addRoutes, type AddRoutesOptions, type AnyRunnable } from '@baton/runnable-server';
import { adoptIncomingCorrelation, healthRoutes, metrics, requestContext, type Logger } from '@baton/service';
import type { Caller, Principal } from '@baton/identity';
import type { Request } from 'express';
import { actorPolicy } from './actor-policy.js';
import { countRuns } from './run-gauge.js';
import { actorPeerBinding, peerGate } from './peer-policy.js';
import type { ActorClaim, AuthMode } from './config.js';

import type { AgentDeps } from './run-agent.js';

export interface CreateAgentAppOptions {
  /** Service name (e.g. `agent-research`). */
  name: string;
  /** Mount path (e.g. `/research`). */
  path: string;
  runnable: AnyRunnable;
  inputSchema?: ZodType;
  outputSchema?: ZodType;
  verifier: Verifier;
  /** Writes one audit line per auth decision (create it with `service` = `name`). */
  auditor: Auditor;
  logger: Logger;
  /** Scopes every request needs (e.g. `['research:invoke']`). */
  scopes: readonly string[];
  /** Actor allow-list (checked on `actorClaim`; see actor-policy.ts); empty or absent = any actor. */
  allowedActors?: readonly string[];
  /**
   * The services that call the agent for a user (e.g. `['workflow']`): with `allowedActors` empty,
   * a token whose `act.sub` names one of them is a service hop whose request id and traceparent
   * are adopted. Absent: only `allowedActors` are trusted so (none when that is empty).
   */
  trustedActors?: readonly string[];
  /** The claim naming the acting service: `act.sub` (default), `azp` (Keycloak standard token exchange), `client_id`. */
  actorClaim?: ActorClaim;
  /** Default `exchange`; changes how `allowedActors` treats tokens without `act`, and binds `act` to the TLS peer. */
  mode?: AuthMode;
  /**
   * Mutual TLS (pass `settings.allowedPeers`): the SPIFFE ids of the TLS peers that may call the
   * routes (403 `AUTH_PEER_NOT_ALLOWED` otherwise, before the token is looked at) and, in exchange
   * mode, the token's `act.sub` must name the peer (403 `AUTH_ACTOR_PEER_MISMATCH`). Undefined =
   * mutual TLS off. `runAgent` refuses to serve over mutual TLS an app built without it.
   */
  allowedPeers?: readonly string[] | undefined;
  /** Realm of the `WWW-Authenticate` challenge (default `baton`). */
  realm?: string;
  /** Readiness check for `/readyz`. */
  ready?: () => boolean | Promise<boolean>;
  /** Why it is not ready (`reason` in the `/readyz` 503 body). */
  notReadyReason?: () => string | undefined;
  /**
   * The agent's own error codes (sets from `@baton/errors`' `defineErrorCodes`), for its error
   * handler and its routes: an error carrying one of them as its `code` answers with it.
   */
  errorCodes?: readonly ErrorCodeSet[];
  /** Passed to `addRoutes` (bodyLimit, pingIntervalMs, maxBatchSize, configKeys ...). */
  routes?: Omit<AddRoutesOptions, 'path' | 'auth' | 'inputSchema' | 'outputSchema' | 'logger'>;
}

/**
 * The options every agent takes straight from the deps `runAgent` gives its `createApp`: name,
 * path, auth (verifier, auditor, scopes, actors, mode, mutual-TLS peers) and logger. An app adds
 * its runnable and schemas: `createAgentApp({ ...fromDeps(deps), runnable, inputSchema, outputSchema })`.
 */
export function fromDeps(
  deps: Pick<AgentDeps<unknown>, 'settings' | 'verifier' | 'auditor' | 'logger'> & Partial<Pick<AgentDeps<unknown>, 'keys'>>,
) {
  const { settings, keys } = deps;
  return {
    // /readyz: false until the agent holds keys it can verify with
    ...(keys ? { ready: () => keys.ready(), notReadyReason: () => keys.notReadyReason() } : {}),
    name: settings.name,
    path: settings.path,
    verifier: deps.verifier,
    auditor: deps.auditor,
    logger: deps.logger,
    scopes: settings.scopes,
    allowedActors: settings.allowedActors,
    trustedActors: settings.trustedActors,
    actorClaim: settings.actorClaim,
    allowedPeers: settings.allowedPeers,
    mode: settings.mode,
  } satisfies Partial<CreateAgentAppOptions>;
}

const HEALTH_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The caller's request id and traceparent are adopted only on a service hop: a token whose
 * `act.sub` names a trusted actor (ALLOWED_ACTORS, else the agent's `trustedActors`), which only
 * that service holds (the issuer sets `act` to the authenticated client). Any other caller's ids
 * are its own (`client_request_id`), so no one can write into another run's audit trail.
 */
function serviceHopCorrelation(allowedActors: readonly string[] | undefined, trustedActors: readonly string[] | undefined) {
  const trusted = new Set(allowedActors && allowedActors.length > 0 ? allowedActors : (trustedActors ?? []));
  return (req: Request, principal: Principal) => {
    const actor = principal.act?.sub;
    if (typeof actor === 'string' && trusted.has(actor)) adoptIncomingCorrelation(req);
  };
}

/** `app.locals` key set when the app enforces a mutual-TLS peer allow-list (checked by `runAgent`). */
export const PEER_POLICY = 'batonAllowedPeers';

/**
 * The Express app of one agent: request context (request id, traceparent, access log),
 * metrics, `/healthz` + `/readyz`, the runnable's LangServe routes under `path` behind
 * `requireAuth`, a JSON 404, and the one error handler. No `listen`, no `process.env`.
 */
export function createAgentApp(options: CreateAgentAppOptions): Express {
  if (!options.name) throw new TypeError('createAgentApp: name is required');
  if (!options.scopes || options.scopes.length === 0) throw new TypeError('createAgentApp: at least one scope is required');
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext({ logger, skipAccessLog: (req) => HEALTH_PATHS.has(req.path) }));
  const { runnable, gauge } = countRuns(options.runnable);
  app.use(metrics({ gauges: { baton_runs_active: () => gauge.active } }));
  healthRoutes(app, {
    ...(options.ready ? { ready: options.ready } : {}),
    ...(options.notReadyReason ? { reason: options.notReadyReason } : {}),
  });

  const mode = options.mode ?? 'exchange';
  const checks: Array<(req: Request, caller: Caller) => void> = [];
  const actorClaim = options.actorClaim ?? 'act.sub';
  const actorCheck = actorPolicy({ allowedActors: options.allowedActors ?? [], mode, actorClaim });
  if (actorCheck) checks.push(actorCheck);
  const peers = options.allowedPeers;
  if (peers !== undefined && mode === 'exchange') checks.push(actorPeerBinding(actorClaim));
  const onCaller = checks.length > 0 ? (req: Request, caller: Caller) => checks.forEach((check) => check(req, caller)) : undefined;
  const verify = requireAuth({
    verifier: options.verifier,
    scopes: options.scopes,
    auditor: options.auditor,
    onVerified: serviceHopCorrelation(options.allowedActors, options.trustedActors),
    ...(options.realm ? { realm: options.realm } : {}),
    ...(onCaller ? { onCaller } : {}),
  });
  if (peers !== undefined) app.locals[PEER_POLICY] = Object.freeze([...peers]);
  addRoutes(app, runnable, {
    // Agents are called by the workflow's @baton/remote, which never reconnects: a dropped stream
    // aborts the agent's run at once (no grace window), and any reconnect gets 204 (never a new run).
    resume: false,
    ...options.routes,
    path: options.path,
    auth: peers !== undefined ? [peerGate({ allowedPeers: peers, auditor: options.auditor, logger }), verify] : verify,
    ...(options.inputSchema ? { inputSchema: options.inputSchema } : {}),
    ...(options.outputSchema ? { outputSchema: options.outputSchema } : {}),
    ...(options.errorCodes ? { errorCodes: options.errorCodes } : {}),
    logger,
  });

  app.use((req, _res, next) => next(new BatonError('REQUEST_NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(errorHandler({ logger, ...(options.errorCodes ? { codes: options.errorCodes } : {}) }));
  return app;
}
