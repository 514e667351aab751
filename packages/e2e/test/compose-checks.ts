// The checks docker-compose.yml and docker-compose.mtls.yml must pass, written against a topology
// (`@baton/contract`): each function returns the problems it finds (empty = fine). compose.test.ts
// runs them on the real files; fourth-agent.test.ts on the files plus a stub agent.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { envSchemaOf, type AgentDefinition, type Topology } from '@baton/contract';

export interface ComposeService {
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export function readCompose(file: string): ComposeFile {
  return YAML.parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

/** `${VAR:-default}` → default, as compose does when VAR is unset. */
export const substitute = (v: unknown) => String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
export const envOf = (svc: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, substitute(v)]));
export const appOf = (svc: ComposeService) => svc.build?.args.APP;

/** The compose service name that runs `app` (a service name of the topology). */
export function composeName(compose: ComposeFile, app: string): string | undefined {
  return Object.entries(compose.services).find(([, s]) => appOf(s) === app)?.[0];
}

function expectEqual(issues: string[], what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    issues.push(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

function parseIssues(app: string, env: Record<string, string>, keys: string[], topology: Topology): string[] {
  const schema = envSchemaOf(app, topology);
  if (!schema) return [`${app} is not a service of the topology`];
  const declared = new Set(Object.keys(schema.shape));
  const issues = keys.filter((k) => !declared.has(k)).map((k) => `${app}: ${k} is not declared by its environment schema`);
  const parsed = schema.safeParse(env);
  if (!parsed.success) issues.push(...parsed.error.issues.map((i) => `${app}: ${i.path.join('.')} ${i.message}`));
  return issues;
}

/** docker-compose.yml: `app` gets only declared variables and a valid config, on its default port, health-checked there. */
export function serviceIssues(compose: ComposeFile, topology: Topology, app: string): string[] {
  const name = composeName(compose, app);
  const service = topology.services.find((s) => s.name === app);
  if (!name || !service) return [`no compose service runs ${app}`];
  const svc = compose.services[name]!;
  const env = envOf(svc);
  const issues = parseIssues(app, env, Object.keys(svc.environment ?? {}), topology);
  expectEqual(issues, `${app}: PORT`, env.PORT, String(service.port));
  expectEqual(issues, `${app}: HOST`, env.HOST, '0.0.0.0');
  // loopback unless BATON_PUBLISH_HOST says otherwise
  expectEqual(issues, `${app}: ports`, (svc.ports ?? []).map(substitute), [`127.0.0.1:${service.port}:${service.port}`]);
  if (!(svc.healthcheck?.test ?? []).join(' ').includes(`127.0.0.1:${service.port}${service.healthPath}`))
    issues.push(`${app}: healthcheck does not ask 127.0.0.1:${service.port}${service.healthPath}`);
  expectEqual(issues, `${app}: ISSUER_URL`, env.ISSUER_URL, `http://${composeName(compose, topology.issuer.name)}:${topology.issuer.port}`);
  return issues;
}

/** The agents the workflow's environment has a `<KEY>_URL` for (the ones it calls). */
export function calledAgents(topology: Topology): AgentDefinition[] {
  const declared = Object.keys(envSchemaOf(topology.workflow.name, topology)!.shape);
  return topology.agents.filter((a) => declared.includes(`${a.envPrefix}_URL`));
}

/** The workflow points at the agents it calls and at the issuer by service name and port, and waits for them healthy. */
export function workflowIssues(compose: ComposeFile, topology: Topology, scheme = 'http', env?: Record<string, string>): string[] {
  const wf = compose.services[composeName(compose, topology.workflow.name) ?? '']!;
  const e = env ?? envOf(wf);
  const issues: string[] = [];
  const issuer = topology.issuer;
  expectEqual(issues, 'workflow: ISSUER_URL', e.ISSUER_URL, `${scheme}://${composeName(compose, issuer.name)}:${issuer.port}`);
  for (const agent of calledAgents(topology)) {
    const name = composeName(compose, agent.name);
    expectEqual(issues, `workflow: ${agent.envPrefix}_URL`, e[`${agent.envPrefix}_URL`], `${scheme}://${name}:${agent.port}${agent.path}`);
  }
  if (env === undefined) {
    for (const s of [issuer, ...calledAgents(topology)])
      expectEqual(issues, `workflow: depends_on ${s.name}`, wf.depends_on?.[composeName(compose, s.name) ?? ''], {
        condition: 'service_healthy',
      });
  }
  return issues;
}

/**
 * docker-compose.mtls.yml over docker-compose.yml: `app` gets only declared variables, a valid
 * config, its own certificate from the read-only /certs mount, https URLs, and an HTTPS healthcheck
 * with the dev CA and its certificate.
 */
export function mtlsIssues(base: ComposeFile, override: ComposeFile, topology: Topology, app: string): string[] {
  const name = composeName(base, app);
  const service = topology.services.find((s) => s.name === app);
  if (!name || !service) return [`no compose service runs ${app}`];
  const over = override.services[name];
  if (!over) return [`docker-compose.mtls.yml does not override ${name}`];
  const env = { ...envOf(base.services[name]!), ...envOf(over) };
  const issues = parseIssues(app, env, Object.keys(over.environment ?? {}), topology);
  // the certificate names `pnpm run certs` writes (one per app, the app's own identity)
  expectEqual(
    issues,
    `${app}: TLS files`,
    [env.TLS_CERT_FILE, env.TLS_KEY_FILE, env.TLS_CA_FILE],
    [`/certs/${app}.pem`, `/certs/${app}-key.pem`, '/certs/ca.pem'],
  );
  if (!(over.volumes ?? []).includes('./certs:/certs:ro')) issues.push(`${app}: ./certs is not mounted read-only at /certs`);
  const test = (over.healthcheck?.test ?? []).join(' ');
  for (const part of ["require('https')", `port:${service.port},path:'${service.healthPath}'`, `/certs/${app}.pem`, '/certs/ca.pem'])
    if (!test.includes(part)) issues.push(`${app}: HTTPS healthcheck lacks ${part}`);
  const issuerBase = `https://${composeName(base, topology.issuer.name)}:${topology.issuer.port}`;
  expectEqual(issues, `${app}: ISSUER_URL`, env.ISSUER_URL, issuerBase);
  if (app !== topology.issuer.name) expectEqual(issues, `${app}: JWKS_URI`, env.JWKS_URI, `${issuerBase}/.well-known/jwks.json`);
  if (app === topology.workflow.name) {
    expectEqual(issues, 'workflow: TOKEN_ENDPOINT', env.TOKEN_ENDPOINT, `${issuerBase}/oauth/token`);
    issues.push(...workflowIssues(base, topology, 'https', env));
  }
  return issues;
}
