#!/usr/bin/env node
// pnpm run certs [--dir certs] [--force]
// Makes the development CA and one certificate per service for mutual TLS (MTLS=1 pnpm start,
// docker-compose.mtls.yml): certs/ca.pem (+ ca-key.pem), certs/<service>.pem and
// certs/<service>-key.pem (keys 0600), each leaf's identity the single URI SAN
// spiffe://baton.local/<service>. Existing files are kept unless --force. certs/ is git-ignored.
// The logic is @baton/mtls's dev-certs module (pure JS, @peculiar/x509 on WebCrypto: no openssl);
// the services, their SPIFFE ids and DNS names come from @baton/contract's topology.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: pnpm run certs [--dir DIR] [--force]';

function fail(message) {
  process.stderr.write(`certs: ${message}\n`);
  process.exit(1);
}

/** Loads the compiled dev-certs module of @baton/mtls (built by `pnpm build` / `pnpm start`). */
export async function loadDevCerts() {
  const file = path.join(root, 'packages/mtls/dist/dev-certs.js');
  if (!existsSync(file)) fail(`${path.relative(root, file)} is missing: build first (pnpm build)`);
  return import(pathToFileURL(file).href);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  let dir = process.env.BATON_CERTS_DIR ?? path.join(root, 'certs');
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--force') force = true;
    else if (a === '--dir') {
      const v = args[++i];
      if (!v) fail(`--dir needs a value\n${USAGE}`);
      dir = path.resolve(v);
    } else if (a.startsWith('--dir=')) dir = path.resolve(a.slice(6));
    else if (a === '-h' || a === '--help') {
      process.stderr.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${a}\n${USAGE}`);
  }
  const { writeDevCerts, DEV_CERT_SERVICES } = await loadDevCerts();
  const { written } = await writeDevCerts({ dir, force });
  if (written.length === 0) process.stderr.write(`certs: ${dir} already has the CA and every service certificate (--force to remake)\n`);
  else process.stderr.write(`certs: wrote ${written.length} files to ${dir} (CA + ${Object.keys(DEV_CERT_SERVICES).join(', ')})\n`);
}
