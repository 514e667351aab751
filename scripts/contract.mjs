// The built @baton/contract (packages/contract/dist) for the scripts: the topology (names, ports,
// paths, audiences, scopes, SPIFFE ids) they would otherwise spell out again, and the launcher's
// environment schema they read their variables through.
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

/**
 * The variables of `schema` (`launcherEnvSchema`, or a `.pick` of it) from `env`, parsed by the
 * contract's rules (an empty value is unset). A wrong one exits 1 naming each, never its value;
 * `who` starts the message (`launcher`, `token`).
 */
export function parseLauncherEnv(schema, who, env = process.env) {
  const set = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== '' && k in schema.shape));
  const result = schema.safeParse(set);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`).join('\n');
  process.stderr.write(`${who}: invalid configuration (values not shown):\n${lines}\n`);
  process.exit(1);
}
