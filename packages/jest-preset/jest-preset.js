// Shared jest preset: TypeScript through SWC (transpile only; `tsc --noEmit` checks types),
// CommonJS output so jest needs no experimental VM modules, and workspace packages
// mapped to their sources so a unit test never depends on a stale build.
const path = require('node:path');

const packagesDir = path.join(__dirname, '..');
const appsDir = path.join(__dirname, '..', '..', 'apps');

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
    '^@baton/(errors|service|auth|runnable-server|remote|agent-host|agent-kit|testkit)$': `${packagesDir}/$1/src/index.ts`,
    '^@baton/(errors|service|auth|runnable-server|remote|agent-host|agent-kit|testkit)/([a-z-]+)$': `${packagesDir}/$1/src/$2.ts`,
    '^@baton/(issuer|agent-research|agent-writer|agent-reviewer|workflow)/([a-z-]+)$': `${appsDir}/$1/src/$2.ts`,
  },
  testMatch: ['**/?(*.)test.ts'],
  // jwks-rsa 4 loads jose 6, which is ESM-only: let SWC turn it into CommonJS like our sources.
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/jose@|jose/)'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
