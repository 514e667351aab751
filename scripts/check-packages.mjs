#!/usr/bin/env node
// `pnpm run check-packages`: every publishable workspace package (every package.json under the
// pnpm-workspace.yaml globs whose `private` is not true: a package added later is checked too) is
// checked as a stranger would receive it:
//   1. its manifest: license, description, repository, files, engines, version; the shared
//      singletons (@langchain/core, @langchain/langgraph, express) and heavy/native pieces
//      (better-sqlite3, pg, ...) are peer dependencies, the heavy ones optional; every workspace
//      package it depends on is publishable too; it re-declares its dependencies' required peers;
//   2. `pnpm pack`: the tarball carries no `workspace:` range, is not private, holds LICENSE;
//   3. publint (no errors) and `attw --profile esm-only` (no problems) on that tarball;
//   4. `npm install` of all the tarballs into a fresh project under the system temp folder (outside
//      the repository): no heavy/native optional peer is installed, every `exports` entry imports
//      in plain Node, every `bin` is linked and starts with a shebang.
// Exits 1 naming every problem. `--keep` keeps the temp folder; `--skip-build` trusts dist/;
// `--manifests-only` stops after step 1; `--root=<dir>` checks another workspace (tests);
// `--pack-destination=<dir>` packs into (and keeps) that folder, so `pnpm run example
// --tarballs=<dir>` installs the same tarballs (.ci/run). Discovery, build, pack and the npm
// install are scripts/packages.mjs's, shared with scripts/example.mjs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEP_FIELDS,
  HEAVY_PEERS,
  SINGLETON_PEERS,
  buildPackages,
  discoverPackages as discoverIn,
  isOptionalPeer,
  npmInstall,
  packAll,
  run,
  workspaceVersion,
} from './packages.mjs';

const args = new Set(process.argv.slice(2));
const rootArg = [...args].find((a) => a.startsWith('--root='));
const root = rootArg ? path.resolve(rootArg.slice('--root='.length)) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const destArg = [...args].find((a) => a.startsWith('--pack-destination='));

export { HEAVY_PEERS, SINGLETON_PEERS };

/** Workspace packages from pnpm-workspace.yaml's `packages:` globs (`dir/*` or a plain dir). */
export const discoverPackages = (dir = root) => discoverIn(dir);

/** Manifest problems of one publishable package (strings), given the whole workspace. */
export function manifestProblems({ dir, manifest: m }, all) {
  const out = [];
  const byName = new Map(all.map((p) => [p.manifest.name, p.manifest]));
  for (const field of ['version', 'description', 'license', 'files']) if (!m[field]) out.push(`no "${field}"`);
  if (!m.repository?.url) out.push('no "repository" ({type, url, directory})');
  else if (m.repository.directory !== path.relative(root, dir))
    out.push(`repository.directory is ${m.repository.directory}, want ${path.relative(root, dir)}`);
  if (!m.engines?.node) out.push('no "engines.node"');
  const license = path.join(dir, 'LICENSE');
  if (!existsSync(license)) out.push('no LICENSE file in the package folder');
  else if (readFileSync(license, 'utf8') !== readFileSync(path.join(root, 'LICENSE'), 'utf8'))
    out.push('LICENSE differs from the repository root LICENSE');
  const isLibrary = m.exports !== undefined && Object.keys(m.exports).length > 0;
  if (!isLibrary && !m.bin) out.push('neither "exports" nor "bin": nothing to install it for');
  for (const dep of SINGLETON_PEERS) {
    if (isLibrary && m.dependencies?.[dep]) out.push(`"${dep}" is a dependency: make it a peer dependency`);
  }
  for (const dep of HEAVY_PEERS) {
    if (m.dependencies?.[dep] || m.optionalDependencies?.[dep])
      out.push(`"${dep}" would be installed with the package: make it an optional peer dependency`);
    if (m.peerDependencies?.[dep] && !isOptionalPeer(m, dep)) out.push(`peer "${dep}" is not optional`);
  }
  for (const field of DEP_FIELDS) {
    for (const dep of Object.keys(m[field] ?? {})) {
      const ws = byName.get(dep);
      if (!ws) continue;
      if (ws.private === true) out.push(`${field} "${dep}" is private: it cannot be installed`);
      if (field !== 'dependencies') continue;
      for (const peer of Object.keys(ws.peerDependencies ?? {})) {
        if (isOptionalPeer(ws, peer) || m.peerDependencies?.[peer] || m.dependencies?.[peer]) continue;
        out.push(`depends on ${dep}, which needs peer "${peer}": declare it as a peer (or dependency) too`);
      }
    }
  }
  return out;
}

