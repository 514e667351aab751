import { createAuditor, tokenFingerprint, type TokenAuditor } from '@baton/auth';
import { adoptIncomingCorrelation, type Logger } from '@baton/service';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { JtiReplayCache } from './client-assertion.js';
import { authenticateClient } from './client-auth.js';
import type { AssertionDeps } from './client-auth-jwt.js';
import { SERVICE, type IssuerConfig } from './config.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import type { Grant } from './grants/grant.js';
import { tokenExchangeGrant } from './grants/token-exchange.js';
import type { KeyStore } from './keys.js';
import { OAuthError } from './oauth-error.js';
import type { ClientPolicy, Policy } from './policy.js';
import { RateLimiter } from './rate-limit.js';
import { subjectTokenVerifier } from './subject-token.js';
import { auditOf, writeTokenAudit } from './token-audit.js';
import { parseForm, type TokenForm } from './token-request.js';

export const TOKEN_PATH = '/oauth/token';
/** Request bodies above this get 413: a token request is a few form fields and one JWT. */
const TOKEN_BODY_LIMIT = '16kb';
/** A token request's body must arrive within this (well inside the server's request timeout). */
export const TOKEN_BODY_TIMEOUT_MS = 5_000;

export interface TokenEndpointDeps {
  config: IssuerConfig;
  keys: KeyStore;
  policy: Policy;
  logger: Logger;
  now: () => number;
  /** Writes the `token.decision` lines (default: `createAuditor({ logger, service: 'issuer', now })`). */
  auditor?: TokenAuditor;
}

/** What the steps have established about one token request (kept in `res.locals`). */
interface TokenState {
  form: TokenForm;
  client?: ClientPolicy;
  grant?: Grant;
  nowMs?: number;
}

const stateOf = (res: Response) => (res.locals as { tokenState: TokenState }).tokenState;

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

const requireForm: RequestHandler = (req, _res, next) => {
  if (!req.is('application/x-www-form-urlencoded'))
    throw new OAuthError('invalid_request', 'the token endpoint accepts application/x-www-form-urlencoded only');
  next();
};

/**
 * client_secret_basic is checked from the header alone, before a byte of the body is read: a
 * caller without the workflow's credentials cannot make the issuer wait on a body. (The body's own
 * checks — no second method, a matching client_id — run again once it is parsed.)
 */
const basicFirst =
  (policy: Policy): RequestHandler =>
  (req, _res, next) => {
    const headers = req.headersDistinct.authorization ?? [];
    if (headers.length === 1 && /^basic[ ]/i.test(headers[0]!)) authenticateClient(req, new Map(), policy);
    next();
  };

/** The body of any other method is bounded in time as well as size: past the deadline the socket is cut. */
const bodyDeadline: RequestHandler = (req, _res, next) => {
  const timer = setTimeout(() => req.socket.destroy(), TOKEN_BODY_TIMEOUT_MS);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
  next();
};

const readBody = express.text({ type: 'application/x-www-form-urlencoded', limit: TOKEN_BODY_LIMIT, defaultCharset: 'utf-8' });

/** Parse the form; record the grant type (only values this issuer knows) and the subject token's fingerprint. */
const parseRequest =
  (grants: Map<string, Grant>): RequestHandler =>
  (req, res, next) => {
    const form = parseForm(typeof req.body === 'string' ? req.body : '');
    (res.locals as { tokenState: TokenState }).tokenState = { form };
    const grantType = form.params.get('grant_type');
    const audit = auditOf(res);
    audit.grant_type = grantType === undefined ? null : grants.has(grantType) ? grantType : '(unsupported)';
    const presented = form.params.get('subject_token');
    if (presented !== undefined) audit.token_fp = tokenFingerprint(presented);
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
    next();
  };

const authenticate =
  (policy: Policy, assertions: AssertionDeps): RequestHandler =>
  (req, res, next) => {
    const state = stateOf(res);
    state.client = authenticateClient(req, state.form.params, policy, assertions);
    auditOf(res).client_id = state.client.clientId;
    // An authenticated client is a service hop of a run: its request id and trace are adopted.
    adoptIncomingCorrelation(req);
    next();
  };

/** The grant exists and this client may use it. */
const selectGrant =
  (grants: Map<string, Grant>, keys: KeyStore, now: () => number): RequestHandler =>
  (_req, res, next) => {
    const state = stateOf(res);
    const grant = grants.get(state.form.params.get('grant_type')!);
    if (!grant) throw new OAuthError('unsupported_grant_type', 'grant_type is not supported');
    if (!state.client!.grantTypes.includes(grant.type))
      throw new OAuthError('unauthorized_client', 'this client may not use this grant_type');
    if (state.form.params.has('refresh_token')) throw new OAuthError('invalid_request', 'refresh_token is not accepted here');
    state.grant = grant;
    state.nowMs = now();
    keys.refresh(state.nowMs);
    next();
  };

