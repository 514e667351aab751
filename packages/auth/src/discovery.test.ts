import { createIssuerDiscovery, discoveryUrls } from './discovery.js';
import { createIssuerKeyStore } from './issuer-keys.js';
import { closeServer, listen, rsaKey } from '../test/helpers.js';

describe('discoveryUrls', () => {
  it('appends the OIDC suffix and inserts the RFC 8414 one between host and path', () => {
    expect(discoveryUrls('https://idp.test')).toEqual([
      'https://idp.test/.well-known/openid-configuration',
      'https://idp.test/.well-known/oauth-authorization-server',
    ]);
    expect(discoveryUrls('https://idp.test/')).toEqual(discoveryUrls('https://idp.test'));
    expect(discoveryUrls('https://idp.test/oauth2/default')).toEqual([
      'https://idp.test/oauth2/default/.well-known/openid-configuration',
      'https://idp.test/.well-known/oauth-authorization-server/oauth2/default',
      'https://idp.test/oauth2/default/.well-known/oauth-authorization-server',
    ]);
  });
});

describe('createIssuerDiscovery', () => {
  const key = rsaKey('k1');
  let clock = 1_000_000;
  const now = () => clock;

  async function idp(issuerOf: (origin: string) => string, status = 200) {
    const hits: string[] = [];
    const { server, url } = await listen((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/jwks') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [key.jwk] }));
        return;
      }
      if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: issuerOf(url), jwks_uri: `${url}/jwks`, token_endpoint: `${url}/token` }));
    });
    return { url, hits, close: () => closeServer(server) };
  }

  function capture() {
    const lines: Array<Record<string, unknown>> = [];
    return { lines, logger: { warn: (o: object, msg?: string) => void lines.push({ ...o, msg }), info: () => undefined } };
  }

  it('reads jwks_uri and token_endpoint once and serves them from the cache', async () => {
    const s = await idp((u) => u);
    try {
      const d = createIssuerDiscovery({ issuer: s.url, now });
      const [a, b] = await Promise.all([d.metadata(), d.metadata()]);
      expect(a).toEqual(b);
      expect(a).toMatchObject({ issuer: s.url, jwks_uri: `${s.url}/jwks`, token_endpoint: `${s.url}/token` });
      await d.metadata();
      expect(s.hits).toEqual(['/.well-known/openid-configuration']);
    } finally {
      await s.close();
    }
  });

  it('refuses a document naming another issuer (a trailing slash counts), logging the URL', async () => {
    const s = await idp((u) => `${u}/`);
    const { lines, logger } = capture();
    try {
      const d = createIssuerDiscovery({ issuer: s.url, logger, now });
      await expect(d.metadata()).rejects.toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE', status: 503 });
      expect(lines[0]).toMatchObject({ msg: 'issuer discovery failed', url: `${s.url}/.well-known/openid-configuration` });
      expect(String(lines[0]!.error)).toMatch(/issuer mismatch/);
      expect(lines[1]).toMatchObject({ url: `${s.url}/.well-known/oauth-authorization-server`, status: 404 });
      // inside the cooldown: refused without a request
      const before = s.hits.length;
      await expect(d.metadata()).rejects.toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE' });
      expect(s.hits.length).toBe(before);
      clock += 30_000;
      await expect(d.metadata()).rejects.toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE' });
      expect(s.hits.length).toBeGreaterThan(before);
    } finally {
      await s.close();
    }
  });

  it('starts discovery and then the first key fetch from one readiness check: the next check is ready', async () => {
    const s = await idp((u) => u);
    try {
      const keys = createIssuerKeyStore({ issuer: s.url, now });
      expect(keys.ready()).toBe(false);
      // Nothing else asks (no second check, no token): discovery answers, then the JWKS is fetched.
      for (let i = 0; i < 200 && !s.hits.includes('/jwks'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(s.hits).toContain('/jwks');
      await new Promise((r) => setTimeout(r, 100));
      expect(keys.ready()).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('feeds an issuer key store that is ready once the discovered keys are held', async () => {
    const s = await idp((u) => u);
    try {
      const keys = createIssuerKeyStore({ issuer: s.url, now });
      expect(keys.ready()).toBe(false);
      await keys.getKey('k1', 'RS256');
      expect(keys.ready()).toBe(true);
      expect(keys.jwksUri()).toBe(`${s.url}/jwks`);
    } finally {
      await s.close();
    }
  });

  it('says why it is not ready (each URL with its error, the mismatch naming both identifiers) and answers 503 with Retry-After', async () => {
    const s = await idp((u) => `${u}/`);
    try {
      const keys = createIssuerKeyStore({ issuer: s.url, now, discoveryOptions: { cooldownMs: 20_000 } });
      expect(keys.notReadyReason()).toBe(`discovering the issuer ${JSON.stringify(s.url)}`);
      const err = await keys.getKey('k1', 'RS256').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE', status: 503, headers: { 'Retry-After': '20' } });
      const reason = keys.notReadyReason()!;
      expect(reason).toContain(`issuer discovery failed for ${JSON.stringify(s.url)}`);
      expect(reason).toContain(`${s.url}/.well-known/openid-configuration: issuer mismatch`);
      expect(reason).toContain(JSON.stringify(`${s.url}/`));
      expect(reason).toContain(`${s.url}/.well-known/oauth-authorization-server: HTTP 404`);
      clock += 15_000; // inside the cooldown: refused without a request, Retry-After what is left of it
      await expect(keys.getKey('k1', 'RS256')).rejects.toMatchObject({ headers: { 'Retry-After': '5' } });
      clock += 5_000;
    } finally {
      await s.close();
    }
  });

  it('names an unreachable issuer with the connection error, and a JWKS that fails with its URL and status', async () => {
    const s = await idp((u) => u);
    const dead = s.url;
    await s.close();
    const keys = createIssuerKeyStore({ issuer: dead, now });
    await expect(keys.getKey('k1', 'RS256')).rejects.toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE' });
    expect(keys.notReadyReason()).toContain(`${dead}/.well-known/openid-configuration: ECONNREFUSED`);
    clock += 30_000;

    const t = await idp((u) => u);
    try {
      const pinned = createIssuerKeyStore({ issuer: t.url, jwksUri: `${t.url}/no-jwks`, now });
      await expect(pinned.getKey('k1', 'RS256')).rejects.toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE', headers: { 'Retry-After': '30' } });
      expect(pinned.notReadyReason()).toBe(`JWKS fetch failed: ${t.url}/no-jwks: HTTP 404`);
      const found = createIssuerKeyStore({ issuer: t.url, now });
      await found.getKey('k1', 'RS256');
      expect(found.notReadyReason()).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
