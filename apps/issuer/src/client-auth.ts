import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { assertionClient, type AssertionDeps } from './client-auth-jwt.js';
import { OAuthError, invalidClient } from './oauth-error.js';
import type { ClientPolicy, Policy } from './policy.js';
import type { Params } from './token-request.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (hashing first makes the lengths equal). */
function secretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** client_secret_basic: the credentials in one `Authorization: Basic` header. */
function basicCredentials(header: string, params: Params): { clientId: string; secret: string } {
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) throw invalidClient('unsupported or malformed Authorization header (use Basic)');
  if (params.has('client_secret')) throw new OAuthError('invalid_request', 'client authenticated by more than one method');
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('malformed Basic credentials');
  let clientId: string;
  let secret: string;
  try {
    clientId = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw invalidClient('malformed Basic credentials');
  }
  const bodyId = params.get('client_id');
  if (bodyId !== undefined && bodyId !== clientId)
    throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
  return { clientId, secret };
}

/**
 * RFC 6749 §2.3.1: client_secret_basic or client_secret_post, or RFC 7523 private_key_jwt
 * (`client_assertion`, see client-auth-jwt.ts); never more than one, and only a method the client
 * is registered for.
 */
export function authenticateClient(req: Request, params: Params, policy: Policy, assertions?: AssertionDeps): ClientPolicy {
  const headers = req.headersDistinct.authorization ?? [];
  if (headers.length > 1) throw new OAuthError('invalid_request', 'more than one Authorization header');
  if (params.has('client_assertion') || params.has('client_assertion_type')) {
    if (headers[0] !== undefined || params.has('client_secret'))
      throw new OAuthError('invalid_request', 'client authenticated by more than one method');
    if (!assertions) throw invalidClient('private_key_jwt is not supported here');
    return assertionClient(params, policy, assertions);
  }
  let clientId: string | undefined;
  let secret: string | undefined;
  const method = headers[0] !== undefined ? 'client_secret_basic' : 'client_secret_post';
  if (headers[0] !== undefined) ({ clientId, secret } = basicCredentials(headers[0], params));
  else {
    clientId = params.get('client_id');
    secret = params.get('client_secret');
    if (clientId === undefined || secret === undefined) throw invalidClient('client authentication required');
  }
  const client = policy.clients.find((c) => c.clientId === clientId);
  // Compare even for unknown clients so timing does not reveal which client ids exist.
  const ok = secretMatches(secret, client?.secret ?? 'x'.repeat(43));
  if (!client || !ok) throw invalidClient();
  if (!client.authMethods.includes(method)) throw invalidClient(`this client may not authenticate by ${method}`);
  return client;
}
