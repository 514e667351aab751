// The workspace's publishable packages as a stranger receives them, shared by
// scripts/check-packages.mjs (`pnpm run check-packages`) and scripts/example.mjs (`pnpm run
// example`): discovered from pnpm-workspace.yaml, built with turbo, packed with `pnpm pack`, and
// installed with plain npm into a fresh project outside the repository.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Shared singletons: one copy in the user's app, so a library takes them as peers. */
export const SINGLETON_PEERS = ['@langchain/core', '@langchain/langgraph', 'express'];
/** Heavy or native: installing a library must not compile or download them unless asked. */
export const HEAVY_PEERS = ['better-sqlite3', 'pg', '@langchain/langgraph-checkpoint-sqlite', '@langchain/langgraph-checkpoint-postgres'];
export const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

export const isOptionalPeer = (m, name) => m.peerDependenciesMeta?.[name]?.optional === true;

/** Workspace packages from pnpm-workspace.yaml's `packages:` globs (`dir/*` or a plain dir). */
export function discoverPackages(dir) {
  const yaml = readFileSync(path.join(dir, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) inPackages = line.startsWith('packages:');
    const m = inPackages ? /^\s+-\s+['"]?([^'"\s]+)['"]?\s*$/.exec(line) : null;
    if (m) globs.push(m[1]);
  }
  const dirs = globs.flatMap((g) => {
    if (!g.endsWith('/*')) return [path.join(dir, g)];
    const base = path.join(dir, g.slice(0, -2));
    return existsSync(base) ? readdirSync(base).map((n) => path.join(base, n)) : [];
  });
  return dirs
    .filter((d) => existsSync(path.join(d, 'package.json')))
    .map((d) => ({ dir: d, manifest: JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) }))
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The workspace packages not marked private. */
export const publishablePackages = (root) => discoverPackages(root).filter((p) => p.manifest.private !== true);

export function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

/** `turbo run build` of these packages (and what they depend on). */
export function buildPackages(root, packages) {
  const filters = packages.map((p) => `--filter=${p.manifest.name}`);
  const r = run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) throw new Error('build failed');
}

/** The file name `pnpm pack` gives a package's tarball. */
export const tarballName = (manifest) => `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;

/** `pnpm pack` into `dest`; returns the tarball's path. */
export function pack({ dir, manifest }, dest) {
  const r = run('pnpm', ['pack', '--pack-destination', dest], { cwd: dir });
  const file = path.join(dest, tarballName(manifest));
  if (r.status !== 0 || !existsSync(file)) throw new Error(`pnpm pack failed in ${dir}:\n${r.out}`);
  return file;
}

/** Every package packed into `dest`: `[{ dir, manifest, tarball }]`. */
export const packAll = (packages, dest) => packages.map((p) => ({ ...p, tarball: pack(p, dest) }));

/** Tarballs packed earlier into `dir` (e.g. by `check-packages --pack-destination=<dir>`); throws when one is missing. */
export function packedIn(packages, dir) {
  return packages.map((p) => {
    const tarball = path.join(path.resolve(dir), tarballName(p.manifest));
    if (!existsSync(tarball)) throw new Error(`no ${tarballName(p.manifest)} in ${dir}: pack again`);
    return { ...p, tarball };
  });
}

/** The installed version of a package as the workspace resolves it from `dir`. */
export function workspaceVersion(dir, name) {
  try {
    return createRequire(path.join(dir, 'package.json'))(`${name}/package.json`).version;
  } catch {
    const own = (m) => m.devDependencies?.[name] ?? m.dependencies?.[name];
    return own(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))) ?? 'latest';
  }
}

/** `name → file:<tarball>` for every packed package: a consumer's `overrides`, so the packages' own dependencies on each other resolve to the tarballs too. */
export const tarballSpecs = (packed) => Object.fromEntries(packed.map(({ manifest, tarball }) => [manifest.name, `file:${tarball}`]));

/**
 * Writes `manifest` as `project`'s package.json, with every @baton dependency it names and
 * every transitive one (`overrides`) pointing at the tarballs, and runs `npm install` there.
 */
export function npmInstall(project, manifest, packed) {
  const specs = tarballSpecs(packed);
  const rewrite = (deps = {}) => Object.fromEntries(Object.entries(deps).map(([n, v]) => [n, specs[n] ?? v]));
  const out = { ...manifest, dependencies: rewrite(manifest.dependencies), overrides: specs };
  if (manifest.devDependencies) out.devDependencies = rewrite(manifest.devDependencies);
  writeFileSync(path.join(project, 'package.json'), `${JSON.stringify(out, null, 2)}\n`);
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
  if (r.status !== 0) throw new Error(`npm install in ${project} failed:\n${r.out}`);
}
