import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { ConnectionOptions, PeerCertificate, SecureVersion } from 'node:tls';
import { configError, type ConfigIssue } from '@baton/errors';
import { isSpiffeId } from '@baton/contract';

/** The three variables that turn TLS on (`tlsEnvShape` in a service's config schema). */
export interface TlsEnv {
  TLS_CERT_FILE?: string | undefined;
  TLS_KEY_FILE?: string | undefined;
  TLS_CA_FILE?: string | undefined;
}

/** A service's TLS material, read once at start. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** This service's own SPIFFE id, read from `cert`. */
  id: string | undefined;
}

const TLS_VARS = ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CA_FILE'] as const;

/**
 * Reads the TLS files named by the environment: undefined when none of the three variables is
 * set (TLS off). Throws a BatonError `CONFIG_INVALID` (naming variables, never contents) when only
 * some are set or a file cannot be read.
 */
export function readTlsFiles(env: TlsEnv, service: string): TlsMaterial | undefined {
  const set = TLS_VARS.filter((v) => env[v] !== undefined && env[v] !== '');
  if (set.length === 0) return undefined;
  const issues: ConfigIssue[] = [];
  if (set.length !== TLS_VARS.length) {
    for (const v of TLS_VARS)
      if (!set.includes(v))
        issues.push({ variable: v, message: `is required when ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set` });
  }
  const files: Partial<Record<(typeof TLS_VARS)[number], Buffer>> = {};
  if (issues.length === 0) {
    for (const v of TLS_VARS) {
      try {
        files[v] = readFileSync(env[v]!);
      } catch (err) {
        issues.push({ variable: v, message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      }
    }
  }
  if (issues.length > 0) throw configError(service, issues);
  const cert = files.TLS_CERT_FILE!;
  let id: string | undefined;
  try {
    id = spiffeIdOf({ subjectaltname: new X509Certificate(cert).subjectAltName ?? '' });
  } catch {
    throw configError(service, [{ variable: 'TLS_CERT_FILE', message: 'is not a PEM certificate' }]);
  }
  return { cert, key: files.TLS_KEY_FILE!, ca: files.TLS_CA_FILE!, id };
}

const TLS_MIN_VERSION: SecureVersion = 'TLSv1.3';

/** An HTTPS server's TLS settings (`@baton/service`'s `listen` takes them as `tls`). */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA bundle used to verify client certificates (mTLS). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask clients for a certificate (mTLS). Default false. */
  requestCert?: boolean;
  /** Refuse clients without a valid certificate when `requestCert`. Default true. */
  rejectUnauthorized?: boolean;
  /** Default 'TLSv1.3'. */
  minVersion?: SecureVersion;
  /**
   * Connection-level peer allow-list (mTLS): called once per connection, right after the
   * handshake, with the verified peer's SPIFFE id (its one URI SAN; undefined when it has none or
   * presented no certificate). `false` destroys the socket before any request is read.
   */
  allowPeer?: (spiffeId: string | undefined) => boolean;
}

/** Who may connect to a server over TLS: `serverTlsOptions`' second argument. */
export interface ServerTlsPolicy {
  /** Mutual TLS: refuse clients without a certificate chaining to the CA (default true). */
  requireClientCert?: boolean;
  /** The connection-level allow-list (needs `requireClientCert`); `allowPeers(ids)` makes one. */
  allowPeer?: (spiffeId: string | undefined) => boolean;
}

/**
 * `listen`'s `tls` for a service: TLS 1.3, its certificate, and (default) mutual TLS — a client
 * without a certificate chaining to the CA is refused in the handshake. `requireClientCert: false`
 * for services that ordinary users call (the workflow, the issuer). `allowPeer` (with mutual TLS):
 * the connection-level allow-list — a verified peer whose SPIFFE id it refuses is disconnected
 * right after the handshake, before any HTTP is read (see `listen`); `allowPeers(ids)` makes one.
 */
export function serverTlsOptions(material: TlsMaterial, { requireClientCert = true, allowPeer }: ServerTlsPolicy = {}): TlsOptions {
  if (allowPeer && !requireClientCert)
    throw new TypeError('serverTlsOptions: allowPeer needs requireClientCert (there is no peer id without a client certificate)');
  return {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    requestCert: requireClientCert,
    rejectUnauthorized: true,
    minVersion: TLS_MIN_VERSION,
    ...(allowPeer ? { allowPeer } : {}),
  };
}

/** An `allowPeer` for `serverTlsOptions`/`listen`: exactly these SPIFFE ids (no certificate id = refused). */
export function allowPeers(ids: Iterable<string>): (spiffeId: string | undefined) => boolean {
  const allowed = new Set(ids);
  if (allowed.size === 0) throw new TypeError('allowPeers: at least one SPIFFE id is required');
  for (const id of allowed) if (!isSpiffeId(id)) throw new TypeError(`allowPeers: not a SPIFFE id: ${JSON.stringify(id)}`);
  return (spiffeId) => spiffeId !== undefined && allowed.has(spiffeId);
}

/** Every `spiffe://` URI SAN of a certificate (`getPeerCertificate()` or its `subjectaltname` string). */
function spiffeIdsOf(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined | null): string[] {
  const san = cert?.subjectaltname;
  if (typeof san !== 'string' || san === '') return [];
  return san
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
}

/**
 * The identity of a certificate: its one URI SAN when that is a SPIFFE id; undefined when it has no
 * URI SAN, several, or one that is not a SPIFFE id.
 */
export function spiffeIdOf(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined | null): string | undefined {
  const san = cert?.subjectaltname;
  if (typeof san !== 'string') return undefined;
  const uris = san.match(/(?:^|, )URI:/g) ?? [];
  const ids = spiffeIdsOf(cert);
  return uris.length === 1 && ids.length === 1 && isSpiffeId(ids[0]) ? ids[0] : undefined;
}

interface MaybeTlsSocket {
  authorized?: boolean;
  getPeerCertificate?: (detailed?: boolean) => PeerCertificate | Record<string, never>;
}

/**
 * The SPIFFE id of the verified peer on a server-side socket (`req.socket`): undefined on a plain
 * connection, an unverified one, or a certificate without exactly one SPIFFE URI SAN.
 */
export function peerSpiffeId(socket: unknown): string | undefined {
  const s = socket as MaybeTlsSocket | null | undefined;
  if (!s || s.authorized !== true || typeof s.getPeerCertificate !== 'function') return undefined;
  const cert = s.getPeerCertificate(false);
  if (!cert || Object.keys(cert).length === 0) return undefined;
  return spiffeIdOf(cert as PeerCertificate);
}

/**
 * A `checkServerIdentity` for clients: the server's certificate must carry exactly one URI SAN and
 * it must be `expected` (SPIFFE X.509-SVID verification: the id, not the host name, is checked).
 */
export function spiffeServerIdentity(expected: string): (hostname: string, cert: PeerCertificate) => Error | undefined {
  if (!isSpiffeId(expected)) throw new TypeError(`spiffeServerIdentity: not a SPIFFE id: ${JSON.stringify(expected)}`);
  return (_hostname, cert) => {
    const actual = spiffeIdOf(cert);
    if (actual === expected) return undefined;
    return Object.assign(new Error(`server identity ${actual ?? '(none)'} is not the expected ${expected}`), {
      code: 'ERR_TLS_PEER_IDENTITY',
    });
  };
}

/**
 * Client-side TLS options: present this service's certificate, trust only the CA, TLS 1.3, and —
 * with `expectedPeer` — check the server's SPIFFE id (else the usual host-name check). Usable as
 * undici's `connect` options and for `https.Agent`.
 */
export function clientTlsOptions(material: TlsMaterial, expectedPeer?: string): ConnectionOptions {
  return {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    minVersion: TLS_MIN_VERSION,
    ...(expectedPeer !== undefined ? { checkServerIdentity: spiffeServerIdentity(expectedPeer) } : {}),
  };
}

/** A keep-alive `https.Agent` with `clientTlsOptions` (e.g. jwks-rsa's `requestAgent`). */
export function clientHttpsAgent(material: TlsMaterial, expectedPeer?: string): https.Agent {
  return new https.Agent({ keepAlive: true, ...clientTlsOptions(material, expectedPeer) });
}
