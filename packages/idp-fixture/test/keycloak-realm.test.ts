// Keycloak cannot run here: its realm export (docs/keycloak/baton-realm.json, Keycloak 26 standard
// token exchange V2) is checked against @baton/contract's topology so the two cannot drift.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchemaOf, TOPOLOGY } from '@baton/contract';

interface Mapper {
  protocolMapper: string;
  config: Record<string, string>;
}
interface ClientScope {
  name: string;
  attributes: Record<string, string>;
  protocolMappers: Mapper[];
}
interface Client {
  clientId: string;
  publicClient: boolean;
  serviceAccountsEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  attributes: Record<string, string>;
  defaultClientScopes: string[];
  optionalClientScopes: string[];
}

const realm = JSON.parse(readFileSync(path.resolve(__dirname, '../../../docs/keycloak/baton-realm.json'), 'utf8')) as {
  realm: string;
  clients: Client[];
  clientScopes: ClientScope[];
};
const client = (id: string) => realm.clients.find((c) => c.clientId === id);
const scope = (name: string) => realm.clientScopes.find((s) => s.name === name);
const audienceOf = (s: ClientScope | undefined) =>
  s?.protocolMappers
    .filter((m) => m.protocolMapper === 'oidc-audience-mapper' && m.config['access.token.claim'] === 'true')
    .map((m) => m.config['included.client.audience']);

describe('docs/keycloak/baton-realm.json', () => {
  it("has the workflow's client, named by its audience, with standard token exchange on and no client_credentials", () => {
    const wf = client(TOPOLOGY.workflow.audience);
    expect(wf).toMatchObject({ publicClient: false, serviceAccountsEnabled: false, directAccessGrantsEnabled: false });
    expect(wf!.attributes['standard.token.exchange.enabled']).toBe('true');
  });

  it.each(TOPOLOGY.agents.map((a) => [a.name, a] as const))(
    '%s: a client for its audience and a scope whose mapper adds it',
    (_n, agent) => {
      expect(client(agent.audience)).toMatchObject({ serviceAccountsEnabled: false });
      const s = scope(agent.scope);
      expect(s?.attributes['include.in.token.scope']).toBe('true');
      expect(audienceOf(s)).toEqual([agent.audience]);
      // the workflow may ask for it (scope + audience in the exchange request)
      expect(client(TOPOLOGY.workflow.audience)!.optionalClientScopes).toContain(agent.scope);
    },
  );

  it("gives users' tokens the workflow audience and scope through the login client, never an agent's", () => {
    expect(audienceOf(scope(TOPOLOGY.workflow.scope))).toEqual([TOPOLOGY.workflow.audience]);
    const cli = client('baton-cli')!;
    expect(cli.defaultClientScopes).toEqual([TOPOLOGY.workflow.scope]);
    expect(cli.optionalClientScopes).toEqual([]);
  });

  it('has exactly the clients of the topology plus the login client', () => {
    expect(realm.clients.map((c) => c.clientId).sort()).toEqual(
      [TOPOLOGY.workflow.audience, 'baton-cli', ...TOPOLOGY.agents.map((a) => a.audience)].sort(),
    );
  });
});

describe("docs/IDENTITY-PROVIDERS.md's Keycloak settings", () => {
  const doc = readFileSync(path.resolve(__dirname, '../../../docs/IDENTITY-PROVIDERS.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Keycloak 26'), doc.indexOf('\n## ', doc.indexOf('## Keycloak 26') + 1));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  const vars = Object.fromEntries(
    block
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .flatMap((l) => l.split(/\s+/))
      .filter((w) => /^[A-Z_]+=/.test(w))
      .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
  );

  it("gives the agents ACTOR_CLAIM=azp and ALLOWED_ACTORS = the realm client that may exchange, not the users' client", () => {
    expect(vars).toMatchObject({ TOKEN_PROFILE: 'keycloak', ACTOR_CLAIM: 'azp', EXCHANGE_TARGET: 'audience' });
    const exchanging = realm.clients.filter((c) => c.attributes['standard.token.exchange.enabled'] === 'true').map((c) => c.clientId);
    expect(exchanging).toEqual([vars.ALLOWED_ACTORS]);
    expect(vars.WORKFLOW_CLIENT_ID).toBe(vars.ALLOWED_ACTORS);
    expect(client('baton-cli')).toBeDefined();
    expect(vars.ALLOWED_ACTORS).not.toBe('baton-cli');
  });

  it("parses as every agent's configuration and the workflow's", () => {
    const { WORKFLOW_CLIENT_SECRET: _secret, ...rest } = vars;
    for (const agent of TOPOLOGY.agents) {
      const parsed = envSchemaOf(agent.name)!.parse({
        ISSUER_URL: rest.ISSUER_URL,
        TOKEN_PROFILE: rest.TOKEN_PROFILE,
        ACTOR_CLAIM: rest.ACTOR_CLAIM,
        ALLOWED_ACTORS: rest.ALLOWED_ACTORS,
      });
      expect(parsed).toMatchObject({ ACTOR_CLAIM: 'azp', ALLOWED_ACTORS: ['baton-workflow'] });
    }
    const workflow = envSchemaOf(TOPOLOGY.workflow.name)!.parse({
      ISSUER_URL: rest.ISSUER_URL,
      TOKEN_PROFILE: rest.TOKEN_PROFILE,
      WORKFLOW_CLIENT_ID: rest.WORKFLOW_CLIENT_ID,
      WORKFLOW_CLIENT_SECRET: 'k'.repeat(40),
      EXCHANGE_TARGET: rest.EXCHANGE_TARGET,
    });
    expect(workflow).toMatchObject({ WORKFLOW_CLIENT_ID: 'baton-workflow', EXCHANGE_TARGET: 'audience' });
  });
});
