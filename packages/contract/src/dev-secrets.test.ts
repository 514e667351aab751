import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  KNOWN_DEV_SECRET_SHA256,
  MAX_PUBLISHED_SECRET_BYTES,
  MIN_SECRET_ENTROPY_BITS,
  estimatedSecretEntropyBits,
  productionSecretProblem,
  secretSha256,
} from './dev-secrets.js';

const ROOT = path.resolve(__dirname, '../../..');
const TEXT = /\.(ya?ml|env|mjs|cjs|js|ts|json|md|sh|toml)$|(^|\/)(\.env[\w.-]*|Dockerfile)$/;

// A literal assigned to something named like a secret (`FOO_SECRET: x`, `clientSecret = 'x'`,
// `client_secret: 'x'`), or a compose default `${FOO_SECRET:-x}`. Values of 32+ characters only:
// shorter ones are refused by length already. Each pattern is linear: no adjacent unbounded runs
// over the same characters.
const PATTERNS = [
  /secret\w*["']?[ \t]*[:=][ \t]*["'`]([^"'`\s]{32,512})["'`]/gi,
  /\$\{\w*SECRET\w*:-([^}\s]{32,512})\}/g,
  /^[ \t]*\w*SECRET\w*[ \t]*[:=][ \t]*([^"'`\s$]{32,512})[ \t]*$/gim,
];

/** Every secret-looking value in the repository's files (tracked or new, not ignored), with where it is. */
function scanRepository(root = ROOT): Array<{ value: string; where: string }> {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => TEXT.test(f));
  const found: Array<{ value: string; where: string }> = [];
  for (const file of files) {
    if (file.endsWith('pnpm-lock.yaml')) continue;
    let text: string;
    try {
      text = fs.readFileSync(path.join(root, file), 'utf8');
    } catch {
      continue; // deleted in the work tree
    }
    for (const pattern of PATTERNS) {
      for (const m of text.matchAll(pattern)) {
        const line = text.slice(0, m.index).split('\n').length;
        found.push({ value: m[1]!, where: `${file}:${line}` });
      }
    }
  }
  return found;
}

describe('known development secrets', () => {
  it("lists the SHA-256 of every secret-looking value in the repository's files", () => {
    const found = scanRepository();
    // The scan must find at least the compose default, or it finds nothing at all.
    expect(found.some((f) => f.where.startsWith('docker-compose.yml:'))).toBe(true);
    const missing = found
      .filter((f) => !KNOWN_DEV_SECRET_SHA256.has(secretSha256(f.value)))
      .map((f) => `${f.where} ${secretSha256(f.value)}`);
    expect(missing).toEqual([]);
    // a secret containing a published one is found by its runs of these lengths
    expect(found.filter((f) => Buffer.byteLength(f.value) > MAX_PUBLISHED_SECRET_BYTES).map((f) => f.where)).toEqual([]);
  });

  it('refuses a secret under 32 bytes and every listed secret, accepts a fresh one', () => {
    expect(productionSecretProblem('short')).toMatch(/at least 32 bytes/);
    for (const { value } of scanRepository()) expect(productionSecretProblem(value)).toMatch(/development secret/);
    expect(productionSecretProblem('9f2c1e7a4b8d6f3e0a5c7b9d1e3f5a7c9b1d3e5f')).toBeUndefined();
  });
});

/** docker-compose.yml's try-out default, read from the file (a literal here would be one more published secret). */
function composeDefault(): string {
  const text = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  return /\$\{WORKFLOW_CLIENT_SECRET:-([^}\s]+)\}/.exec(text)![1]!;
}

describe('productionSecretProblem: low-entropy and derived secrets', () => {
  const published = composeDefault();

  it.each([
    ['the compose default plus one character', () => `${published}x`],
    ['a character before the compose default', () => `x${published}`],
    [
      'the compose default inside random material',
      () => `${randomBytes(12).toString('hex')}${published}${randomBytes(12).toString('hex')}`,
    ],
  ])('refuses %s as containing a published secret, without naming it', (_what, secret) => {
    const problem = productionSecretProblem(secret());
    expect(problem).toMatch(/contains a development secret published in the Baton repository; generate one/);
    expect(problem).not.toContain(published);
  });

  it.each([
    ['36 × a', 'a'.repeat(36)],
    ['a word repeated', 'password'.repeat(5)],
    ['two characters alternating', 'ab'.repeat(20)],
    ['an alphabet run', 'abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a hex run twice', '0123456789abcdef'.repeat(3)],
    ['a long run of one character with a short tail', `${'z'.repeat(40)}Q7`],
    ['a base64 of zero bytes', Buffer.alloc(48).toString('base64')],
  ])('refuses %s as too predictable, saying what is required', (_what, secret) => {
    const problem = productionSecretProblem(secret);
    expect(problem).toBe(
      `is too predictable: it needs at least ${MIN_SECRET_ENTROPY_BITS} bits of estimated entropy ` +
        '(random material, not repeats, runs like abcd or 1234, or a few characters); generate one (openssl rand -base64 48)',
    );
  });

  it('accepts what the documented generators make, every time (openssl rand -base64 48 / -hex 16 / -hex 32, base64url of 32 bytes)', () => {
    const generators = [
      () => randomBytes(48).toString('base64'),
      () => randomBytes(16).toString('hex'),
      () => randomBytes(32).toString('hex'),
      () => randomBytes(32).toString('base64url'),
    ];
    for (const make of generators)
      for (let i = 0; i < 100; i++) {
        const secret = make();
        expect([secret.length, productionSecretProblem(secret)]).toEqual([secret.length, undefined]);
      }
  });

  it('estimates random material near its real entropy and repeats near nothing', () => {
    expect(estimatedSecretEntropyBits('a'.repeat(36))).toBe(0);
    expect(estimatedSecretEntropyBits(randomBytes(32).toString('base64url'))).toBeGreaterThan(150);
    const once = estimatedSecretEntropyBits('k3J9xQ2m');
    expect(estimatedSecretEntropyBits('k3J9xQ2m'.repeat(8))).toBe(once);
  });

  it('judges a long secret too: random material passes, a repeated pair does not', () => {
    const long = randomBytes(3000).toString('base64');
    expect(productionSecretProblem(long)).toBeUndefined();
    expect(productionSecretProblem('ab'.repeat(2000))).toMatch(/too predictable/);
  });
});
