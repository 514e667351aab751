import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '@baton/service';
import type { AgentTarget, IssuerConfig } from './config.js';
import type { KeyStore } from './keys.js';
import { OAuthError, invalidClient } from './oauth-error.js';
import {
  GRANT_CLIENT_CREDENTIALS,
  GRANT_TOKEN_EXCHANGE,
  TOKEN_TYPE_ACCESS_TOKEN,
  WORKFLOW_SCOPE,
  agentForResource,
  findAgent,
  type ClientPolicy,
  type Policy,
} from './policy.js';
import { RateLimiter } from './rate-limit.js';
import { mintAccessToken, SubjectTokenError, verifyOwnToken } from './tokens.js';

export const TOKEN_PATH = '/oauth/token';
/** Request bodies above this get 413: a token request is a few form fields and one JWT. */
export const TOKEN_BODY_LIMIT = '16kb';

export interface TokenEndpointDeps {
  config: IssuerConfig;
  keys: KeyStore;
  policy: Policy;
  logger: Logger;
  now: () => number;
}

type Params = Map<string, string>;

/**
 * Target parameters may legitimately be repeated (RFC 8693 §2.1, RFC 8707 §2: several targets);
 * this issuer issues a token for exactly one, so several are `invalid_target` (RFC 8693 §2.2.2),
 * not `invalid_request`.
 */
const TARGET_PARAMS = new Set(['audience', 'resource']);

/**
 * Parse an x-www-form-urlencoded body. A repeated parameter is invalid_request (RFC 6749 §3.1),
 * even when one of its values is empty (no `x=&x=value` smuggling past a proxy that reads the
 * first); a repeated target parameter is recorded in `multiTarget` and refused as invalid_target.
 */
function parseForm(body: string): { params: Params; multiTarget: boolean } {
  const params: Params = new Map();
  const seen = new Set<string>();
  let multiTarget = false;
  for (const [k, v] of new URLSearchParams(body)) {
    if (seen.has(k)) {
      if (!TARGET_PARAMS.has(k)) throw new OAuthError('invalid_request', `parameter ${safeName(k)} is repeated`);
      multiTarget = true;
    }
    seen.add(k);
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (v !== '') params.set(k, v);
  }
  return { params, multiTarget };
}

/** Only names we know are echoed in descriptions. */
const KNOWN_PARAMS = new Set([
  'grant_type',
  'client_id',
  'client_secret',
  'scope',
  'audience',
  'resource',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
]);
const safeName = (k: string) => (KNOWN_PARAMS.has(k) ? k : '(unknown)');

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Same as `@baton/auth`'s `tokenFingerprint`: 16 hex chars of sha256. Never the token. */
const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 16);

/**
 * What is known about a token request so far, filled in as it is checked; written as one audit
 * line (`event: "token.decision"`) when the request is answered, allow or deny.
 */
interface TokenAudit {
  grant_type: string | null;
  client_id: string | null;
  sub: string | null;
  act: { sub: string } | null;
  aud: string | null;
  scope: string | null;
  /** Fingerprint of the subject token (token exchange), never the token. */
  token_fp: string | null;
  /** Fingerprint and `jti` of the issued token (allow only). */
  issued_token_fp: string | null;
  jti: string | null;
}

const AUDIT_VALUE = /^[\x20-\x7e]{1,256}$/;
/** Only printable values, cut short: a client-chosen value must not forge log structure. */
const auditStr = (v: string | undefined | null): string | null =>
  typeof v === 'string' && AUDIT_VALUE.test(v) ? v : typeof v === 'string' ? '(invalid)' : null;

function auditOf(res: Response): TokenAudit {
  const locals = res.locals as { tokenAudit?: TokenAudit };
  locals.tokenAudit ??= {
    grant_type: null,
    client_id: null,
    sub: null,
    act: null,
    aud: null,
    scope: null,
    token_fp: null,
    issued_token_fp: null,
    jti: null,
  };
  return locals.tokenAudit;
}