/** Problems of the packed tarball itself: its package.json and file list. */
function tarballProblems(tarball, manifest) {
  const out = [];
  const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']).stdout);
  if (packed.private === true) out.push('the packed package.json is private');
  for (const field of [...DEP_FIELDS, 'devDependencies']) {
    for (const [dep, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith('workspace:')) out.push(`tarball ${field} "${dep}": "${range}"`);
    }
  }
  const files = run('tar', ['-tzf', tarball]).stdout.split('\n');
  if (!files.includes('package/LICENSE')) out.push('tarball has no LICENSE');
  for (const [name, rel] of Object.entries(binsOf(manifest))) {
    const file = `package/${path.posix.normalize(rel)}`;
    if (!files.includes(file)) out.push(`bin "${name}" (${rel}) is not in the tarball`);
    else if (!run('tar', ['-xzOf', tarball, file]).stdout.startsWith('#!/usr/bin/env node'))
      out.push(`bin "${name}" (${rel}) does not start with #!/usr/bin/env node`);
  }
  return out;
}

function binsOf(m) {
  if (!m.bin) return {};
  return typeof m.bin === 'string' ? { [m.name.split('/').pop()]: m.bin } : m.bin;
}

async function publintProblems(tarball) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const buf = readFileSync(tarball);
  const tar = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: tar }, level: 'warning' });
  for (const w of messages.filter((x) => x.type !== 'error')) console.log(`    publint ${w.type}: ${formatMessage(w, pkg)}`);
  return messages.filter((x) => x.type === 'error').map((e) => `publint: ${formatMessage(e, pkg)}`);
}

function attwProblems(tarball, manifest) {
  if (!manifest.exports || Object.keys(manifest.exports).length === 0) return []; // bin only: no types to check
  const r = run('pnpm', ['exec', 'attw', '--profile', 'esm-only', '--format', 'ascii', tarball], { cwd: root });
  return r.status === 0 ? [] : [`attw --profile esm-only:\n${r.out.trim()}`];
}

/** The specifiers a consumer can import: the package's `exports` keys, wildcards and JSON left out. */
export function entryPoints(m) {
  if (!m.exports) return m.main ? [m.name] : [];
  if (typeof m.exports === 'string') return [m.name];
  if (Object.keys(m.exports).length === 0) return []; // `exports: {}`: nothing importable (a bin-only package)
  if (!Object.keys(m.exports).some((k) => k.startsWith('.'))) return [m.name]; // conditions only
  return Object.keys(m.exports)
    .filter((k) => !k.includes('*') && !k.endsWith('.json'))
    .map((k) => (k === '.' ? m.name : `${m.name}/${k.slice(2)}`));
}

/** A fresh npm project outside the repository with every tarball and the required peers installed. */
function installFresh(tmp, packed) {
  const project = path.join(tmp, 'project');
  mkdirSync(project);
  const peers = {};
  for (const { dir, manifest: m } of packed) {
    for (const peer of Object.keys(m.peerDependencies ?? {})) {
      if (HEAVY_PEERS.includes(peer) || packed.some((p) => p.manifest.name === peer)) continue;
      if (!isOptionalPeer(m, peer) || SINGLETON_PEERS.includes(peer)) peers[peer] ??= workspaceVersion(dir, peer);
    }
  }
  const own = Object.fromEntries(packed.map(({ manifest }) => [manifest.name, manifest.version]));
  console.log(`npm install in ${project}: ${packed.length} tarballs + ${Object.keys(peers).join(', ') || 'no peers'}`);
  npmInstall(project, { name: 'baton-outside', private: true, type: 'module', dependencies: { ...own, ...peers } }, packed);
  return project;
}

