// The tools some test suites need beyond Node (under CI=true they fail without them; elsewhere
// they skip): what `npm run setup` checks for, and the one install command it prints. Only
// `.ci/run` installs them (apt-get); setup never does.
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

export const TEST_TOOLS = Object.freeze([
  {
    tool: 'kubectl',
    debian: 'kubernetes-client',
    why: '`kubectl kustomize` renders deploy/k8s (packages/e2e/test/k8s.test.ts)',
    found: ({ onPath }) => onPath('kubectl') || onPath('kustomize'),
  },
  {
    tool: 'nginx',
    debian: 'nginx-light',
    why: 'checks and runs deploy/compose/nginx.conf (packages/e2e/test/compose-scale.test.ts)',
    found: ({ onPath, exists }) => onPath('nginx') || exists('/usr/sbin/nginx'),
  },
  {
    tool: 'chromium',
    debian: 'chromium',
    why: 'reads a workflow stream in a real browser, at /usr/bin/chromium (packages/e2e/test/browser-sse.test.ts)',
    found: ({ exists }) => exists('/usr/bin/chromium'),
  },
]);

/** Whether an executable named `name` is in one of PATH's directories. */
function onPathOf(pathEnv) {
  const dirs = (pathEnv ?? '').split(path.delimiter).filter(Boolean);
  return (name) =>
    dirs.some((dir) => {
      try {
        accessSync(path.join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** The TEST_TOOLS this machine lacks. */
export function missingTestTools({ pathEnv = process.env.PATH, exists = existsSync } = {}) {
  const probe = { onPath: onPathOf(pathEnv), exists };
  return TEST_TOOLS.filter((t) => !t.found(probe));
}

/** What to tell the user about `missing`: which suites skip and the exact command that installs the tools (Debian/Ubuntu). */
export function testToolsReport(missing, { root = process.getuid?.() === 0 } = {}) {
  if (missing.length === 0) return 'setup: every tool the test suites need is installed (kubectl, nginx, chromium)\n';
  const width = Math.max(...missing.map((t) => t.tool.length));
  return [
    `setup: ${missing.length} test suite(s) will be skipped (failed under CI=true) without:`,
    ...missing.map((t) => `  ${t.tool.padEnd(width)}  ${t.why}`),
    'Install them (Debian/Ubuntu; .ci/run does this on CI):',
    `  ${root ? '' : 'sudo '}apt-get install -y ${missing.map((t) => t.debian).join(' ')}`,
    '',
  ].join('\n');
}
