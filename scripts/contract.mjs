// The built @baton/contract (packages/contract/dist) for the scripts: the topology (names, ports,
// paths, audiences, scopes, SPIFFE ids) they would otherwise spell out again.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `@baton/contract`'s root entry; exits 1 with a hint when it was not built yet. */
export async function loadContract() {
  const file = path.join(root, 'packages/contract/dist/index.js');
  if (!existsSync(file)) {
    process.stderr.write(`${path.relative(root, file)} is missing: build first (pnpm build)\n`);
    process.exit(1);
  }
  return import(pathToFileURL(file).href);
}
