// docker-compose.yml and the Dockerfile, checked against the apps they claim to run: no Docker
// engine runs here, so the files are parsed and compared with each app's own config schema.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { envSchema as IssuerConfig } from '@baton/issuer/config';
import { configSchema as ResearchConfig } from '@baton/agent-research/config';
import { configSchema as WriterConfig } from '@baton/agent-writer/config';
import { configSchema as ReviewerConfig } from '@baton/agent-reviewer/config';
import { configSchema as WorkflowConfig } from '@baton/workflow/config';
import { ROOT } from './stack.js';

type Service = {
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
};

const compose = YAML.parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const schemas: Record<string, z.ZodObject> = {
  issuer: IssuerConfig as z.ZodObject,
  'agent-research': ResearchConfig as z.ZodObject,
  'agent-writer': WriterConfig as z.ZodObject,
  'agent-reviewer': ReviewerConfig as z.ZodObject,
  workflow: WorkflowConfig as z.ZodObject,
};
const defaultPorts: Record<string, number> = {
  workflow: 3000,
  'agent-research': 3001,
  'agent-writer': 3002,
  'agent-reviewer': 3003,
  issuer: 4000,
};

/** `${VAR:-default}` → default, as compose does when VAR is unset. */
const substitute = (v: unknown) => String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const env = (svc: Service) => Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, substitute(v)]));
const appOf = (svc: Service) => svc.build!.args.APP!;

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('runs exactly the five apps, each built from this repo by the one Dockerfile', () => {
    expect(services.map(([, s]) => appOf(s)).sort()).toEqual(Object.keys(schemas).sort());
    for (const [, svc] of services) {
      expect(svc.build!.context).toBe('.');
      expect(existsSync(path.join(ROOT, svc.build!.dockerfile))).toBe(true);
      const pkg = JSON.parse(readFileSync(path.join(ROOT, 'apps', appOf(svc), 'package.json'), 'utf8'));
      expect(pkg.name).toBe(`@baton/${appOf(svc)}`);
      expect(pkg.scripts.start).toBe('node dist/main.js');
    }
  });

  it.each(Object.keys(schemas))('gives %s only variables its config declares, and a valid config', (app) => {
    const [, svc] = services.find(([, s]) => appOf(s) === app)!;
    const schema = schemas[app]!;
    const declared = Object.keys(schema.shape);
    for (const key of Object.keys(svc.environment ?? {})) expect(declared).toContain(key);
    const parsed = schema.safeParse(env(svc));
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))).toEqual([]);
  });

  it.each(Object.keys(schemas))('publishes %s on its default port and health-checks /healthz there', (app) => {
    const [, svc] = services.find(([, s]) => appOf(s) === app)!;
    const port = defaultPorts[app]!;
    expect(env(svc).PORT).toBe(String(port));
    expect(env(svc).HOST).toBe('0.0.0.0');
    expect(svc.ports!.map(substitute)).toEqual([`127.0.0.1:${port}:${port}`]); // loopback unless BATON_PUBLISH_HOST says otherwise
    expect(svc.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${port}/healthz`);
  });

  it('points the workflow at the agents and the issuer by service name and port, and waits for them healthy', () => {
    const [, wf] = services.find(([, s]) => appOf(s) === 'workflow')!;
    const byApp = Object.fromEntries(services.map(([name, s]) => [appOf(s), name]));
    const e = env(wf);
    expect(e.RESEARCH_URL).toBe(`http://${byApp['agent-research']}:3001/research`);
    expect(e.WRITER_URL).toBe(`http://${byApp['agent-writer']}:3002/writer`);
    expect(e.REVIEWER_URL).toBe(`http://${byApp['agent-reviewer']}:3003/reviewer`);
    expect(e.ISSUER_URL).toBe(`http://${byApp.issuer}:4000`);
    for (const app of ['issuer', 'agent-research', 'agent-writer', 'agent-reviewer']) {
      expect(wf.depends_on?.[byApp[app]!]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('has every service verify tokens against the same issuer name', () => {
    const issuers = new Set(services.map(([, s]) => env(s).ISSUER_URL));
    expect([...issuers]).toEqual(['http://issuer:4000']);
  });
});

describe('docker-compose.mtls.yml (mutual TLS override)', () => {
  const override = YAML.parse(readFileSync(path.join(ROOT, 'docker-compose.mtls.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service & { volumes?: string[] }>;
  };
  const base = compose.services as Record<string, Service & { volumes?: string[] }>;
  /** The environment compose runs a service with: the base file's, overridden key by key. */
  const merged = (name: string) => ({ ...env(base[name]!), ...env(override.services[name] ?? {}) });
  const names = Object.keys(base);
  const appName = (name: string) => appOf(base[name]!);

  it('overrides only services of the base file, all five', () => {
    expect(Object.keys(override.services).sort()).toEqual(names.sort());
  });

  it.each(Object.keys(schemas))(
    'gives %s only declared variables, a valid config, and its own certificate from the read-only /certs mount',
    (app) => {
      const name = names.find((n) => appName(n) === app)!;
      const schema = schemas[app]!;
      const declared = Object.keys(schema.shape);
      for (const key of Object.keys(override.services[name]!.environment ?? {})) expect(declared).toContain(key);
      const e = merged(name);
      const parsed = schema.safeParse(e);
      expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))).toEqual([]);
      // the certificate names `pnpm run certs` writes (one per app, the app's own identity)
      expect(e).toMatchObject({ TLS_CERT_FILE: `/certs/${app}.pem`, TLS_KEY_FILE: `/certs/${app}-key.pem`, TLS_CA_FILE: '/certs/ca.pem' });
      expect(override.services[name]!.volumes).toContain('./certs:/certs:ro');
    },
  );

  it.each(Object.keys(schemas))('health-checks %s over HTTPS with the dev CA and its certificate', (app) => {
    const name = names.find((n) => appName(n) === app)!;
    const test = override.services[name]!.healthcheck!.test.join(' ');
    expect(test).toContain("require('https')");
    expect(test).toContain(`port:${defaultPorts[app]},path:'/healthz'`);
    expect(test).toContain(`/certs/${app}.pem`);
    expect(test).toContain('/certs/ca.pem');
  });

  it('points everything at https: the issuer name in tokens, the JWKS, the token endpoint and the agents', () => {
    for (const name of names) {
      expect(merged(name).ISSUER_URL).toBe('https://issuer:4000');
      if (appName(name) !== 'issuer') expect(merged(name).JWKS_URI).toBe('https://issuer:4000/.well-known/jwks.json');
    }
    const wf = merged(names.find((n) => appName(n) === 'workflow')!);
    const byApp = Object.fromEntries(names.map((n) => [appName(n), n]));
    expect(wf.TOKEN_ENDPOINT).toBe('https://issuer:4000/oauth/token');
    expect(wf.RESEARCH_URL).toBe(`https://${byApp['agent-research']}:3001/research`);
    expect(wf.WRITER_URL).toBe(`https://${byApp['agent-writer']}:3002/writer`);
    expect(wf.REVIEWER_URL).toBe(`https://${byApp['agent-reviewer']}:3003/reviewer`);
  });

  it('uses service names that `pnpm run certs` puts in each certificate (DNS SAN), beside its one SPIFFE URI SAN', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-compose-certs-'));
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/certs.mjs'), '--dir', dir], { stdio: 'ignore' });
      for (const name of names) {
        const san = new X509Certificate(readFileSync(path.join(dir, `${appName(name)}.pem`))).subjectAltName!;
        expect(san.split(', ')).toContain(`DNS:${name}`);
        expect(san.split(', ').filter((e) => e.startsWith('URI:'))).toEqual([`URI:spiffe://baton.local/${appName(name)}`]);
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
    // outside compose (no PORT set) the probe still finds the app's own default port
    for (const [app, port] of Object.entries(defaultPorts)) expect(runner).toMatch(new RegExp(`'?${app}'?: ${port}\\b`));
    expect(runner).toMatch(/--prod|COPY --from=builder/);
  });

  it('uses the Node major the project runs on', () => {
    expect(dockerfile).toMatch(/node:20\.\d+\.\d+-bookworm-slim/);
    expect(rootPkg.engines.node).toMatch(/^>=20/);
  });
});