function writeAudit(
  logger: Logger,
  req: Request,
  res: Response,
  decision: 'allow' | 'deny',
  reason: string,
  status: number,
  now: () => number,
): void {
  const a = auditOf(res);
  logger.info(
    {
      audit: true,
      event: 'token.decision',
      decision,
      reason,
      status,
      ...a,
      request_id: typeof req.requestId === 'string' ? req.requestId : null,
      trace_id: typeof req.traceId === 'string' ? req.traceId : null,
      time: new Date(now()).toISOString(),
    },
    'token.decision',
  );
}

/** Constant-time comparison (hashing first makes the lengths equal). */
function secretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** RFC 6749 §2.3.1: client_secret_basic or client_secret_post, never both. */
function authenticateClient(req: Request, params: Params, policy: Policy): ClientPolicy {
  const headers = req.headersDistinct.authorization ?? [];
  if (headers.length > 1) throw new OAuthError('invalid_request', 'more than one Authorization header');
  const header = headers[0];
  let clientId: string | undefined;
  let secret: string | undefined;
  if (header !== undefined) {
    const m = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m) throw invalidClient('unsupported or malformed Authorization header (use Basic)');
    if (params.has('client_secret')) throw new OAuthError('invalid_request', 'client authenticated by more than one method');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('malformed Basic credentials');
    try {
      clientId = formDecode(decoded.slice(0, colon));
      secret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw invalidClient('malformed Basic credentials');
    }
    const bodyId = params.get('client_id');
    if (bodyId !== undefined && bodyId !== clientId)
      throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
  } else {
    clientId = params.get('client_id');
    secret = params.get('client_secret');
    if (clientId === undefined || secret === undefined) throw invalidClient('client authentication required');
  }
  const client = policy.clients.find((c) => c.clientId === clientId);
  // Compare even for unknown clients so timing does not reveal which client ids exist.
  const ok = secretMatches(secret, client?.secret ?? 'x'.repeat(43));
  if (!client || !ok) throw invalidClient();
  return client;
}

function parseScope(params: Params): string[] | undefined {
  const raw = params.get('scope');
  if (raw === undefined) return undefined;
  if (!/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(raw)) throw new OAuthError('invalid_scope', 'scope is malformed');
  return [...new Set(raw.split(' '))];
}

/** Exactly one target, as `audience` (a logical name) or `resource` (RFC 8707 absolute URI). */
function resolveTarget(params: Params, multiTarget: boolean, policy: Policy, allowed: string[]): AgentTarget {
  const audience = params.get('audience');
  const resource = params.get('resource');
  if (multiTarget) throw new OAuthError('invalid_target', 'give exactly one target: one audience or one resource');
  if (audience !== undefined && resource !== undefined)
    throw new OAuthError('invalid_target', 'give exactly one target: audience or resource, not both');
  if (audience === undefined && resource === undefined)
    throw new OAuthError('invalid_request', 'a target is required: audience or resource');
  let target: AgentTarget | undefined;
  if (resource !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(resource);
    } catch {
      u = undefined;
    }
    if (!u || resource.includes('#')) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
    target = agentForResource(policy, resource);
  } else {
    target = findAgent(policy, audience!);
  }
  if (!target) throw new OAuthError('invalid_target', 'unknown target');
  if (!allowed.includes(target.audience)) throw new OAuthError('invalid_target', 'this client may not obtain tokens for that target');
  return target;
}

function grantedScope(requested: string[] | undefined, target: AgentTarget): string[] {
  if (requested === undefined) return target.scope;
  const outside = requested.filter((s) => !target.scope.includes(s));
  if (outside.length > 0 || requested.length === 0) throw new OAuthError('invalid_scope', "requested scope exceeds the target's scope");
  return requested;
}

