import { BatonError } from '@baton/errors';
import { errorHandler } from '@baton/errors/express';
import { healthRoutes, metrics, requestContext, type Logger } from '@baton/service';
import express, { type Express } from 'express';
import { ASSERTION_ALGS } from './client-assertion.js';
import type { IssuerConfig } from './config.js';
import { devRoutes } from './dev-routes.js';
import { ISSUER_ERRORS } from './error-codes.js';
import type { KeyStore } from './keys.js';
import { allScopes, GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE, type Policy } from './policy.js';
import { TOKEN_PATH, tokenEndpoint } from './token-endpoint.js';

export interface AppDeps {
  config: IssuerConfig;
  keys: KeyStore;
  policy: Policy;
  logger: Logger;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
}

const JWKS_PATH = '/.well-known/jwks.json';

/** Authorization server metadata (RFC 8414). */
function metadata(config: IssuerConfig, policy: Policy): Record<string, unknown> {
  return {
    issuer: config.issuer,
    jwks_uri: `${config.issuer}${JWKS_PATH}`,
    token_endpoint: `${config.issuer}${TOKEN_PATH}`,
    grant_types_supported: [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE],
    // No authorization endpoint: users get tokens from /dev/token (development) or a real IdP.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    scopes_supported: allScopes(policy),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    access_token_signing_alg_values_supported: ['RS256'],
  };
}

export function createApp(deps: AppDeps): Express {
  const { config, keys, policy, logger } = deps;
  const now = deps.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(metrics());
  app.use(requestContext({ logger }));
  healthRoutes(app, { ready: () => keys.jwks().keys.length > 0 });

  const meta = (_req: express.Request, res: express.Response) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(metadata(config, policy));
  };
  app.get('/.well-known/oauth-authorization-server', meta);
  app.get('/.well-known/openid-configuration', meta);
  app.get(JWKS_PATH, (_req, res) => {
    keys.refresh(now());
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(keys.jwks());
  });

  app.use(tokenEndpoint({ config, keys, policy, logger, now }));
  if (config.mode === 'development') app.use(devRoutes({ config, keys, policy, now }));

  app.use((_req, _res, next) => next(new BatonError('REQUEST_NOT_FOUND', 'Not found')));
  app.use(errorHandler({ logger, codes: [ISSUER_ERRORS] }));
  return app;
}