/** Bins that are started for real outside the repository: name → script run in the fresh project. */
const BIN_SMOKES = { 'baton-issuer': 'check-packages-issuer.mjs' };

function binSmoke(project, name) {
  const script = path.join(project, BIN_SMOKES[name]);
  writeFileSync(script, readFileSync(path.join(root, 'scripts', BIN_SMOKES[name])));
  const r = run(process.execPath, [script], { cwd: project, timeout: 90_000 });
  if (r.status !== 0) return [`bin "${name}" smoke (${BIN_SMOKES[name]}) failed:\n${r.out.trim()}`];
  console.log(`  ${r.out.trim()}`);
  return [];
}

/** Imports every entry point in plain Node in the fresh project; checks heavy peers and bins. */
function consumerProblems(project, packed) {
  const out = [];
  for (const heavy of HEAVY_PEERS) {
    if (existsSync(path.join(project, 'node_modules', heavy)))
      out.push(`npm install of the libraries installed "${heavy}": it must be an optional peer, loaded lazily`);
  }
  const specs = packed.flatMap(({ manifest }) => entryPoints(manifest));
  const probe = path.join(project, 'import-all.mjs');
  writeFileSync(
    probe,
    `const failed = [];\nfor (const s of ${JSON.stringify(specs)}) {\n` +
      `  try { await import(s); } catch (e) { failed.push(s + ': ' + (e?.stack ?? e)); }\n}\n` +
      `if (failed.length) { console.error(failed.join('\\n')); process.exit(1); }\n` +
      `console.log('imported ' + ${specs.length} + ' entry points');\n`,
  );
  const r = run(process.execPath, [probe], { cwd: project, env: { PATH: process.env.PATH, HOME: os.tmpdir() } });
  if (r.status !== 0) out.push(`import in plain Node failed:\n${r.out.trim()}`);
  else console.log(`  ${r.out.trim()}: ${specs.join(', ')}`);
  for (const { manifest } of packed) {
    for (const name of Object.keys(binsOf(manifest))) {
      if (!existsSync(path.join(project, 'node_modules', '.bin', name))) out.push(`bin "${name}" not linked after npm install`);
      else if (BIN_SMOKES[name]) out.push(...binSmoke(project, name));
    }
  }
  return out;
}

function build(publishable) {
  if (!args.has('--skip-build')) buildPackages(root, publishable);
}

/** The tarballs' folder: `--pack-destination=<dir>` (kept, e.g. for `pnpm run example --tarballs=<dir>`), else one in `tmp`. */
function tarballDir(tmp) {
  const dir = destArg ? path.resolve(destArg.slice('--pack-destination='.length)) : path.join(tmp, 'tarballs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function main() {
  const all = discoverPackages();
  const publishable = all.filter((p) => p.manifest.private !== true);
  if (publishable.length === 0) throw new Error('no publishable package found (every package is private)');
  console.log(`publishable: ${publishable.map((p) => p.manifest.name).join(', ')}`);
  const problems = [];
  const note = (name, list) => list.forEach((p) => problems.push(`${name}: ${p}`));
  for (const p of publishable) note(p.manifest.name, manifestProblems(p, all));
  if (args.has('--manifests-only')) return report(problems, publishable, 'manifests checked');
  build(publishable);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'baton-packages-'));
  try {
    const packed = packAll(publishable, tarballDir(tmp));
    for (const p of packed) {
      console.log(`- ${p.manifest.name}: ${path.basename(p.tarball)}`);
      note(p.manifest.name, tarballProblems(p.tarball, p.manifest));
      note(p.manifest.name, await publintProblems(p.tarball));
      note(p.manifest.name, attwProblems(p.tarball, p.manifest));
    }
    note('outside the repository', consumerProblems(installFresh(tmp, packed), packed));
  } finally {
    if (args.has('--keep')) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  report(problems, publishable, 'publishable, packed, linted and imported outside the repository');
}

function report(problems, publishable, what) {
  if (problems.length > 0) {
    console.error(`\ncheck-packages: ${problems.length} problem(s)\n${problems.map((p) => `  ✗ ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`\ncheck-packages: ${publishable.length} packages ${what}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`check-packages: ${e.message}`);
    process.exit(1);
  });
}
