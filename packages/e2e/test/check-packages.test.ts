// scripts/check-packages.mjs (`pnpm run check-packages`, run by .ci/run): the publishable packages
// are found from the workspace (every package not private: one added later is checked with no
// list to edit) and their manifests are held to what a stranger installing them needs. The full
// run (pnpm pack, publint, attw, npm install outside the repository, imports, the issuer's bin)
// needs the npm registry and minutes, so it runs in .ci/run; here the manifest rules, on this
// repository and on a made-up workspace that breaks each rule.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './stack.js';

const SCRIPT = path.join(ROOT, 'scripts/check-packages.mjs');
const LIBRARIES = ['agent-host', 'auth', 'errors', 'identity', 'mtls', 'redis', 'remote', 'runnable-server', 'service'];

function run(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, '--manifests-only', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

it("finds this repository's library packages and the dev issuer publishable, and their manifests complete", () => {
  const r = run();
  expect(r.out).toContain('packages manifests checked');
  expect(r.status).toBe(0);
  const listed = /publishable: (.*)/.exec(r.out)?.[1]?.split(', ') ?? [];
  for (const name of LIBRARIES) expect(listed).toContain(`@baton/${name}`);
  expect(listed).toContain('@baton/issuer');
  for (const internal of ['e2e', 'conformance', 'testkit', 'idp-fixture', 'jest-preset', 'tsconfig', 'workflow', 'agent-writer'])
    expect(listed).not.toContain(`@baton/${internal}`);
});

describe('on a workspace that breaks the rules', () => {
  let dir: string;
  let result: { status: number | null; out: string };
  const write = (rel: string, json: object) => {
    mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), JSON.stringify(json));
  };
  const complete = (name: string, directory: string) => ({
    name,
    version: '1.0.0',
    description: 'd',
    license: 'Apache-2.0',
    repository: { type: 'git', url: 'git+https://example.com/x.git', directory },
    engines: { node: '>=20' },
    files: ['dist'],
    type: 'module',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
  });

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-check-packages-'));
    writeFileSync(path.join(dir, 'pnpm-workspace.yaml'), "packages:\n  - 'libs/*'\n  - tools/cli\n");
    copyFileSync(path.join(ROOT, 'LICENSE'), path.join(dir, 'LICENSE'));
    write('libs/good/package.json', { ...complete('@x/good', 'libs/good'), peerDependencies: { '@langchain/core': '^1' } });
    copyFileSync(path.join(ROOT, 'LICENSE'), path.join(dir, 'libs/good/LICENSE'));
    write('libs/bad/package.json', {
      name: '@x/bad',
      version: '1.0.0',
      exports: { '.': './dist/index.js' },
      dependencies: { express: '^5', 'better-sqlite3': '12', '@x/internal': 'workspace:*', '@x/good': 'workspace:*' },
      peerDependencies: { pg: '8' },
    });
    write('libs/internal/package.json', { name: '@x/internal', version: '0.0.0', private: true });
    write('tools/cli/package.json', { ...complete('@x/cli', 'tools/cli'), exports: {} });
    writeFileSync(path.join(dir, 'tools/cli/LICENSE'), 'another licence');
    result = run(`--root=${dir}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const problemsOf = (name: string) => result.out.split('\n').filter((l) => l.includes(`✗ ${name}: `));

  it('checks every package not marked private, from the workspace globs, and fails', () => {
    expect(result.out).toContain('publishable: @x/bad, @x/cli, @x/good\n');
    expect(result.status).toBe(1);
  });

  it('accepts a complete library', () => {
    expect(problemsOf('@x/good')).toEqual([]);
  });

  it('names each missing field, a singleton or heavy dependency, a private dependency and a missing peer', () => {
    const bad = problemsOf('@x/bad').join('\n');
    for (const field of ['description', 'license', 'files', 'repository', 'engines.node', 'LICENSE file']) expect(bad).toContain(field);
    expect(bad).toContain('"express" is a dependency: make it a peer dependency');
    expect(bad).toContain('"better-sqlite3" would be installed with the package: make it an optional peer dependency');
    expect(bad).toContain('peer "pg" is not optional');
    expect(bad).toContain('dependencies "@x/internal" is private: it cannot be installed');
    expect(bad).toContain('depends on @x/good, which needs peer "@langchain/core"');
  });

  it('refuses a package with nothing to install it for, and a LICENSE that is not the root one', () => {
    const cli = problemsOf('@x/cli').join('\n');
    expect(cli).toContain('neither "exports" nor "bin"');
    expect(cli).toContain('LICENSE differs from the repository root LICENSE');
  });
});
