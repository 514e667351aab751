// deploy/k8s: both overlays rendered by a real kustomize (kubectl's, or a kustomize binary), every
// object validated strictly against the Kubernetes API schemas (k8s-schema.mjs), and the result
// checked against the contract: env, ports and probes per app, secrets from a Secret only, hardened
// pods, an available workflow, and who may reach whom under the NetworkPolicies. No cluster runs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TOPOLOGY } from '@baton/contract';
import {
  availabilityIssues,
  containersOf,
  deploymentOf,
  hardeningIssues,
  kustomizeCommand,
  named,
  ofKind,
  render,
  secretIssues,
  serviceIssues,
  workflowUrlIssues,
  type K8sObject,
} from './k8s-checks.js';
import { ingressAllowed, podOf, type Endpoint } from './k8s-netpol.js';
import { ROOT } from './stack.js';

const K8S = path.join(ROOT, 'deploy/k8s');
const PRODUCTION_README = path.join(K8S, 'overlays/production/README.md');
/**
 * What the operator puts in `baton-secrets` for production (overlays/production/README.md);
 * examples. The client secret is made here, as an operator makes theirs: any literal in the
 * repository is a published secret, which the production profile refuses.
 */
const OPERATOR_SECRETS = {
  WORKFLOW_CLIENT_SECRET: randomBytes(36).toString('base64url'),
  DATABASE_URL: 'postgres://baton:secret@postgres.internal:5432/baton?sslmode=verify-full',
  REDIS_URL: 'rediss://:secret@redis.internal:6380',
};

const renderer = kustomizeCommand();
if (!renderer) {
  if (process.env.CI === 'true') throw new Error('kustomize is required under CI (.ci/run installs kubernetes-client)');
  console.warn('SKIP deploy/k8s tests: neither kustomize nor kubectl is installed (Debian: apt-get install kubernetes-client)');
}
const describeK8s = renderer ? describe : describe.skip;