/**
 * The client's fixed window, for a rate-limited grant to count a request against once the narrower
 * limits passed (`TokenContext.countClient`): 429 slow_down + Retry-After past it.
 */
function clientCounter(limiter: RateLimiter, state: TokenState): () => void {
  if (!state.grant!.rateLimited) return () => undefined;
  return () => {
    const retryAfter = limiter.hit(state.client!.clientId, state.nowMs!);
    if (retryAfter > 0)
      throw new OAuthError('slow_down', 'too many token exchange requests; retry later', 429, { 'Retry-After': String(retryAfter) });
  };
}

const dispatch =
  (logger: Logger, auditor: TokenAuditor, limiter: RateLimiter): RequestHandler =>
  async (req, res) => {
    const state = stateOf(res);
    const { form, client, grant, nowMs } = state;
    const ctx = {
      form,
      client: client!,
      audit: auditOf(res),
      log: req.log ?? logger,
      nowSec: Math.floor(nowMs! / 1000),
      countClient: clientCounter(limiter, state),
    };
    const body = await grant!.handle(ctx);
    writeTokenAudit(auditor, req, res, 'allow', 'ok', 200);
    res.status(200).json(body);
  };

/** Any error on the token endpoint as the RFC 6749 §5.2 error to answer; undefined for a server error. */
function toOAuthError(err: unknown): OAuthError | undefined {
  if (err instanceof OAuthError) return err;
  const type = (err as { type?: string } | undefined)?.type;
  if (type === 'entity.too.large') return new OAuthError('invalid_request', 'request body too large', 413);
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return new OAuthError('invalid_request', 'unsupported request encoding', 415);
  const status = (err as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status < 500) return new OAuthError('invalid_request', 'malformed request');
  return undefined;
}

/** Errors on the token endpoint are RFC 6749 §5.2 JSON, never the Baton error shape; each one is audited. */
const oauthErrors =
  (logger: Logger, auditor: TokenAuditor) =>
  (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const log = req.log ?? logger;
    const oauth = toOAuthError(err);
    if (!oauth) {
      log.error({ err: { name: (err as Error)?.name, message: 'token endpoint failure' } }, 'token endpoint failed');
      writeTokenAudit(auditor, req, res, 'deny', 'server_error', 500);
      res.status(500).json({ error: 'server_error', error_description: 'internal error' });
      return;
    }
    log.info({ event: 'token_refused', error: oauth.error, status: oauth.status, reason: oauth.description }, 'token request refused');
    writeTokenAudit(auditor, req, res, 'deny', oauth.error, oauth.status);
    for (const [k, v] of Object.entries(oauth.headers)) res.setHeader(k, v);
    res.status(oauth.status).json({ error: oauth.error, error_description: oauth.description });
  };

/**
 * `POST /oauth/token` as a pipeline of small steps (like oidc-provider's token endpoint):
 * no-store → form only → Basic credentials (before the body) → body (16 KB, 5 s) → parse → authenticate the client → grant allowed →
 * the grant's own module (which counts the request against the client's rate limit after its
 * own per-subject limit: `TokenContext.countClient`). Any other method is 405.
 */
export function tokenEndpoint(deps: TokenEndpointDeps): Router {
  const { config, keys, policy, logger, now } = deps;
  const auditor = deps.auditor ?? createAuditor({ logger, service: SERVICE, now });
  const subjects = subjectTokenVerifier({ issuer: config.issuer, keys, now });
  const grants = new Map<string, Grant>(
    [
      clientCredentialsGrant({ config, keys, policy }),
      tokenExchangeGrant({ config, keys, policy, subjects, subjectLimiter: new RateLimiter(config.tokenExchangeSubjectRateLimit) }),
    ].map((g) => [g.type, g]),
  );
  const limiter = new RateLimiter(config.tokenExchangeRateLimit);
  // private_key_jwt: the assertion's aud must name this server; each jti is accepted once.
  const assertions: AssertionDeps = {
    audiences: [`${config.issuer}${TOKEN_PATH}`, config.issuer],
    replay: new JtiReplayCache(),
    nowSec: () => Math.floor(now() / 1000),
  };

  const router = express.Router();
  router.post(
    TOKEN_PATH,
    noStore,
    requireForm,
    basicFirst(policy),
    bodyDeadline,
    readBody,
    parseRequest(grants),
    authenticate(policy, assertions),
    selectGrant(grants, keys, now),
    dispatch(logger, auditor, limiter),
  );
  router.all(TOKEN_PATH, noStore, (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
  });
  router.use(TOKEN_PATH, oauthErrors(logger, auditor));
  return router;
}
