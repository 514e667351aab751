// The local oidc-provider that docs/IDENTITY-PROVIDERS.md tells a user to run (start.mjs) and get
// users' tokens from (user-token.mjs): its resource servers (one per Baton service, audiences and
// scopes as Baton's defaults) and its two clients. Local runs only: anyone named in `login_hint`
// is logged in without a password.
export const DEFAULT_PORT = 4400;
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Resource indicator (RFC 8707) -> the audience and scope of the tokens issued for it. */
export const RESOURCES = Object.freeze({
  workflow: { uri: 'https://baton.test/workflow', audience: 'baton-workflow', scope: 'workflow:invoke' },
  research: { uri: 'https://baton.test/research', audience: 'agent-research', scope: 'research:invoke' },
  writer: { uri: 'https://baton.test/writer', audience: 'agent-writer', scope: 'writer:invoke' },
  reviewer: { uri: 'https://baton.test/reviewer', audience: 'agent-reviewer', scope: 'reviewer:invoke' },
});

/** The workflow's confidential client: RFC 8693 token exchange for the three agents only. */
export const WORKFLOW_CLIENT_ID = 'baton-workflow-client';

/** The users' client (authorization code flow). Its secret is no secret: this provider logs anyone in. */
export const CLI_CLIENT = Object.freeze({ id: 'baton-cli', secret: 'baton-cli-secret-for-local-runs-only' });
export const REDIRECT_URI = 'http://127.0.0.1/cb';
