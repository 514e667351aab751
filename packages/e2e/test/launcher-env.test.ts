// The launcher's own variables have a schema (@baton/contract's launcherEnvSchema): validated once,
// before anything starts; a wrong one stops `pnpm start` with exit 1 naming it, never its value.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('pnpm start with a wrong launcher variable', () => {
  it('exits 1 before starting anything, naming each wrong variable by the one duration rule and never its value', () => {
    const run = start({ BATON_RESTART_BACKOFF_MS: 'soon-hunter2', AGENT_AUTH_MODE: 'none-hunter2', MTLS: 'maybe-hunter2' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(''); // no service was started, no launcher log line
    expect(run.stderr).toBe(
      [
        'launcher: invalid configuration (values not shown):',
        '  AGENT_AUTH_MODE: Invalid option: expected one of "exchange"|"passthrough"',
        "  MTLS: must be one of '1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'",
        '  BATON_RESTART_BACKOFF_MS: must be a duration: a whole number of ms, or a number with a unit (250ms, 30s, 10m, 1h, 30d), at least 1ms',
        '',
      ].join('\n'),
    );
  });
});

function token(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, 'scripts/token.mjs'), 'alice'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('pnpm run token reads the launcher variables it shares with pnpm start through the same schema', () => {
  it('refuses a wrong MTLS or ISSUER_PORT with exit 1, naming each by the rule pnpm start uses and never its value', () => {
    const run = token({ MTLS: 'maybe-hunter2', ISSUER_PORT: '99999' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      [
        'token: invalid configuration (values not shown):',
        '  ISSUER_PORT: must be an integer port 0-65535',
        "  MTLS: must be one of '1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'",
        '',
      ].join('\n'),
    );
  });

  it("takes MTLS as pnpm start does (' YES ' is on: https) and ISSUER_PORT as the issuer's port", () => {
    // Port 1 on loopback: nothing listens, so the message names the URL it tried.
    const run = token({ MTLS: ' YES ', ISSUER_PORT: '1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^token: cannot reach the issuer at https:\/\/127\.0\.0\.1:1 /);
  });
});
