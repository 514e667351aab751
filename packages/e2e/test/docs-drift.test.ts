// The generated references follow the code: docs/CONFIG.md (every service's and the launcher's
// variables) and docs/ERRORS.md (every error code: the core registry and each package's or app's
// own) are what `pnpm run config-docs` writes from the built packages and apps.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('generated references', () => {
  it('docs/CONFIG.md and docs/ERRORS.md are what `pnpm run config-docs` generates (run it after changing a variable or a code)', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/config-docs.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
