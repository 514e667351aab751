import jwt from 'jsonwebtoken';
import { verifyClientAssertion, type JtiReplayCache } from './client-assertion.js';
import { invalidClient, OAuthError } from './oauth-error.js';
import type { ClientPolicy, Policy } from './policy.js';
import type { Params } from './token-request.js';

/** What `private_key_jwt` needs beyond the policy: the accepted audiences, one replay cache, the clock. */
export interface AssertionDeps {
  /** The token endpoint URL and the issuer identifier. */
  audiences: readonly string[];
  replay: JtiReplayCache;
  nowSec: () => number;
}

/** Who the assertion claims to be: `client_id` if sent, else its (unverified) `iss`, checked after the signature. */
function claimedClient(params: Params): string | undefined {
  const given = params.get('client_id');
  if (given !== undefined) return given;
  const payload = jwt.decode(params.get('client_assertion') ?? '', { json: true });
  return typeof payload?.iss === 'string' ? payload.iss : undefined;
}

/**
 * RFC 7523 §2.2 client authentication: the client named by `client_id` (or the assertion's `iss`)
 * must be registered for `private_key_jwt` with at least one public key, and the assertion must
 * verify against one of them (`verifyClientAssertion`). Any failure is 401 invalid_client.
 */
export function assertionClient(params: Params, policy: Policy, deps: AssertionDeps): ClientPolicy {
  if (params.get('client_assertion') === undefined) throw new OAuthError('invalid_request', 'client_assertion is required');
  const clientId = claimedClient(params);
  const client = policy.clients.find((c) => c.clientId === clientId);
  if (!client || !client.authMethods.includes('private_key_jwt') || client.keys.length === 0) throw invalidClient();
  verifyClientAssertion(params, {
    clientId: client.clientId,
    keys: client.keys,
    audiences: deps.audiences,
    replay: deps.replay,
    nowSec: deps.nowSec(),
  });
  return client;
}
