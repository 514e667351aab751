import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const SIGNING_ALG = 'RS256';
/**
 * A retired key (one a newer key replaced) stays published until every token it signed has
 * expired: `retainMs` past its retirement. At most this many keys are kept; a rotation that would
 * drop a key still inside its retention is refused instead.
 */
export const MAX_RETAINED_KEYS = 10;
/** Retention when none is given (the CLI): the longest token lifetime the issuer allows, 24 h. */
const DEFAULT_RETAIN_MS = 86_400_000;

const RSA_OPTIONS = { modulusLength: 2048, publicExponent: 0x10001 } as const;
const generateRsa = promisify(generateKeyPair);
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

function storedKey(privateKey: KeyObject, now: Date): StoredKey {
  const privateJwk = privateKey.export({ format: 'jwk' });
  return { kid: jwkThumbprint(privateJwk), alg: SIGNING_ALG, created_at: now.toISOString(), private_jwk: privateJwk };
}

/** First start only (before the server listens): synchronous. */
function newStoredKeySync(now: Date): StoredKey {
  return storedKey(generateKeyPairSync('rsa', RSA_OPTIONS).privateKey, now);
}

/** A rotation while serving: generated on libuv's thread pool, off the event loop. */
async function newStoredKey(now: Date): Promise<StoredKey> {
  const { privateKey } = await generateRsa('rsa', RSA_OPTIONS);
  return storedKey(privateKey, now);
}

/** Thrown when a rotation would drop a key whose tokens may still be valid. */
export class RotationRefused extends Error {}

/**
 * The keys to keep once `next` is added: the newest, and each retired key until `retainMs` after
 * the key that replaced it was made. Throws RotationRefused past MAX_RETAINED_KEYS.
 */
export function retainedKeys(existing: StoredKey[], next: StoredKey, retainMs: number, nowMs: number): StoredKey[] {
  const all = [...existing, next];
  const kept = all.filter((k, i) => {
    const successor = all[i + 1];
    return successor === undefined || Date.parse(successor.created_at) + retainMs > nowMs;
  });
  if (kept.length > MAX_RETAINED_KEYS)
    throw new RotationRefused(`${kept.length - 1} keys are still inside their retention; rotate again once older tokens have expired`);
  return kept;
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
    if (!fs.existsSync(store.file)) writeSecretFile(store.file, JSON.stringify({ keys: [newStoredKeySync(new Date())] }, null, 2));
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

  /**
   * Add a new signing key, generated off the event loop; retired keys stay published for
   * `retainMs` (the longest lifetime of a token they signed). Returns the new kid.
   */
  async rotate(retainMs = DEFAULT_RETAIN_MS, now = new Date()): Promise<string> {
    const kid = await rotateKeys(this.dir, now, retainMs);
    this.reload();
    return kid;
  }
}

/** Add a new key to `<dir>/keys.json` (creating it if needed); the new key signs from now on. */
export async function rotateKeys(dir: string, now = new Date(), retainMs = DEFAULT_RETAIN_MS): Promise<string> {
  ensureDir(dir);
  const file = path.join(dir, KEYS_FILE);
  const next = await newStoredKey(now);
  // Read after the (slow) generation, so a rotation by another process meanwhile is kept.
  const existing = fs.existsSync(file) ? readStored(file) : [];
  const keys = retainedKeys(existing, next, retainMs, now.getTime());
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
