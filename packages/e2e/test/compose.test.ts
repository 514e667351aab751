// docker-compose.yml and the Dockerfile, checked against the topology and the environment schemas
// of @baton/contract: no Docker engine runs here, so the files are parsed and compared with them.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TOPOLOGY } from '@baton/contract';
import { appOf, composeName, mtlsIssues, readCompose, serviceIssues, workflowIssues } from './compose-checks.js';
import { ROOT } from './stack.js';

const compose = readCompose(path.join(ROOT, 'docker-compose.yml'));
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const apps = TOPOLOGY.services.map((s) => s.name);

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('runs exactly the five apps, each built from this repo by the one Dockerfile', () => {
    expect(services.map(([, s]) => appOf(s)).sort()).toEqual([...apps].sort());
    for (const [, svc] of services) {
      expect(svc.build!.context).toBe('.');
      expect(existsSync(path.join(ROOT, svc.build!.dockerfile))).toBe(true);
      const pkg = JSON.parse(readFileSync(path.join(ROOT, 'apps', appOf(svc)!, 'package.json'), 'utf8'));
      expect(pkg.name).toBe(`@baton/${appOf(svc)}`);
      expect(pkg.scripts.start).toBe('node dist/main.js');
    }
  });

  it.each(apps)(
    'gives %s only variables its config declares, a valid config, its default port, a /healthz check there and the issuer by name',
    (app) => {
      expect(serviceIssues(compose, TOPOLOGY, app)).toEqual([]);
    },
  );

  it('points the workflow at the agents and the issuer by service name and port, and waits for them healthy', () => {
    expect(workflowIssues(compose, TOPOLOGY)).toEqual([]);
  });
});

describe('docker-compose.mtls.yml (mutual TLS override)', () => {
  const override = readCompose(path.join(ROOT, 'docker-compose.mtls.yml'));
  const names = Object.keys(compose.services);

  it('overrides only services of the base file, all five', () => {
    expect(Object.keys(override.services).sort()).toEqual([...names].sort());
  });

  it.each(apps)(
    'gives %s only declared variables, a valid config, its own certificate from the read-only /certs mount, https URLs and an HTTPS healthcheck',
    (app) => {
      expect(mtlsIssues(compose, override, TOPOLOGY, app)).toEqual([]);
    },
  );

  it('uses service names that `pnpm run certs` puts in each certificate (DNS SAN), beside its one SPIFFE URI SAN', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-compose-certs-'));
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/certs.mjs'), '--dir', dir], { stdio: 'ignore' });
      for (const app of apps) {
        const san = new X509Certificate(readFileSync(path.join(dir, `${app}.pem`))).subjectAltName!;
        expect(san.split(', ')).toContain(`DNS:${composeName(compose, app)}`);
        expect(san.split(', ').filter((e) => e.startsWith('URI:'))).toEqual([`URI:spiffe://baton.local/${app}`]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const rootPkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  it('builds a pruned workspace with the frozen lockfile and the pinned pnpm', () => {
    expect(dockerfile).toMatch(/turbo prune "@baton\/\$\{APP\}" --docker/);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile/);
    expect(rootPkg.packageManager).toBe('pnpm@12.4.2');
    expect(dockerfile).toContain('pnpm@12.4.2');
    expect(dockerfile).toContain(`turbo@${rootPkg.devDependencies.turbo}`);
  });

  it('runs as the unprivileged node user with an exec-form CMD and a /healthz healthcheck', () => {
    const runner = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runner).toMatch(/^USER node$/m);
    expect(runner).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(runner).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(runner).toMatch(/--prod|COPY --from=builder/);
  });

  it.each(apps)('health-checks %s on its own default port outside compose (no PORT set), and on PORT when set', (app) => {
    // Run the HEALTHCHECK's script as the image would (cwd = the app's deployed directory, BATON_APP
    // set), with fetch replaced by one that prints the URL it was asked for.
    const runner = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const cmd = JSON.parse(/^[ \t]*CMD (\["node", "-e", .*\])$/m.exec(runner.slice(runner.indexOf('HEALTHCHECK')))![1]!) as string[];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-healthcheck-'));
    const stub = path.join(dir, 'fetch-stub.mjs');
    writeFileSync(stub, 'globalThis.fetch = async (url) => { process.stdout.write(String(url)); return { ok: true }; };\n');
    const probe = (env: Record<string, string>) =>
      execFileSync(process.execPath, ['--import', stub, ...cmd.slice(1)], {
        cwd: path.join(ROOT, 'apps', app),
        env: { PATH: process.env.PATH ?? '', BATON_APP: app, ...env },
        encoding: 'utf8',
      });
    try {
      expect(probe({})).toBe(`http://127.0.0.1:${TOPOLOGY.services.find((s) => s.name === app)!.port}/healthz`);
      expect(probe({ PORT: '4321' })).toBe('http://127.0.0.1:4321/healthz');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the Node major the project runs on', () => {
    expect(dockerfile).toMatch(/node:20\.\d+\.\d+-bookworm-slim/);
    expect(rootPkg.engines.node).toMatch(/^>=20/);
  });
});
