// What deploy/k8s's rendered overlays must satisfy, written against a topology (`@baton/contract`):
// each function returns the problems it finds (empty = fine). k8s.test.ts renders the overlays with
// a real kustomize and runs these on the result; it validates the objects against the Kubernetes
// API schemas separately (k8s-schema.mjs).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { aliasOf, envSchemaOf, type ServiceDefinition, type Topology } from '@baton/contract';

/** Names whose values are secrets: they may only come from a Secret (secretKeyRef), never a literal or a ConfigMap. */
export const SECRET_NAME = /SECRET|PASSWORD|API_KEY|TOKEN$|^DATABASE_URL$|^REDIS_URL$/;

// -------------------------------------------------------------------------------------------------
// Objects

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: any;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: EnvVar[];
  envFrom?: unknown[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, any>;
}

/** The command that renders a kustomization: BATON_KUSTOMIZE, else `kustomize`, else `kubectl kustomize`. */
export function kustomizeCommand(): { file: string; args: (dir: string) => string[] } | undefined {
  const onPath = (bin: string) =>
    (process.env.PATH ?? '')
      .split(path.delimiter)
      .map((d) => path.join(d, bin))
      .find((p) => existsSync(p));
  const file = process.env.BATON_KUSTOMIZE || onPath('kustomize') || onPath('kubectl');
  if (!file) return undefined;
  return { file, args: (dir) => (path.basename(file).startsWith('kubectl') ? ['kustomize', dir] : ['build', dir]) };
}

export function render(dir: string): K8sObject[] {
  const cmd = kustomizeCommand();
  if (!cmd) throw new Error('no kustomize: install kubectl (Debian: kubernetes-client) or kustomize');
  const out = execFileSync(cmd.file, cmd.args(dir), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return YAML.parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
export const containersOf = (d: K8sObject): Container[] => d.spec.template.spec.containers;

/** The Deployment that runs `app` (label app.kubernetes.io/name). */
export function deploymentOf(objects: K8sObject[], app: string): K8sObject | undefined {
  return ofKind(objects, 'Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/name'] === app);
}

// -------------------------------------------------------------------------------------------------
// Env, ports and probes against the contract

/**
 * A container's environment as the pod would see it: literal values, ConfigMap keys from the
 * rendered ConfigMaps, Secret keys from the rendered Secrets or else from `secrets` (what the
 * operator creates out of band).
 */
export function resolveEnv(objects: K8sObject[], c: Container, secrets: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const v of c.env ?? []) {
    const cm = v.valueFrom?.configMapKeyRef;
    const sk = v.valueFrom?.secretKeyRef;
    if (cm) env[v.name] = named(objects, 'ConfigMap', cm.name)?.data?.[cm.key];
    else if (sk) {
      const s = named(objects, 'Secret', sk.name);
      env[v.name] = s ? (s.stringData?.[sk.key] ?? Buffer.from(s.data?.[sk.key] ?? '', 'base64').toString()) : secrets[sk.key];
    } else env[v.name] = v.value;
  }
  return env;
}

/** JSON with object keys sorted: kustomize versions order keys differently. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );

function expectEqual(issues: string[], what: string, actual: unknown, expected: unknown): void {
  if (canonical(actual) !== canonical(expected)) issues.push(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

function envIssues(app: string, env: Record<string, string | undefined>, topology: Topology): string[] {
  const schema = envSchemaOf(app, topology)!;
  const declared = new Set(Object.keys(schema.shape));
  const issues: string[] = [];
  const checked: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    if (declared.has(k)) checked[k] = v;
    else issues.push(`${app}: ${k} is not declared by its environment schema`);
    const current = declared.has(k) ? aliasOf(schema.shape[k]) : undefined;
    if (current) issues.push(`${app}: ${k} is a deprecated alias: set ${current}`);
    if (v === undefined) issues.push(`${app}: ${k} has no value (missing ConfigMap or Secret key)`);
  }
  const parsed = schema.safeParse(checked);
  if (!parsed.success) issues.push(...parsed.error.issues.map((i) => `${app}: ${i.path.join('.')} ${i.message}`));
  return issues;
}

/** `app` runs in a Deployment with only declared variables, a valid config, its port, its Service and both probes. */
export function serviceIssues(objects: K8sObject[], topology: Topology, app: string, secrets: Record<string, string>): string[] {
  const service = topology.services.find((s) => s.name === app)!;
  const d = deploymentOf(objects, app);
  if (!d) return [`no Deployment runs ${app}`];
  const c = containersOf(d).find((x) => x.name === app);
  if (!c) return [`${app}: no container named ${app}`];
  const env = resolveEnv(objects, c, secrets);
  const issues = envIssues(app, env, topology);
  if (c.envFrom) issues.push(`${app}: envFrom hides which variables it sets; list them in env`);
  expectEqual(issues, `${app}: PORT`, env.PORT, String(service.port));
  expectEqual(issues, `${app}: HOST`, env.HOST, '0.0.0.0');
  expectEqual(issues, `${app}: container ports`, c.ports, [{ name: 'http', containerPort: service.port, protocol: 'TCP' }]);
  expectEqual(issues, `${app}: readinessProbe`, c.readinessProbe?.httpGet, { path: '/readyz', port: 'http' });
  expectEqual(issues, `${app}: livenessProbe`, c.livenessProbe?.httpGet, { path: service.healthPath, port: 'http' });
  issues.push(...serviceObjectIssues(objects, service, d));
  return issues;
}

