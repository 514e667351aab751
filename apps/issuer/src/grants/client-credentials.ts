import { tokenFingerprint } from '@baton/auth';
import type { IssuerConfig } from '../config.js';
import type { KeyStore } from '../keys.js';
import { GRANT_CLIENT_CREDENTIALS, type Policy } from '../policy.js';
import { mintAccessToken } from '../tokens.js';
import { grantedScope, parseScope, resolveTarget } from '../token-request.js';
import type { Grant } from './grant.js';

/**
 * `grant_type=client_credentials` (RFC 6749 §4.4): a token for the client as itself (`sub` =
 * `client_id`, no `act`), for exactly one target among the client's `credentialsAudiences`.
 */
export function clientCredentialsGrant(deps: { config: IssuerConfig; keys: KeyStore; policy: Policy }): Grant {
  const { config, keys, policy } = deps;
  return {
    type: GRANT_CLIENT_CREDENTIALS,
    rateLimited: false,
    async handle({ form, client, audit, log, nowSec }) {
      const scope = parseScope(form.params);
      const target = resolveTarget(form, policy, client.credentialsAudiences);
      const granted = grantedScope(scope, target).join(' ');
      const exp = nowSec + config.accessTokenTtlSec;
      const { token, kid, jti } = mintAccessToken(keys, {
        iss: config.issuer,
        sub: client.clientId,
        aud: target.audience,
        scope: granted,
        client_id: client.clientId,
        iat: nowSec,
        exp,
      });
      log.info(
        {
          event: 'token_issued',
          grant_type: GRANT_CLIENT_CREDENTIALS,
          client_id: client.clientId,
          sub: client.clientId,
          aud: target.audience,
          scope: granted,
          jti,
          kid,
        },
        'token issued',
      );
      Object.assign(audit, { sub: client.clientId, aud: target.audience, scope: granted, issued_token_fp: tokenFingerprint(token), jti });
      return { access_token: token, token_type: 'Bearer', expires_in: exp - nowSec, scope: granted };
    },
  };
}
