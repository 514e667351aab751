import { tokenFingerprint } from '@baton/auth';
import type { IssuerConfig } from '../config.js';
import type { KeyStore } from '../keys.js';
import type { RateLimiter } from '../rate-limit.js';
import { OAuthError } from '../oauth-error.js';
import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, type Policy } from '../policy.js';
import type { SubjectTokenVerifier } from '../subject-token.js';
import { mintAccessToken } from '../tokens.js';
import { grantedScope, parseScope, resolveTarget, type Params } from '../token-request.js';
import type { Grant } from './grant.js';

/** RFC 8693 §2.1 parameters this issuer supports: an access token as subject, an access token back, no actor token. */
function checkTokenTypes(params: Params): string {
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
  return subjectToken;
}

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693): the client trades a
 * user's token (audience = the client's) for one agent's token: `sub` = the user, `act.sub` = the
 * client, scope ⊆ the agent's, `exp` capped at the subject token's. No re-exchange of a delegated
 * token; the user must hold `workflow:invoke`.
 */
export function tokenExchangeGrant(deps: {
  config: IssuerConfig;
  keys: KeyStore;
  policy: Policy;
  subjects: SubjectTokenVerifier;
  /** Per (client, verified subject) window: one user cannot use up the client's overall limit. */
  subjectLimiter?: RateLimiter;
}): Grant {
  const { config, keys, policy, subjects, subjectLimiter } = deps;
  return {
    type: GRANT_TOKEN_EXCHANGE,
    rateLimited: true,
    async handle({ form, client, audit, log, nowSec, countClient }) {
      let granted: string;
      let target: ReturnType<typeof resolveTarget>;
      let subject: Awaited<ReturnType<SubjectTokenVerifier['verify']>>;
      try {
        const subjectToken = checkTokenTypes(form.params);
        const scope = parseScope(form.params);
        target = resolveTarget(form, policy, client.delegateTo);
        audit.aud = target.audience;
        granted = grantedScope(scope, target).join(' ');
        subject = await subjects.verify(subjectToken, client.audience);
        audit.sub = subject.sub;
      } catch (err) {
        countClient(); // a malformed request or an unverifiable token is the client's own: counted (its 429 first)
        throw err;
      }
      // The subject's own window first: a request it refuses does not spend the client's budget.
      const retryAfter = subjectLimiter?.hit(`${client.clientId}\n${subject.sub}`, nowSec * 1000) ?? 0;
      if (retryAfter > 0)
        throw new OAuthError('slow_down', 'too many token exchange requests for this subject; retry later', 429, {
          'Retry-After': String(retryAfter),
        });
      countClient();
      if (subject.act !== undefined)
        throw new OAuthError('invalid_grant', 'subject_token is already a delegated token (has act); re-exchange is not allowed');
      if (!subject.scope.includes(policy.workflowScope))
        throw new OAuthError('invalid_grant', `subject does not hold ${policy.workflowScope}`);
      const exp = Math.min(nowSec + config.exchangedTokenTtlSec, subject.exp);
      if (exp <= nowSec) throw new OAuthError('invalid_grant', 'subject_token has expired');

      const act = { sub: client.clientId };
      const claims = {
        iss: config.issuer,
        sub: subject.sub,
        aud: target.audience,
        scope: granted,
        act,
        client_id: client.clientId,
        iat: nowSec,
        exp,
      };
      const { token, kid, jti } = mintAccessToken(keys, claims);
      log.info(
        {
          event: 'token_exchanged',
          grant_type: GRANT_TOKEN_EXCHANGE,
          client_id: client.clientId,
          sub: subject.sub,
          act_sub: client.clientId,
          aud: target.audience,
          scope: granted,
          subject_token_fp: subject.token_fp,
          jti,
          kid,
        },
        'token exchanged',
      );
      Object.assign(audit, { act, scope: granted, issued_token_fp: tokenFingerprint(token), jti });
      return {
        access_token: token,
        issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
        token_type: 'Bearer',
        expires_in: exp - nowSec,
        scope: granted,
      };
    },
  };
}
