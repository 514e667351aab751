// Shared jest preset: TypeScript through SWC (transpile only; `tsc --noEmit` checks types),
// CommonJS output so jest needs no experimental VM modules, and workspace packages
// mapped to their sources so a unit test never depends on a stale build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

/** The workspace folders pnpm-workspace.yaml lists as `- <dir>/*` (apps, packages). */
function workspaceGroups() {
  const yaml = fs.readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const groups = yaml
    .split('\n')
    .map((line) => line.trim().replace(/^- /, '').replace(/['"]/g, ''))
    .filter((entry) => entry.endsWith('/*') && !entry.includes(' '))
    .map((entry) => entry.slice(0, -2));
  return groups.length > 0 ? groups : ['apps', 'packages'];
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `./dist/x.js` (or `.d.ts`, or a `*` pattern) → `src/x.ts`, or undefined when that source is absent. */
function sourceOf(dir, target) {
  const m = /^\.\/dist\/(.+?)(\.d\.ts|\.js)$/.exec(target ?? '');
  if (!m) return undefined;
  const rel = `src/${m[1]}.ts`;
  return rel.includes('*') || fs.existsSync(path.join(dir, rel)) ? path.join(dir, rel) : undefined;
}

const targetOf = (entry) =>
  typeof entry === 'string'
    ? entry
    : entry && typeof entry === 'object'
      ? (entry.default ?? entry.import ?? entry.require ?? entry.types)
      : undefined;

/** `exports` as a subpath map (`{".": …}`); a bare string or top-level conditions are the `.` entry; else `main`. */
function exportsOf(pkg) {
  const { exports } = pkg;
  if (exports === undefined || exports === null) return pkg.main ? { '.': `./${pkg.main}` } : {};
  if (typeof exports === 'string' || !Object.keys(exports).some((k) => k.startsWith('.'))) return { '.': exports };
  return exports;
}

/**
 * Every workspace package's exports, each mapped to the source file its build compiles to
 * `dist/`: `@baton/auth` → `packages/auth/src/index.ts`, `@baton/auth/express` →
 * `packages/auth/src/express.ts`. A new package under apps/ or packages/ is mapped as soon as
 * its package.json declares `exports`; apps export nothing, so nothing of theirs is mapped.
 */
function workspaceMapper() {
  const mapper = {};
  for (const group of workspaceGroups()) {
    const groupDir = path.join(root, group);
    if (!fs.existsSync(groupDir)) continue;
    for (const name of fs.readdirSync(groupDir).sort()) {
      const dir = path.join(groupDir, name);
      const manifest = path.join(dir, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      for (const [subpath, entry] of Object.entries(exportsOf(pkg))) {
        const source = sourceOf(dir, targetOf(entry));
        if (!source) continue;
        const request = `${pkg.name}${subpath.slice(1)}`;
        mapper[`^${escape(request).replace('\\*', '(.+)')}$`] = source.replace('*', '$1');
      }
    }
  }
  return mapper;
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      require.resolve('@swc/jest'),
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    ...workspaceMapper(),
  },
  testMatch: ['**/?(*.)test.ts'],
  // jwks-rsa 4 loads jose 6, which is ESM-only: let SWC turn it into CommonJS like our sources.
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/jose@|jose/)'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