/** Runs k8s-schema.mjs on `objects`; its problems. */
function schemaProblems(objects: unknown[]): Array<{ index: number; object: string; message: string }> {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'k8s-schema.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

describeK8s('deploy/k8s', () => {
  const dev = renderer ? render(path.join(K8S, 'overlays/dev')) : [];
  const production = renderer ? render(path.join(K8S, 'overlays/production')) : [];
  const runnable = [TOPOLOGY.workflow, ...TOPOLOGY.agents].map((s) => s.name);

  describe('against the Kubernetes API schemas (kubernetes-models, strict)', () => {
    // A deliberately broken copy of real objects: each must be caught, or the validator is not strict.
    const workflow = deploymentOf(dev, 'workflow')!;
    const broken: Array<[string, K8sObject]> = [
      [
        'a misspelt probe',
        mutate(workflow, (o) => Object.assign(containersOf(o)[0]!, { readinesProbe: { httpGet: { path: '/readyz', port: 'http' } } })),
      ],
      ['a field at the wrong level', mutate(workflow, (o) => (o.spec.template.spec.readinessProbe = {}))],
      ['a port as a string', mutate(named(dev, 'Service', 'workflow')!, (o) => (o.spec.ports[0].port = '3000'))],
      ['a missing required field', mutate(workflow, (o) => delete o.spec.selector)],
      ['an unknown kind', { ...workflow, kind: 'Deploymnet' }],
    ];
    const problems = schemaProblems([...dev, ...production, ...broken.map(([, o]) => o)]);

    it('renders both overlays, and every object of both is valid', () => {
      expect(dev.length).toBeGreaterThan(20);
      expect(production.length).toBeGreaterThan(10);
      expect(problems.filter((p) => p.index < dev.length + production.length)).toEqual([]);
    });

    it.each(broken.map(([what], i) => [what, i] as const))('refuses %s', (_what, i) => {
      expect(problems.filter((p) => p.index === dev.length + production.length + i)).not.toEqual([]);
    });
  });

  describe.each([
    ['dev', dev, TOPOLOGY.services.map((s) => s.name)],
    ['production', production, runnable],
  ] as const)('the %s overlay', (_name, objects, apps) => {
    it.each(apps)('runs %s with only declared variables, a valid config, its port, its Service, /readyz and /healthz', (app) => {
      expect(serviceIssues(objects, TOPOLOGY, app, OPERATOR_SECRETS)).toEqual([]);
    });

    it('points the workflow at each agent by Service name and port', () => {
      expect(workflowUrlIssues(objects, TOPOLOGY, OPERATOR_SECRETS)).toEqual([]);
    });

    it('runs the workflow on 2+ replicas with a PodDisruptionBudget and a HorizontalPodAutoscaler', () => {
      expect(availabilityIssues(objects, TOPOLOGY)).toEqual([]);
    });

    it('takes every secret from a Secret, none from a literal or a ConfigMap', () => {
      expect(secretIssues(objects)).toEqual([]);
    });

    it('runs every pod non-root on a read-only root filesystem, with no capabilities, with requests and limits', () => {
      expect(ofKind(objects, 'Deployment').flatMap(hardeningIssues)).toEqual([]);
    });

    it('lets only the workflow reach the agents', () => {
      const ns = deploymentOf(objects, 'workflow')!.metadata.namespace!;
      const others: Endpoint[] = [
        ...ofKind(objects, 'Deployment')
          .filter((d) => d.metadata.labels?.['app.kubernetes.io/name'] !== 'workflow')
          .map(podOf),
        { labels: { app: 'intruder' }, namespace: ns },
        { labels: { 'app.kubernetes.io/name': 'workflow' }, namespace: 'elsewhere' },
        { labels: {}, namespace: 'ingress-nginx' },
      ];
      for (const agent of TOPOLOGY.agents) {
        const to = podOf(deploymentOf(objects, agent.name)!);
        expect(ingressAllowed(objects, podOf(deploymentOf(objects, 'workflow')!), to, agent.port)).toBe(true);
        for (const from of others)
          expect([agent.name, from.labels, ingressAllowed(objects, from, to, agent.port)]).toEqual([agent.name, from.labels, false]);
      }
    });

    it('lets anyone reach the workflow on its port', () => {
      const to = podOf(deploymentOf(objects, 'workflow')!);
      expect(ingressAllowed(objects, { labels: {}, namespace: 'ingress-nginx' }, to, TOPOLOGY.workflow.port)).toBe(true);
    });
  });

  describe('the dev overlay', () => {
    const issuer = podOf(deploymentOf(dev, 'issuer')!);
    const port = TOPOLOGY.issuer.port;

    it('runs the dev issuer, one replica, and points every service at it by Service name', () => {
      expect(deploymentOf(dev, 'issuer')!.spec.replicas).toBe(1);
      expect(named(dev, 'ConfigMap', 'baton-identity')!.data).toEqual({
        ISSUER_URL: `http://${TOPOLOGY.issuer.host}:${port}`,
        JWKS_URI: `http://${TOPOLOGY.issuer.host}:${port}/.well-known/jwks.json`,
        TOKEN_ENDPOINT: `http://${TOPOLOGY.issuer.host}:${port}/oauth/token`,
      });
    });

    it('lets only the agents and the workflow reach the issuer inside the cluster', () => {
      for (const app of runnable) expect([app, ingressAllowed(dev, podOf(deploymentOf(dev, app)!), issuer, port)]).toEqual([app, true]);
      for (const app of ['postgres', 'redis'])
        expect([app, ingressAllowed(dev, podOf(deploymentOf(dev, app)!), issuer, port)]).toEqual([app, false]);
      expect(ingressAllowed(dev, { labels: { app: 'intruder' }, namespace: 'baton-dev' }, issuer, port)).toBe(false);
      expect(ingressAllowed(dev, { labels: { 'app.kubernetes.io/component': 'agent' }, namespace: 'elsewhere' }, issuer, port)).toBe(false);
    });

    it("still lets a browser reach the dev issuer's pages through the Ingress", () => {
      expect(ingressAllowed(dev, { labels: {}, namespace: 'ingress-nginx' }, issuer, port)).toBe(true);
      const rules = named(dev, 'Ingress', 'baton')!.spec.rules as Array<{
        http: { paths: Array<{ backend: { service: { name: string } } }> };
      }>;
      expect(rules.flatMap((r) => r.http.paths.map((p) => p.backend.service.name))).toEqual(
        expect.arrayContaining([TOPOLOGY.issuer.host, TOPOLOGY.workflow.host]),
      );
    });

    it('lets only the workflow reach Postgres and Redis', () => {
      for (const [app, p] of [
        ['postgres', 5432],
        ['redis', 6379],
      ] as const) {
        const to = podOf(deploymentOf(dev, app)!);
        expect(ingressAllowed(dev, podOf(deploymentOf(dev, 'workflow')!), to, p)).toBe(true);
        for (const other of [...TOPOLOGY.agents.map((a) => a.name), 'issuer'])
          expect([app, other, ingressAllowed(dev, podOf(deploymentOf(dev, other)!), to, p)]).toEqual([app, other, false]);
      }
    });
  });

  describe('the production overlay', () => {
    it('runs no dev issuer and trusts an external IdP over https', () => {
      expect(deploymentOf(production, 'issuer')).toBeUndefined();
      const idp = named(production, 'ConfigMap', 'baton-identity')!.data as Record<string, string>;
      for (const v of Object.values(idp)) expect(v).toMatch(/^https:\/\//);
      expect(Object.keys(idp).sort()).toEqual(['ISSUER_URL', 'JWKS_URI', 'TOKEN_ENDPOINT']);
    });

    it('commits no Secret, and its README tells the operator every key the pods read from one', () => {
      expect(ofKind(production, 'Secret')).toEqual([]);
      const keys = new Set(
        ofKind(production, 'Deployment').flatMap((d) =>
          containersOf(d).flatMap((c) => (c.env ?? []).flatMap((v) => (v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef.key] : []))),
        ),
      );
      const readme = readFileSync(PRODUCTION_README, 'utf8');
      expect([...keys].sort()).toEqual(Object.keys(OPERATOR_SECRETS).sort());
      for (const k of keys) expect(readme).toContain(`--from-literal=${k}=`);
    });

    it('runs the BATON_PROFILE=production images of a pinned tag', () => {
      for (const d of ofKind(production, 'Deployment'))
        for (const c of containersOf(d)) {
          expect(c.image).toMatch(/:[\w.-]+$/);
          expect(c.env!.find((v) => v.name === 'BATON_PROFILE')?.value).toBe('production');
        }
    });
  });
});

function mutate(o: K8sObject, change: (copy: K8sObject) => unknown): K8sObject {
  const copy = structuredClone(o);
  change(copy);
  return copy;
}