/** The Service named after the topology's host name selects `d`'s pods on the service's port. */
function serviceObjectIssues(objects: K8sObject[], service: ServiceDefinition, d: K8sObject): string[] {
  const svc = named(objects, 'Service', service.host);
  if (!svc) return [`${service.name}: no Service named ${service.host}`];
  const issues: string[] = [];
  expectEqual(issues, `${service.name}: Service ports`, svc.spec.ports, [
    { name: 'http', port: service.port, targetPort: 'http', protocol: 'TCP' },
  ]);
  const labels = d.spec.template.metadata.labels as Record<string, string>;
  if (!Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v))
    issues.push(`${service.name}: Service ${service.host} does not select its pods`);
  return issues;
}

/** The workflow reaches each agent it calls, and the issuer when one runs in the cluster, by Service name and port. */
export function workflowUrlIssues(objects: K8sObject[], topology: Topology, secrets: Record<string, string>): string[] {
  const wf = topology.workflow;
  const env = resolveEnv(objects, containersOf(deploymentOf(objects, wf.name)!)[0]!, secrets);
  const issues: string[] = [];
  for (const agent of topology.agents)
    expectEqual(
      issues,
      `workflow: ${agent.envPrefix}_URL`,
      env[`${agent.envPrefix}_URL`],
      `http://${agent.host}:${agent.port}${agent.path}`,
    );
  return issues;
}

// -------------------------------------------------------------------------------------------------
// Secrets, security, availability

/** Every secret-looking variable comes from a Secret; no ConfigMap carries one. */
export function secretIssues(objects: K8sObject[]): string[] {
  const issues: string[] = [];
  for (const d of ofKind(objects, 'Deployment'))
    for (const c of containersOf(d))
      for (const v of c.env ?? [])
        if (SECRET_NAME.test(v.name) && !v.valueFrom?.secretKeyRef)
          issues.push(`${d.metadata.name}/${c.name}: ${v.name} is not from a Secret`);
  for (const cm of ofKind(objects, 'ConfigMap'))
    for (const k of Object.keys(cm.data ?? {})) if (SECRET_NAME.test(k)) issues.push(`ConfigMap ${cm.metadata.name} holds ${k}`);
  return issues;
}

/** Non-root, read-only root filesystem, no privilege escalation, no capabilities, requests and limits. */
export function hardeningIssues(d: K8sObject): string[] {
  const pod = d.spec.template.spec;
  const issues: string[] = [];
  const name = d.metadata.name;
  if (pod.securityContext?.runAsNonRoot !== true) issues.push(`${name}: runAsNonRoot is not true`);
  if (!(pod.securityContext?.runAsUser > 0)) issues.push(`${name}: runAsUser is not a non-zero uid`);
  if (pod.automountServiceAccountToken !== false) issues.push(`${name}: mounts a service account token`);
  for (const c of pod.containers as Container[]) {
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) issues.push(`${name}/${c.name}: root filesystem is writable`);
    if (sc.allowPrivilegeEscalation !== false) issues.push(`${name}/${c.name}: allows privilege escalation`);
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') issues.push(`${name}/${c.name}: does not drop all capabilities`);
    for (const k of ['requests', 'limits'] as const)
      for (const r of ['cpu', 'memory']) if (!c.resources?.[k]?.[r]) issues.push(`${name}/${c.name}: no ${r} ${k.slice(0, -1)}`);
  }
  return issues;
}

/** The workflow: 2+ replicas, a PodDisruptionBudget keeping one up, an autoscaler that never goes under 2. */
export function availabilityIssues(objects: K8sObject[], topology: Topology): string[] {
  const d = deploymentOf(objects, topology.workflow.name);
  if (!d) return ['no workflow Deployment'];
  const issues: string[] = [];
  const labels = d.spec.template.metadata.labels as Record<string, string>;
  const selects = (sel: { matchLabels?: Record<string, string> }) =>
    Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && Object.keys(sel.matchLabels ?? {}).length > 0;
  if (!(d.spec.replicas >= 2)) issues.push(`workflow: ${d.spec.replicas} replicas`);
  const pdb = ofKind(objects, 'PodDisruptionBudget').find((p) => selects(p.spec.selector));
  if (!pdb || !(pdb.spec.minAvailable >= 1)) issues.push('workflow: no PodDisruptionBudget keeping at least one pod');
  const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find(
    (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name,
  );
  if (!hpa || !(hpa.spec.minReplicas >= 2) || !(hpa.spec.maxReplicas > hpa.spec.minReplicas))
    issues.push('workflow: no HorizontalPodAutoscaler from 2 replicas up');
  return issues;
}
