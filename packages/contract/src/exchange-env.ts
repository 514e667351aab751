// Environment fields for token exchange against other providers: the workflow's exchange request
// options and client authentication, the issuer's registered client keys, the agents' actor
// claim. Spread into the schemas of env.ts; the refinements are called from their superRefine.
import { z } from 'zod';

export const TOKEN_TYPE_ACCESS_TOKEN_URN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_JWT_URN = 'urn:ietf:params:oauth:token-type:jwt';
export const CLIENT_AUTH_METHOD_NAMES = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHOD_NAMES)[number];
/** Where an agent reads the service acting for the user. */
export const ACTOR_CLAIMS = ['act.sub', 'azp', 'client_id'] as const;
export type ActorClaim = (typeof ACTOR_CLAIMS)[number];

/** An absolute URI without a fragment, kept exactly as given (an RFC 8707 resource, an assertion audience). */
export function absoluteUri() {
  return z.string().refine(
    (s) => {
      try {
        return new URL(s).protocol !== '' && !s.includes('#');
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute URI without a fragment' },
  );
}

/** The workflow's exchange request options (used when TOKEN_FORWARDING=exchange). */
export const workflowExchangeEnvShape = {
  EXCHANGE_FLOW: z
    .enum(['rfc8693', 'entra-obo'])
    .default('rfc8693')
    .describe("`rfc8693` (RFC 8693 token exchange) or `entra-obo` (Microsoft Entra ID's on-behalf-of request)."),
  EXCHANGE_TARGET: z
    .enum(['audience', 'resource', 'both'])
    .default('audience')
    .describe('RFC 8693 target parameter(s): `audience` (`<AGENT>_AUDIENCE`), `resource` (`<AGENT>_RESOURCE`, RFC 8707) or `both`.'),
  EXCHANGE_REQUESTED_TOKEN_TYPE: z
    .enum([TOKEN_TYPE_ACCESS_TOKEN_URN, TOKEN_TYPE_JWT_URN])
    .default(TOKEN_TYPE_ACCESS_TOKEN_URN)
    .describe('RFC 8693 `requested_token_type`.'),
  EXCHANGE_SCOPE: z
    .enum(['agent', 'omit'])
    .default('agent')
    .describe('`agent`: send `scope=<AGENT>_SCOPE`; `omit`: send no scope (the provider decides, e.g. Keycloak client scopes).'),
  EXCHANGE_CLIENT_AUTH: z
    .enum(CLIENT_AUTH_METHOD_NAMES)
    .default('client_secret_basic')
    .describe('Client authentication at the token endpoint.'),
  EXCHANGE_CLIENT_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("private_key_jwt: PEM file of the client's private key (RSA or EC P-256)."),
  EXCHANGE_CLIENT_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('private_key_jwt: the same PEM given inline (e.g. from a secret store); never logged.'),
  EXCHANGE_CLIENT_KEY_ID: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('private_key_jwt: `kid` of the assertion (default: the RFC 7638 thumbprint of the key).'),
  EXCHANGE_CLIENT_ASSERTION_ALG: z
    .enum(['RS256', 'PS256', 'ES256'])
    .optional()
    .describe('private_key_jwt: RS256 (default for RSA), PS256, or ES256 (EC P-256).'),
  EXCHANGE_CLIENT_ASSERTION_AUDIENCE: absoluteUri()
    .optional()
    .describe('private_key_jwt: `aud` of the assertion (default: the token endpoint).'),
};

interface WorkflowExchangeEnv {
  TOKEN_FORWARDING: 'exchange' | 'passthrough';
  WORKFLOW_CLIENT_SECRET?: string | undefined;
  EXCHANGE_FLOW: 'rfc8693' | 'entra-obo';
  EXCHANGE_TARGET: 'audience' | 'resource' | 'both';
  EXCHANGE_SCOPE: 'agent' | 'omit';
  EXCHANGE_CLIENT_AUTH: ClientAuthMethodName;
  EXCHANGE_CLIENT_KEY_FILE?: string | undefined;
  EXCHANGE_CLIENT_KEY?: string | undefined;
}

/** Cross-field rules of the workflow's exchange settings. */
export function refineWorkflowExchange(c: WorkflowExchangeEnv, ctx: z.RefinementCtx): void {
  if (c.TOKEN_FORWARDING !== 'exchange') return;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (c.EXCHANGE_CLIENT_AUTH === 'private_key_jwt') {
    const given = [c.EXCHANGE_CLIENT_KEY_FILE, c.EXCHANGE_CLIENT_KEY].filter((v) => v !== undefined).length;
    if (given !== 1)
      issue('EXCHANGE_CLIENT_KEY_FILE', 'exactly one of EXCHANGE_CLIENT_KEY_FILE or EXCHANGE_CLIENT_KEY is required with private_key_jwt');
  } else if (!c.WORKFLOW_CLIENT_SECRET) {
    issue('WORKFLOW_CLIENT_SECRET', `is required when TOKEN_FORWARDING=exchange with ${c.EXCHANGE_CLIENT_AUTH}`);
  }
  if (c.EXCHANGE_FLOW === 'entra-obo') {
    if (c.EXCHANGE_SCOPE !== 'agent') issue('EXCHANGE_SCOPE', 'must be agent with EXCHANGE_FLOW=entra-obo (its target is the scope)');
    if (c.EXCHANGE_TARGET !== 'audience') issue('EXCHANGE_TARGET', 'does not apply to EXCHANGE_FLOW=entra-obo (leave it unset)');
  }
}

/** The issuer's registration of the workflow client's authentication. */
export const issuerClientAuthEnvShape = {
  WORKFLOW_CLIENT_AUTH_METHODS: z
    .string()
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.enum(CLIENT_AUTH_METHOD_NAMES)).min(1))
    .optional()
    .describe(
      'Methods the workflow client may use (default: the secret methods; `private_key_jwt` alone when WORKFLOW_CLIENT_KEYS_FILE is set).',
    ),
  WORKFLOW_CLIENT_KEYS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("JWKS (JSON) or PEM file of the workflow client's public key(s), for private_key_jwt."),
};

export function refineIssuerClientAuth(
  env: { WORKFLOW_CLIENT_AUTH_METHODS?: ClientAuthMethodName[] | undefined; WORKFLOW_CLIENT_KEYS_FILE?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (env.WORKFLOW_CLIENT_AUTH_METHODS?.includes('private_key_jwt') && !env.WORKFLOW_CLIENT_KEYS_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['WORKFLOW_CLIENT_KEYS_FILE'],
      message: 'is required when WORKFLOW_CLIENT_AUTH_METHODS has private_key_jwt',
    });
  }
}

/** The agents' actor claim: which claim names the service acting for the user. */
export const agentActorEnvShape = {
  ACTOR_CLAIM: z
    .enum(ACTOR_CLAIMS)
    .default('act.sub')
    .describe(
      "`act.sub` (RFC 8693, the default), `azp` (Keycloak's standard token exchange: the requesting client) or `client_id` (RFC 9068). ALLOWED_ACTORS is checked against it.",
    ),
};
