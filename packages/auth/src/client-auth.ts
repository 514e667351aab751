import { createHash, createPublicKey, randomUUID, sign, constants, type KeyObject } from 'node:crypto';

/** RFC 7523 §2.2 client assertion type. */
export const CLIENT_ASSERTION_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How a confidential client authenticates at a token endpoint (RFC 6749 §2.3, RFC 7523 §2.2). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = Object.freeze([
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
]);

export type ClientAssertionAlg = 'RS256' | 'PS256' | 'ES256';

/** The client's signing key for `private_key_jwt`. */
export interface ClientAssertionKey {
  /** Private key (RSA for RS256/PS256, EC P-256 for ES256). */
  privateKey: KeyObject;
  /** `kid` header; default the RFC 7638 thumbprint of the public key. */
  kid?: string;
  /** Default RS256 for an RSA key, ES256 for a P-256 key. */
  alg?: ClientAssertionAlg;
  /** `aud` of the assertion; default the token endpoint URL (RFC 7523 §3). */
  audience?: string;
  /** Assertion lifetime, seconds (default 60). */
  lifetimeSec?: number;
}

export interface ClientAuthOptions {
  method: ClientAuthMethod;
  clientId: string;
  /** For the two secret methods. */
  clientSecret?: string;
  /** For `private_key_jwt`. */
  assertionKey?: ClientAssertionKey;
}

/** What one request carries to authenticate the client: extra headers and extra form fields. */
export interface ClientCredentials {
  headers: Record<string, string>;
  params: Record<string, string>;
}

/** Authenticates each token request; asynchronous because an assertion is signed off the event loop. */
export interface ClientAuthenticator {
  readonly method: ClientAuthMethod;
  readonly clientId: string;
  credentials(tokenEndpoint: string, nowMs: number): Promise<ClientCredentials>;
}

/** RFC 6749 Appendix B: application/x-www-form-urlencoded encoding of one value. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

const b64urlJson = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** RFC 7638 thumbprint (SHA-256, base64url) of an RSA or EC key (its public part). */
export function keyThumbprint(key: KeyObject): string {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  const canonical =
    jwk.kty === 'EC' ? JSON.stringify({ crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y }) : JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

function assertionAlg(key: ClientAssertionKey): ClientAssertionAlg {
  const type = key.privateKey.asymmetricKeyType;
  const curve = key.privateKey.asymmetricKeyDetails?.namedCurve;
  if (type === 'rsa') {
    const alg = key.alg ?? 'RS256';
    if (alg !== 'RS256' && alg !== 'PS256') throw new TypeError(`client assertion: ${alg} needs an EC P-256 key, not RSA`);
    return alg;
  }
  if (type === 'ec' && curve === 'prime256v1') {
    if (key.alg !== undefined && key.alg !== 'ES256') throw new TypeError(`client assertion: ${key.alg} needs an RSA key, not EC`);
    return 'ES256';
  }
  throw new TypeError('client assertion: the key must be an RSA or EC P-256 private key');
}

function signAsync(alg: ClientAssertionAlg, input: string, key: KeyObject): Promise<Buffer> {
  const options =
    alg === 'PS256'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : alg === 'ES256'
        ? { key, dsaEncoding: 'ieee-p1363' as const }
        : key;
  return new Promise((resolve, reject) => {
    // The callback form runs the signature on libuv's thread pool, not on the event loop.
    sign('sha256', Buffer.from(input), options, (err, sig) => (err ? reject(err) : resolve(sig)));
  });
}

/** The `private_key_jwt` authenticator: a fresh RFC 7523 assertion per request (unique jti, short exp). */
function assertionAuthenticator(clientId: string, key: ClientAssertionKey): ClientAuthenticator {
  if (key.privateKey?.type !== 'private') throw new TypeError('client assertion: privateKey must be a private KeyObject');
  const alg = assertionAlg(key);
  const kid = key.kid ?? keyThumbprint(key.privateKey);
  const lifetimeSec = key.lifetimeSec ?? 60;
  if (!Number.isInteger(lifetimeSec) || lifetimeSec < 1 || lifetimeSec > 300)
    throw new TypeError('client assertion: lifetimeSec must be an integer between 1 and 300');
  const header = b64urlJson({ alg, typ: 'JWT', kid });
  return {
    method: 'private_key_jwt',
    clientId,
    async credentials(tokenEndpoint, nowMs) {
      const iat = Math.floor(nowMs / 1000);
      const claims = { iss: clientId, sub: clientId, aud: key.audience ?? tokenEndpoint, iat, exp: iat + lifetimeSec, jti: randomUUID() };
      const input = `${header}.${b64urlJson(claims)}`;
      const signature = await signAsync(alg, input, key.privateKey);
      return {
        headers: {},
        params: {
          client_id: clientId,
          client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER,
          client_assertion: `${input}.${signature.toString('base64url')}`,
        },
      };
    },
  };
}

/**
 * The client authentication of a token request, checked once at start-up: `client_secret_basic`
 * (one `Authorization: Basic` header, each part form-encoded first, RFC 6749 §2.3.1),
 * `client_secret_post` (`client_id` + `client_secret` in the form), or `private_key_jwt` (RFC 7523
 * §2.2: `client_assertion` signed with the client's key, `aud` = the token endpoint, 60 s, unique
 * `jti`, `kid` header). A bad option is a TypeError; no secret ever appears in one.
 */
export function createClientAuthenticator(options: ClientAuthOptions): ClientAuthenticator {
  const { method, clientId } = options;
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('client authentication: clientId is required');
  if (method === 'private_key_jwt') {
    if (!options.assertionKey) throw new TypeError('client authentication: private_key_jwt needs assertionKey');
    return assertionAuthenticator(clientId, options.assertionKey);
  }
  if (method !== 'client_secret_basic' && method !== 'client_secret_post')
    throw new TypeError(`client authentication: method must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  const secret = options.clientSecret;
  if (typeof secret !== 'string' || secret === '') throw new TypeError(`client authentication: ${method} needs clientSecret`);
  const credentials: ClientCredentials =
    method === 'client_secret_basic'
      ? {
          headers: { authorization: `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64')}` },
          params: {},
        }
      : { headers: {}, params: { client_id: clientId, client_secret: secret } };
  return { method, clientId, credentials: () => Promise.resolve(credentials) };
}
