// Development certificates for Baton's optional mutual TLS: one dev CA and one leaf per service,
// each leaf's identity a single SPIFFE URI SAN. Made with @peculiar/x509 on Node's WebCrypto, so
// no openssl binary is needed. Used by `pnpm run certs`, `MTLS=1 pnpm start` and tests.
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { certificateNames, spiffeId, SPIFFE_TRUST_DOMAIN } from '@baton/contract';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface CertAndKey {
  cert: string;
  key: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/**
 * The services that get a certificate (every service of `@baton/contract`'s topology), each with its
 * DNS names besides `localhost` (its compose service name), so host-name verification also works
 * for ordinary HTTPS clients.
 */
export const DEV_CERT_SERVICES: Readonly<Record<string, readonly string[]>> = certificateNames();

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString('hex');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  // A little back-dating absorbs clock skew between containers.
  return { notBefore: new Date(now - 5 * 60_000), notAfter: new Date(now + days * DAY_MS) };
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
}

export interface CreateDevCaOptions {
  /** Subject common name (default `Baton dev CA`). */
  commonName?: string;
  /** Default 825. */
  days?: number;
}

/**
 * A self-signed CA: EC P-256, basicConstraints CA:true pathlen 0 (critical), keyUsage keyCertSign +
 * cRLSign only (critical: no digitalSignature, so it is refused when presented as a TLS leaf).
 */
export async function createDevCa(options: CreateDevCaOptions = {}): Promise<CertAndKey> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${options.commonName ?? 'Baton dev CA'}, O=Baton development`,
    ...validity(options.days ?? 825),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

export interface IssueLeafOptions {
  /** Service name: the certificate's identity is `spiffe://<trustDomain>/<service>` and its CN. */
  service: string;
  /** DNS SANs besides `localhost`. */
  dnsNames?: readonly string[];
  /** IP SANs (default `127.0.0.1`). */
  ipAddresses?: readonly string[];
  /** Default `baton.local`. */
  trustDomain?: string;
  /** Default 365. */
  days?: number;
}

/**
 * A leaf signed by `ca`: EC P-256, CA:false, keyUsage digitalSignature (critical), extKeyUsage
 * serverAuth + clientAuth, SAN = exactly one URI (`spiffe://<trustDomain>/<service>`) plus DNS
 * `localhost` + `dnsNames` and IP `ipAddresses`.
 */
export async function issueLeaf(ca: CertAndKey, options: IssueLeafOptions): Promise<CertAndKey> {
  const id = spiffeId(options.service, options.trustDomain ?? SPIFFE_TRUST_DOMAIN);
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = await newKeyPair();
  const dns = [...new Set(['localhost', ...(options.dnsNames ?? [])])];
  const ips = options.ipAddresses ?? ['127.0.0.1'];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${options.service}, O=Baton development`,
    issuer: caCert.subject,
    ...validity(options.days ?? 365),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: await importPrivateKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'url', value: id },
          ...dns.map((value) => ({ type: 'dns' as const, value })),
          ...ips.map((value) => ({ type: 'ip' as const, value })),
        ],
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** Where `writeDevCerts` puts a service's files. */
export function devCertFiles(dir: string, service: string): { cert: string; key: string; ca: string } {
  return { cert: path.join(dir, `${service}.pem`), key: path.join(dir, `${service}-key.pem`), ca: path.join(dir, 'ca.pem') };
}

export interface WriteDevCertsOptions {
  dir: string;
  /** Make a new CA and new leaves even if files exist. */
  force?: boolean;
  /** Default `DEV_CERT_SERVICES`. */
  services?: Readonly<Record<string, readonly string[]>>;
}

export interface WriteDevCertsResult {
  dir: string;
  /** Files written this time (empty when everything was already there). */
  written: string[];
}

/**
 * Writes `ca.pem`, `ca-key.pem` and `<service>.pem` + `<service>-key.pem` for each service into
 * `dir` (keys 0600, directory 0700). Existing files are kept unless `force`; a missing leaf is
 * issued from the existing CA; a missing CA (or CA key) means everything is made anew.
 */
export async function writeDevCerts(options: WriteDevCertsOptions): Promise<WriteDevCertsResult> {
  const dir = path.resolve(options.dir);
  const services = options.services ?? DEV_CERT_SERVICES;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, 'ca.pem');
  const caKeyFile = path.join(dir, 'ca-key.pem');
  const written: string[] = [];
  const write = (file: string, text: string, mode: number) => {
    writeFileSync(file, text, { mode });
    chmodSync(file, mode); // an existing file keeps its mode on write
    written.push(file);
  };
  const freshCa = options.force === true || !existsSync(caFile) || !existsSync(caKeyFile);
  let ca: CertAndKey;
  if (freshCa) {
    ca = await createDevCa();
    write(caKeyFile, ca.key, 0o600);
    write(caFile, ca.cert, 0o644);
  } else {
    ca = { cert: readFileSync(caFile, 'utf8'), key: readFileSync(caKeyFile, 'utf8') };
  }
  for (const [service, dnsNames] of Object.entries(services)) {
    const files = devCertFiles(dir, service);
    if (!freshCa && existsSync(files.cert) && existsSync(files.key)) continue;
    const leaf = await issueLeaf(ca, { service, dnsNames });
    write(files.key, leaf.key, 0o600);
    write(files.cert, leaf.cert, 0o644);
  }
  return { dir, written };
}
