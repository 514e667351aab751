import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { KNOWN_DEV_SECRET_SHA256, productionSecretProblem, secretSha256 } from './dev-secrets.js';

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
  });

  it('refuses a secret under 32 bytes and every listed secret, accepts a fresh one', () => {
    expect(productionSecretProblem('short')).toMatch(/at least 32 bytes/);
    for (const { value } of scanRepository()) expect(productionSecretProblem(value)).toMatch(/development secret/);
    expect(productionSecretProblem('9f2c1e7a4b8d6f3e0a5c7b9d1e3f5a7c9b1d3e5f')).toBeUndefined();
  });
});