export function tokenEndpoint(deps: TokenEndpointDeps): Router {
  const { config, keys, policy, logger, now } = deps;
  const limiter = new RateLimiter(config.tokenExchangeRateLimit);
  const router = express.Router();

  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    next();
  };

  router.post(
    TOKEN_PATH,
    noStore,
    (req, _res, next) => {
      if (!req.is('application/x-www-form-urlencoded')) {
        next(new OAuthError('invalid_request', 'the token endpoint accepts application/x-www-form-urlencoded only'));
        return;
      }
      next();
    },
    express.text({ type: 'application/x-www-form-urlencoded', limit: TOKEN_BODY_LIMIT, defaultCharset: 'utf-8' }),
    (req, res) => {
      const log = req.log ?? logger;
      const { params, multiTarget } = parseForm(typeof req.body === 'string' ? req.body : '');
      const grantType = params.get('grant_type');
      const audit = auditOf(res);
      // Only values this issuer knows are recorded: a client-chosen string never reaches the audit line.
      audit.grant_type =
        grantType === undefined
          ? null
          : grantType === GRANT_CLIENT_CREDENTIALS || grantType === GRANT_TOKEN_EXCHANGE
            ? grantType
            : '(unsupported)';
      const presented = params.get('subject_token');
      if (presented !== undefined) audit.token_fp = fingerprint(presented);
      if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
      const client = authenticateClient(req, params, policy);
      audit.client_id = client.clientId;
      if (grantType !== GRANT_CLIENT_CREDENTIALS && grantType !== GRANT_TOKEN_EXCHANGE) {
        throw new OAuthError('unsupported_grant_type', 'grant_type is not supported');
      }
      if (!client.grantTypes.includes(grantType)) throw new OAuthError('unauthorized_client', 'this client may not use this grant_type');
      if (params.has('refresh_token')) throw new OAuthError('invalid_request', 'refresh_token is not accepted here');

      const nowMs = now();
      const nowSec = Math.floor(nowMs / 1000);
      keys.refresh(nowMs);

      if (grantType === GRANT_CLIENT_CREDENTIALS) {
        const scope = parseScope(params);
        const target = resolveTarget(params, multiTarget, policy, client.credentialsAudiences);
        const granted = grantedScope(scope, target);
        const exp = nowSec + config.accessTokenTtlSec;
        const { token, kid, jti } = mintAccessToken(keys, {
          iss: config.issuer,
          sub: client.clientId,
          aud: target.audience,
          scope: granted.join(' '),
          client_id: client.clientId,
          iat: nowSec,
          exp,
        });
        log.info(
          {
            event: 'token_issued',
            grant_type: grantType,
            client_id: client.clientId,
            sub: client.clientId,
            aud: target.audience,
            scope: granted.join(' '),
            jti,
            kid,
          },
          'token issued',
        );
        Object.assign(audit, {
          sub: client.clientId,
          aud: target.audience,
          scope: granted.join(' '),
          issued_token_fp: fingerprint(token),
          jti,
        });
        writeAudit(logger, req, res, 'allow', 'ok', 200, now);
        res.status(200).json({ access_token: token, token_type: 'Bearer', expires_in: exp - nowSec, scope: granted.join(' ') });
        return;
      }

      // RFC 8693 token exchange.
      const retryAfter = limiter.hit(client.clientId, nowMs);
      if (retryAfter > 0)
        throw new OAuthError('slow_down', 'too many token exchange requests; retry later', 429, { 'Retry-After': String(retryAfter) });
      const subjectToken = params.get('subject_token');
      const subjectTokenType = params.get('subject_token_type');
      if (subjectToken === undefined) throw new OAuthError('invalid_request', 'subject_token is required');
      if (subjectTokenType === undefined) throw new OAuthError('invalid_request', 'subject_token_type is required');
      if (subjectTokenType !== TOKEN_TYPE_ACCESS_TOKEN)
        throw new OAuthError('invalid_request', 'unsupported subject_token_type (only access_token)');
      if (params.has('actor_token') || params.has('actor_token_type'))
        throw new OAuthError('invalid_request', 'actor_token is not supported (the authenticated client is the actor)');
      const requestedType = params.get('requested_token_type');
      if (requestedType !== undefined && requestedType !== TOKEN_TYPE_ACCESS_TOKEN)
        throw new OAuthError('invalid_request', 'unsupported requested_token_type (only access_token)');
      const scope = parseScope(params);
      const target = resolveTarget(params, multiTarget, policy, client.delegateTo);
      audit.aud = target.audience;
      const granted = grantedScope(scope, target);

      let subject;
      try {
        subject = verifyOwnToken(keys, subjectToken, { issuer: config.issuer, audience: client.audience, nowSec });
      } catch (err) {
        if (err instanceof SubjectTokenError) throw new OAuthError('invalid_grant', err.message);
        throw err;
      }
      audit.sub = auditStr(subject.sub);
      if (subject.act !== undefined)
        throw new OAuthError('invalid_grant', 'subject_token is already a delegated token (has act); re-exchange is not allowed');
      if (!subject.scope.includes(WORKFLOW_SCOPE)) throw new OAuthError('invalid_grant', `subject does not hold ${WORKFLOW_SCOPE}`);
      const exp = Math.min(nowSec + config.exchangedTokenTtlSec, subject.exp);
      if (exp <= nowSec) throw new OAuthError('invalid_grant', 'subject_token has expired');
      const { token, kid, jti } = mintAccessToken(keys, {
        iss: config.issuer,
        sub: subject.sub,
        aud: target.audience,
        scope: granted.join(' '),
        act: { sub: client.clientId },
        client_id: client.clientId,
        iat: nowSec,
        exp,
      });
      log.info(
        {
          event: 'token_exchanged',
          grant_type: grantType,
          client_id: client.clientId,
          sub: subject.sub,
          act_sub: client.clientId,
          aud: target.audience,
          scope: granted.join(' '),
          subject_jti: subject.jti,
          jti,
          kid,
        },
        'token exchanged',
      );
      Object.assign(audit, { act: { sub: client.clientId }, scope: granted.join(' '), issued_token_fp: fingerprint(token), jti });
      writeAudit(logger, req, res, 'allow', 'ok', 200, now);
      res
        .status(200)
        .json({
          access_token: token,
          issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
          token_type: 'Bearer',
          expires_in: exp - nowSec,
          scope: granted.join(' '),
        });
    },
  );

  router.all(TOKEN_PATH, noStore, (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
  });

  // Errors on the token endpoint are RFC 6749 §5.2 JSON, never the Baton error shape.
  router.use(TOKEN_PATH, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let oauth: OAuthError;
    if (err instanceof OAuthError) oauth = err;
    else {
      const type = (err as { type?: string } | undefined)?.type;
      if (type === 'entity.too.large') oauth = new OAuthError('invalid_request', 'request body too large', 413);
      else if (type === 'charset.unsupported' || type === 'encoding.unsupported')
        oauth = new OAuthError('invalid_request', 'unsupported request encoding', 415);
      else if (typeof (err as { status?: unknown })?.status === 'number' && (err as { status: number }).status < 500)
        oauth = new OAuthError('invalid_request', 'malformed request');
      else {
        (req.log ?? logger).error({ err: { name: (err as Error)?.name, message: 'token endpoint failure' } }, 'token endpoint failed');
        writeAudit(logger, req, res, 'deny', 'server_error', 500, now);
        res.status(500).json({ error: 'server_error', error_description: 'internal error' });
        return;
      }
    }
    (req.log ?? logger).info(
      { event: 'token_refused', error: oauth.error, status: oauth.status, reason: oauth.description },
      'token request refused',
    );
    writeAudit(logger, req, res, 'deny', oauth.error, oauth.status, now);
    for (const [k, v] of Object.entries(oauth.headers)) res.setHeader(k, v);
    res.status(oauth.status).json({ error: oauth.error, error_description: oauth.description });
  });

  return router;
}
