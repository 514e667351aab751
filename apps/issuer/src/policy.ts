import type { ClientKey } from './client-assertion.js';
import type { AgentTarget, IssuerConfig } from './config.js';

export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** WORKFLOW_SCOPE's default: the scope a user must hold for anything to be done on their behalf. */
export const WORKFLOW_SCOPE = 'workflow:invoke';

export interface ClientPolicy {
  clientId: string;
  secret: string;
  /** Token endpoint authentication methods this client may use. */
  authMethods: string[];
  /** Registered public keys (`private_key_jwt`). */
  keys: ClientKey[];
  grantTypes: string[];
  /** The audience of the tokens this client receives from users (subject tokens must carry it). */
  audience: string;
  /** Agent audiences this client may exchange a user's token for. */
  delegateTo: string[];
  /** Audiences this client may get a client_credentials token for (as itself). */
  credentialsAudiences: string[];
}

export interface UserPolicy {
  sub: string;
  /** Scopes granted to the user for the workflow audience. */
  scope: string[];
}

export interface Policy {
  clients: ClientPolicy[];
  users: UserPolicy[];
  agents: AgentTarget[];
  workflowAudience: string;
  /** The scope a user must hold for the workflow (WORKFLOW_SCOPE): required of every exchanged subject token. */
  workflowScope: string;
}

/**
 * Development users: alice, bob, carol, dave and frank may use the workflow (five, so the load
 * drill can check that no identities mix); eve is authenticated but may not.
 */
const devUsers = (workflowScope: string): UserPolicy[] => [
  ...['alice', 'bob', 'carol', 'dave', 'frank'].map((sub) => ({ sub, scope: [workflowScope] })),
  { sub: 'eve', scope: ['profile'] },
];

export function buildPolicy(config: IssuerConfig, workflowClientSecret: string, workflowClientKeys: ClientKey[] = []): Policy {
  const agentAudiences = config.agents.map((a) => a.audience);
  return {
    clients: [
      {
        clientId: config.workflowClientId,
        secret: workflowClientSecret,
        authMethods: [...config.workflowClientAuthMethods],
        keys: workflowClientKeys,
        // Production: the workflow acts only for a user (token exchange); a debugging client that
        // needs client_credentials is a separate client, never this one.
        grantTypes: config.mode === 'production' ? [GRANT_TOKEN_EXCHANGE] : [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE],
        audience: config.workflowAudience,
        delegateTo: agentAudiences,
        credentialsAudiences: config.mode === 'production' ? [] : agentAudiences,
      },
    ],
    users: config.mode === 'development' ? devUsers(config.workflowScope) : [],
    agents: config.agents,
    workflowAudience: config.workflowAudience,
    workflowScope: config.workflowScope,
  };
}

export function findAgent(policy: Policy, audience: string): AgentTarget | undefined {
  return policy.agents.find((a) => a.audience === audience);
}

/** Map an RFC 8707 resource indicator to an agent: an agent URL, or an audience given as a URI. */
export function agentForResource(policy: Policy, resource: string): AgentTarget | undefined {
  const r = resource.replace(/(?<!\/)\/+$/, ''); // (?<!\/): linear on a long run of slashes;
  return policy.agents.find((a) => a.audience === resource || a.resources.includes(r));
}

export function allScopes(policy: Policy): string[] {
  const s = new Set<string>([policy.workflowScope]);
  for (const u of policy.users) u.scope.forEach((x) => s.add(x));
  for (const a of policy.agents) a.scope.forEach((x) => s.add(x));
  return [...s];
}
