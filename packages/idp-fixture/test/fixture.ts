// Starts fixture/server.mjs (oidc-provider 9) as its own process on a free 127.0.0.1 port and gets
// real tokens from it: client_credentials with a resource indicator, and a user's access and ID
// tokens through a real authorization code flow (the fixture logs the login_hint in, no browser).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@baton/testkit';

export const SERVER = path.resolve(__dirname, '../fixture/server.mjs');
/** The RFC 8693 grant module (fixture/token-exchange-grant.mjs) and its grant type. */
export const TOKEN_EXCHANGE_GRANT = path.resolve(__dirname, '../fixture/token-exchange-grant.mjs');
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const SECRET = 'fixture-secret-that-is-long-enough-0123456789';
export const SHAPES = ['rfc9068', 'keycloak', 'auth0', 'okta', 'entra', 'scope-array'] as const;
export type Shape = (typeof SHAPES)[number];

export const RESOURCES = {
  workflow: { uri: 'https://baton.test/workflow', audience: 'baton-workflow', scope: 'workflow:invoke' },
  research: { uri: 'https://baton.test/research', audience: 'agent-research', scope: 'research:invoke' },
  writer: { uri: 'https://baton.test/writer', audience: 'agent-writer', scope: 'writer:invoke' },
  reviewer: { uri: 'https://baton.test/reviewer', audience: 'agent-reviewer', scope: 'reviewer:invoke' },
} as const;

export interface FixtureOptions {
  /** The issuer's path and trailing slash: `''` (default), `'/'`, `'/oauth2/default'`, ... */
  issuerPath?: string;
  /** 404 at `<issuer>/.well-known/openid-configuration` (only RFC 8414's URL answers). */
  noOidcDiscovery?: boolean;
  /** Extra clients (a client whose id is a resource's audience, for the ID-token confusion case). */
  extraClients?: string[];
  /** Modules whose default export gets `(provider, config)` before listening (registerGrantType, ...). */
  extensions?: string[];
  /** Grant types added to every client (the ones an extension registers) but those in `withoutExtraGrants`. */
  extraGrantTypes?: string[];
  /** Clients registered without `extraGrantTypes`. */
  withoutExtraGrants?: string[];
  /**
   * Registers RFC 8693 token exchange (fixture/token-exchange-grant.mjs) with this policy: which
   * resource URIs each client may exchange a user's workflow token for; `ttlSec` of the issued tokens.
   */
  tokenExchange?: { clients: Record<string, string[]>; ttlSec?: number };
  /** A client's token-endpoint authentication other than client_secret_basic (a public JWKS for private_key_jwt). */
  clientAuth?: Record<string, ClientAuthRegistration>;
}

export type ClientAuthRegistration = { method: 'client_secret_post' } | { method: 'private_key_jwt'; jwks: { keys: object[] } };

export interface ExchangeEvent {
  client_id: string;
  sub: string;
  /** Which target parameters the request named: `audience`, `resource` or `audience+resource`. */
  by: string;
  aud: string;
  scope: string;
}

export interface Fixture {
  readonly issuer: string;
  readonly origin: string;
  readonly tokenEndpoint: string;
  /** The provider's signing key (RS256, kid `fixture-1`): tests craft tokens under it. */
  readonly signingKey: { kid: string; privateKey: KeyObject };
  /** The token-exchange grant's record of each exchange it answered (stdout lines), oldest first. */
  exchanges(): ExchangeEvent[];
  clientCredentials(clientId: string, resource: string, scope: string): Promise<string>;
  userTokens(clientId: string, user: string, resource: string, scope: string): Promise<{ access_token: string; id_token: string }>;
  stop(): Promise<void>;
}

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${options.issuerPath ?? ''}`;
  const tokenEndpoint = `${issuer.replace(/\/$/, '')}/token`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const withoutExtraGrants = new Set(options.withoutExtraGrants ?? []);
  const client = (id: string, shape: string) => ({
    client_id: id,
    client_secret: SECRET,
    shape,
    extraGrants: !withoutExtraGrants.has(id),
    auth: options.clientAuth?.[id],
  });
  const te = options.tokenExchange;
  const config = {
    issuer,
    port,
    resources: Object.fromEntries(Object.values(RESOURCES).map((r) => [r.uri, { audience: r.audience, scope: r.scope }])),
    clients: [...SHAPES.map((shape) => client(shape, shape)), ...(options.extraClients ?? []).map((id) => client(id, 'rfc9068'))],
    noOidcDiscovery: options.noOidcDiscovery ?? false,
    extensions: [...(options.extensions ?? []), ...(te ? [TOKEN_EXCHANGE_GRANT] : [])],
    extraGrantTypes: [...(options.extraGrantTypes ?? []), ...(te ? [GRANT_TOKEN_EXCHANGE] : [])],
    signingJwk: privateKey.export({ format: 'jwk' }),
    ...(te ? { tokenExchange: { subjectAudience: RESOURCES.workflow.audience, ...te } } : {}),
  };
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, FIXTURE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exchanges: ExchangeEvent[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes('"event":"token-exchange"')) exchanges.push(JSON.parse(line) as ExchangeEvent);
  });
  await listening(child);
  const basic = (id: string) => `Basic ${Buffer.from(`${id}:${SECRET}`).toString('base64')}`;
  const token = async (clientId: string, form: Record<string, string>) => {
    const res = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { authorization: basic(clientId), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    const body = (await res.json()) as Record<string, string>;
    if (!res.ok) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    issuer,
    origin,
    tokenEndpoint,
    signingKey: { kid: 'fixture-1', privateKey },
    exchanges: () => [...exchanges],
    async clientCredentials(clientId, resource, scope) {
      return (await token(clientId, { grant_type: 'client_credentials', resource, scope })).access_token!;
    },
    async userTokens(clientId, user, resource, scope) {
      const code = await authorize(issuer, { clientId, user, resource, scope });
      const body = await token(clientId, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/cb', resource });
      return { access_token: body.access_token!, id_token: body.id_token! };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"listening"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`oidc-provider fixture exited (${code}): ${stderr}`)));
  });
}

/** The authorization code flow without a browser: follow the redirects, carrying cookies, to the code. */
async function authorize(issuer: string, o: { clientId: string; user: string; resource: string; scope: string }): Promise<string> {
  const params = new URLSearchParams({
    client_id: o.clientId,
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1/cb',
    scope: `openid ${o.scope}`,
    resource: o.resource,
    login_hint: o.user,
    nonce: randomBytes(8).toString('hex'),
    state: randomBytes(8).toString('hex'),
  });
  const cookies = new Map<string, string>();
  let url = `${issuer.replace(/\/$/, '')}/auth?${params}`;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`authorization flow stopped at ${res.status}: ${await res.text()}`);
    const next = new URL(location, url);
    if (next.origin === 'http://127.0.0.1' && next.pathname === '/cb') {
      const code = next.searchParams.get('code');
      if (!code) throw new Error(`authorization failed: ${next.search}`);
      return code;
    }
    url = next.href;
  }
  throw new Error('authorization flow: too many redirects');
}
