import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SIGNING_ALG = 'RS256';
/** How many keys keys.json keeps (newest signs; all are published). */
const MAX_KEYS = 3;
const KEYS_FILE = 'keys.json';

interface StoredKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  created_at: string;
  private_jwk: JsonWebKey;
}

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: typeof SIGNING_ALG;
}

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public key. */
export function jwkThumbprint(jwk: { e?: string; n?: string }): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

function newStoredKey(now: Date): StoredKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const privateJwk = privateKey.export({ format: 'jwk' });
  return { kid: jwkThumbprint(privateJwk), alg: SIGNING_ALG, created_at: now.toISOString(), private_jwk: privateJwk };
}

function writeSecretFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
}

function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function readStored(file: string): StoredKey[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys?: StoredKey[] };
  if (!Array.isArray(data.keys) || data.keys.length === 0) throw new Error(`${file} holds no keys`);
  return data.keys;
}

function load(stored: StoredKey): LoadedKey {
  const privateKey = createPrivateKey({ key: stored.private_jwk, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const pub = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(pub);
  if (kid !== stored.kid) throw new Error(`key ${stored.kid} does not match its thumbprint`);
  return { kid, privateKey, publicKey, jwk: { kty: 'RSA', n: pub.n!, e: pub.e!, kid, use: 'sig', alg: SIGNING_ALG } };
}

/**
 * RS256 signing keys kept as private JWKs in `<dir>/keys.json` (mode 0600), created on first
 * use. The newest key signs; every kept key is published in the JWKS so tokens signed before a
 * rotation still verify. The store re-reads the file when it changes on disk, so
 * `node dist/rotate.js` takes effect in a running issuer without a restart.
 */
export class KeyStore {
  private keys: LoadedKey[] = [];
  private mtimeMs = 0;
  private checkedAt = 0;
  readonly file: string;

  private constructor(readonly dir: string) {
    this.file = path.join(dir, KEYS_FILE);
  }

  /** Open the store in `dir`, generating the first key if there is none. */
  static open(dir: string): KeyStore {
    const store = new KeyStore(dir);
    ensureDir(dir);
    if (!fs.existsSync(store.file)) writeSecretFile(store.file, JSON.stringify({ keys: [newStoredKey(new Date())] }, null, 2));
    store.reload();
    return store;
  }

  private reload(): void {
    const stat = fs.statSync(this.file);
    this.keys = readStored(this.file).map(load);
    this.mtimeMs = stat.mtimeMs;
  }

  /** Re-read keys.json if it changed (checked at most once a second). */
  refresh(nowMs = Date.now()): void {
    if (nowMs - this.checkedAt < 1000) return;
    this.checkedAt = nowMs;
    try {
      if (fs.statSync(this.file).mtimeMs !== this.mtimeMs) this.reload();
    } catch {
      // keep serving the keys already loaded
    }
  }

  /** The key that signs new tokens (the newest). */
  signingKey(): { kid: string; privateKey: KeyObject } {
    const k = this.keys[this.keys.length - 1]!;
    return { kid: k.kid, privateKey: k.privateKey };
  }

  /** Public key for a `kid`, or undefined. */
  publicKey(kid: string): KeyObject | undefined {
    return this.keys.find((k) => k.kid === kid)?.publicKey;
  }

  /** Public JWKS: newest first. Never private members. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [...this.keys].reverse().map((k) => ({ ...k.jwk })) };
  }

  /** Add a new signing key (keeps the newest MAX_KEYS). Returns the new kid. */
  rotate(): string {
    const kid = rotateKeys(this.dir);
    this.reload();
    return kid;
  }
}

/** Add a new key to `<dir>/keys.json` (creating it if needed); the new key signs from now on. */
export function rotateKeys(dir: string, now = new Date()): string {
  ensureDir(dir);
  const file = path.join(dir, KEYS_FILE);
  const existing = fs.existsSync(file) ? readStored(file) : [];
  const next = newStoredKey(now);
  const keys = [...existing, next].slice(-MAX_KEYS);
  writeSecretFile(file, JSON.stringify({ keys }, null, 2));
  return next.kid;
}

/**
 * The development client secret: read from `<dir>/client-secret`, or generated (32 random
 * bytes, base64url) and written there with mode 0600.
 */
export function devClientSecret(dir: string, generate: () => string): { secret: string; file: string; created: boolean } {
  ensureDir(dir);
  const file = path.join(dir, 'client-secret');
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, file, created: false };
  }
  const secret = generate();
  writeSecretFile(file, `${secret}\n`);
  return { secret, file, created: true };
}
