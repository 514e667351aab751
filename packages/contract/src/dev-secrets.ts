// Client secrets that appear in this repository (compose files, scripts, tests, docs) are public:
// a production service must refuse them. The repository keeps only their SHA-256 here (a secret
// is never compared in the clear, and this file names none); `dev-secrets.test.ts` scans every
// tracked file for secret-looking values and fails, naming the hash to add, when one is missing.
// A secret that contains a published one, or too little randomness to be generated, is refused too.
import { createHash, hash } from 'node:crypto';

/** The least a production client secret may be, in bytes (UTF-8). */
export const MIN_CLIENT_SECRET_BYTES = 32;

/** SHA-256 (hex) of every client secret written anywhere in this repository. */
export const KNOWN_DEV_SECRET_SHA256: ReadonlySet<string> = new Set([
  'f6c1b71862d355fdfb4dfddb0e26b8e2b8b10c3c084895304e3d0b2d80378ae6', // docker-compose.yml's try-out default
  'bd8d5da9393e84f0e870187315c2ad4d8838e97f2a06dd5166782b7e241e83b3', // apps/issuer/src/app.test.ts
  '3ff7ba0073617cc33f37132b5ee385fec964e868df1a605d4293b51d553d9c5b', // apps/issuer/test/token-exchange-policy.test.ts
  '18ea4e6d941dd8d93f02d89715284e1fac6c90e0456f621cd8d4c11a9c58164c', // apps/workflow/src/*.test.ts, packages/workflow-server/src/*.test.ts
  '572079273ff277f836e7e6579744ced5c2aecefa69ef4b1d682f6ec8a345a20d', // packages/conformance/test/token-exchange-dev-issuer.test.ts
  'ed7c8c62b872568a758280fa1a5203e986f3ad32ba0c62e869c269b4d638f230', // apps/issuer/test/client-auth-methods.test.ts
  '5d6d79804fc0cb2dbe44e597044542b8d6f6075b48fc51b27f8a31c4f8b81641', // packages/e2e/test/actor-claim.test.ts
  'f576840fc5d10c8be2ed14fb2188c49cf61d0fdda2f4185e164e00204549cbfa', // packages/e2e/test/runs.test.ts
  '3fc42f98004c25027b7c454301dda7a215418b048a1969c6bffea7b5cfdb1d60', // packages/idp-fixture/test/fixture.ts
  '0bcfb56b5331a1f8935c7ea804d889f172ec034d05f3cc0b6e20eeba246d66e5', // packages/e2e/test/launcher-truth.test.ts
  'ef9cf365c55d680d0f167f5766117514f7b4f3cb31e3943f4457b6f16e765980', // packages/idp-fixture/provider/local-provider.mjs
]);

export const secretSha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/** The longest secret published in this repository, in bytes (`dev-secrets.test.ts` holds every listed one to it). */
export const MAX_PUBLISHED_SECRET_BYTES = 64;
/** The least estimated entropy (`estimatedSecretEntropyBits`) a production client secret may have. */
export const MIN_SECRET_ENTROPY_BITS = 64;
/** Only this many leading characters (bytes, for the published-secret search) are judged: a longer secret by its start. */
const JUDGED_PREFIX = 1024;
/** A repeat of an earlier part at least this long adds no entropy. */
const MIN_REPEAT = 4;

const GENERATE = 'generate one (openssl rand -base64 48)';

/** Whether some run of MIN_CLIENT_SECRET_BYTES..MAX_PUBLISHED_SECRET_BYTES bytes of `secret` is a listed secret. */
function containsPublishedSecret(secret: string): boolean {
  const bytes = Buffer.from(secret, 'utf8').subarray(0, JUDGED_PREFIX);
  for (let len = MIN_CLIENT_SECRET_BYTES; len <= Math.min(MAX_PUBLISHED_SECRET_BYTES, bytes.length); len++)
    for (let at = 0; at + len <= bytes.length; at++)
      if (KNOWN_DEV_SECRET_SHA256.has(hash('sha256', bytes.subarray(at, at + len), 'hex'))) return true;
  return false;
}

/** Length of the longest earlier match (it may overlap `i`) of the text starting at `i`. */
function longestEarlierMatch(chars: readonly string[], i: number): number {
  let best = 0;
  for (let j = 0; j < i; j++) {
    let k = 0;
    while (i + k < chars.length && chars[j + k] === chars[i + k]) k++;
    if (k > best) best = k;
  }
  return best;
}

/**
 * A conservative estimate of the entropy of `secret`, in bits: the characters left after dropping
 * repeats of earlier parts (4+ characters: `passwordpassword`) and runs that continue a step
 * (`aaaa`, `abcd`, `1357`), times the Shannon entropy of their distribution (few distinct
 * characters score low). Random material scores near its real entropy (32 random hex digits:
 * about 110; 32 random bytes in base64: about 200); it cannot see dictionary words.
 */
export function estimatedSecretEntropyBits(secret: string): number {
  const chars = Array.from(secret).slice(0, JUDGED_PREFIX);
  const counts = new Map<string, number>();
  let novel = 0;
  for (let i = 0; i < chars.length;) {
    const repeat = longestEarlierMatch(chars, i);
    if (repeat >= MIN_REPEAT) {
      i += repeat;
      continue;
    }
    const step = (a: number, b: number) => chars[a]!.codePointAt(0)! - chars[b]!.codePointAt(0)!;
    if (i < 2 || step(i, i - 1) !== step(i - 1, i - 2)) {
      counts.set(chars[i]!, (counts.get(chars[i]!) ?? 0) + 1);
      novel++;
    }
    i++;
  }
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / novel) * Math.log2(n / novel);
  return novel * perChar;
}

/** Why `secret` may not be used in production, or undefined when it may. Never includes the secret. */
export function productionSecretProblem(secret: string): string | undefined {
  if (Buffer.byteLength(secret, 'utf8') < MIN_CLIENT_SECRET_BYTES) return `must be at least ${MIN_CLIENT_SECRET_BYTES} bytes`;
  if (KNOWN_DEV_SECRET_SHA256.has(secretSha256(secret))) return `is a development secret published in the Baton repository; ${GENERATE}`;
  if (containsPublishedSecret(secret)) return `contains a development secret published in the Baton repository; ${GENERATE}`;
  if (estimatedSecretEntropyBits(secret) < MIN_SECRET_ENTROPY_BITS)
    return (
      `is too predictable: it needs at least ${MIN_SECRET_ENTROPY_BITS} bits of estimated entropy ` +
      `(random material, not repeats, runs like abcd or 1234, or a few characters); ${GENERATE}`
    );
  return undefined;
}
