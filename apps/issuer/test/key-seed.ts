// One RSA key pair per test file for the issuer's unit tests: generating a 2048-bit key costs
// 0.1–1 s, and every setup() opens a KeyStore in a fresh data directory, which would generate its
// own. seedKeys(dir) writes the same keys.json (mode 0600, as the store writes it) into `dir`, so
// KeyStore.open(dir) loads it instead. Tests that rotate still generate their new key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyStore } from '../src/keys.js';

let seed: string | undefined;

function seedFile(): string {
  if (seed === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-issuer-seed-'));
    try {
      seed = fs.readFileSync(KeyStore.open(dir).file, 'utf8');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return seed;
}

/** Writes this file's shared keys.json into `dir` (created if needed); returns `dir`. */
export function seedKeys(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'keys.json'), seedFile(), { mode: 0o600 });
  return dir;
}
