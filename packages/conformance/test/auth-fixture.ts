import type { RequestHandler } from 'express';
import { createJwksKeyStore, createVerifier, type Verifier } from '@baton/auth';
import { requireAuth } from '@baton/auth/express';
import type { TestIssuer } from '@baton/testkit';

/**
 * The suite's tokens come from `@baton/testkit`'s `startTestIssuer()`: an RS256 key pair, its JWKS
 * served on 127.0.0.1, `mint({ sub, aud: AUDIENCE, scope })` signing `typ: at+jwt` tokens.
 */
export { foreignKey, startTestIssuer, type TestIssuer } from '@baton/testkit';

export const AUDIENCE = 'agent-conformance';

/**
 * The one place the suite gets its auth middleware: `requireAuth` from `@baton/auth/express`
 * with a verifier over the test issuer's real JWKS endpoint.
 */
export function makeAuth(issuer: TestIssuer, scopes: string[]): { auth: RequestHandler; verifier: Verifier } {
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    keys: createJwksKeyStore({ jwksUri: issuer.jwksUri }),
  });
  return { auth: requireAuth({ verifier, scopes }), verifier };
}
