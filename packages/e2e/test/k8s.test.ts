// deploy/k8s: both overlays rendered by a real kustomize (kubectl's, or a kustomize binary), every
// object validated strictly against the Kubernetes API schemas (k8s-schema.mjs), and the result
// checked against the contract: env, ports and probes per app, secrets from a Secret only, hardened
// pods, an available workflow, and who may reach whom under the NetworkPolicies. No cluster runs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
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
import {
  connectionAllowed,
  egressAllowed,
  ingressAllowed,
  podOf,
  selects,
  type Destination,
  type Endpoint,
  type Protocol,
} from './k8s-netpol.js';
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

  describe("egress under the NetworkPolicies (connectionAllowed: the sender's egress and the receiver's ingress)", () => {
    /** Addresses outside the cluster; the production overlay's sample ranges (egress.yaml) hold the IdP, Postgres and Redis. */
    const EXTERNAL: Array<[string, Destination & { ip: string }, number, Protocol]> = [
      ['idp', { ip: '203.0.113.10' }, 443, 'TCP'],
      ['idp', { ip: '203.0.113.10' }, 80, 'TCP'],
      ['cloud-metadata', { ip: '169.254.169.254' }, 80, 'TCP'],
      ['internet', { ip: '93.184.216.34' }, 443, 'TCP'],
      ['internet-dns', { ip: '8.8.8.8' }, 53, 'UDP'],
      ['postgres-external', { ip: '198.51.100.10' }, 5432, 'TCP'],
      ['redis-external', { ip: '198.51.100.11' }, 6380, 'TCP'],
      ['model-provider', { ip: '192.0.2.10' }, 443, 'TCP'],
    ];
    const KUBE_DNS: Endpoint = {
      labels: { 'k8s-app': 'kube-dns' },
      namespace: 'kube-system',
      containers: [
        {
          name: 'coredns',
          image: 'coredns',
          ports: [
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          ],
        },
      ],
    };
    const nameOf = (d: K8sObject) => d.metadata.labels!['app.kubernetes.io/name']!;

    /** Every (source pod, destination, port) the policies allow, as `from -> to:port/protocol`, sorted. */
    function reachable(objects: K8sObject[], sources: Array<[string, Endpoint]>): string[] {
      const ns = deploymentOf(objects, 'workflow')!.metadata.namespace!;
      const pods: Array<[string, Endpoint]> = [
        ...ofKind(objects, 'Deployment').map((d) => [nameOf(d), podOf(d)] as [string, Endpoint]),
        ['kube-dns', KUBE_DNS],
        [
          'elsewhere',
          { labels: { app: 'other' }, namespace: `${ns}-other`, containers: [{ name: 'x', image: 'x', ports: [{ containerPort: 8080 }] }] },
        ],
      ];
      const out: string[] = [];
      for (const [from, src] of sources) {
        for (const [to, dst] of pods)
          for (const c of dst.containers ?? [])
            for (const p of c.ports ?? []) {
              const protocol = (p.protocol ?? 'TCP') as Protocol;
              if (to !== from && connectionAllowed(objects, src, dst, p.containerPort, protocol))
                out.push(`${from} -> ${to}:${p.containerPort}/${protocol}`);
            }
        for (const [to, dst, port, protocol] of EXTERNAL)
          if (connectionAllowed(objects, src, dst, port, protocol)) out.push(`${from} -> ${to}:${port}/${protocol}`);
      }
      return out.sort();
    }
    const sourcesOf = (objects: K8sObject[]) => ofKind(objects, 'Deployment').map((d) => [nameOf(d), podOf(d)] as [string, Endpoint]);
    const dns = (from: string) => [`${from} -> kube-dns:53/TCP`, `${from} -> kube-dns:53/UDP`];
    const toAgents = TOPOLOGY.agents.map((a) => `workflow -> ${a.name}:${a.port}/TCP`);

    it('dev: the workflow reaches the agents, the issuer, Postgres, Redis and DNS; agents the issuer and DNS; nothing else goes anywhere', () => {
      const issuer = `issuer:${TOPOLOGY.issuer.port}/TCP`;
      expect(reachable(dev, sourcesOf(dev))).toEqual(
        [
          ...toAgents,
          `workflow -> ${issuer}`,
          'workflow -> postgres:5432/TCP',
          'workflow -> redis:6379/TCP',
          ...dns('workflow'),
          ...TOPOLOGY.agents.flatMap((a) => [`${a.name} -> ${issuer}`, ...dns(a.name)]),
        ].sort(),
      );
    });

    it("production: the workflow reaches the agents, the IdP on 443, its Postgres and Redis and DNS; agents the IdP's keys and DNS; nothing else", () => {
      expect(reachable(production, sourcesOf(production))).toEqual(
        [
          ...toAgents,
          'workflow -> idp:443/TCP',
          'workflow -> postgres-external:5432/TCP',
          'workflow -> redis-external:6380/TCP',
          ...dns('workflow'),
          ...TOPOLOGY.agents.flatMap((a) => [`${a.name} -> idp:443/TCP`, ...dns(a.name)]),
        ].sort(),
      );
    });

    it.each([
      ['dev', dev],
      ['production', production],
    ] as const)(
      '%s: an agent that opts in (label baton/egress=model-provider) reaches the model provider on 443 and still not cloud metadata or the internet',
      (_n, objects) => {
        const research = podOf(deploymentOf(objects, TOPOLOGY.agents[0]!.name)!);
        const optedIn: Endpoint = { ...research, labels: { ...research.labels, 'baton/egress': 'model-provider' } };
        const model = { ip: '192.0.2.10' };
        expect(egressAllowed(objects, optedIn, model, 443)).toBe(true);
        expect(egressAllowed(objects, research, model, 443)).toBe(false);
        expect(egressAllowed(objects, optedIn, model, 80)).toBe(false);
        expect(egressAllowed(objects, optedIn, { ip: '169.254.169.254' }, 80)).toBe(false);
        expect(egressAllowed(objects, optedIn, { ip: '93.184.216.34' }, 443)).toBe(false);
        // the workflow may not use the agents' allow-list
        const wf = podOf(deploymentOf(objects, 'workflow')!);
        expect(egressAllowed(objects, { ...wf, labels: { ...wf.labels, 'baton/egress': 'model-provider' } }, model, 443)).toBe(false);
      },
    );

    it.each([
      ['dev', dev],
      ['production', production],
    ] as const)('%s: every pod has egress policies (none is open by default)', (_n, objects) => {
      for (const d of ofKind(objects, 'Deployment'))
        expect([nameOf(d), egressAllowed(objects, podOf(d), { ip: '93.184.216.34' }, 443)]).toEqual([nameOf(d), false]);
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
        // the dev issuer's tokens: RFC 9068, the workflow client (`workflow`) named in act.sub
        TOKEN_PROFILE: 'strict',
        WORKFLOW_CLIENT_ID: TOPOLOGY.workflow.name,
        ACTOR_CLAIM: 'act.sub',
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
      for (const k of ['ISSUER_URL', 'JWKS_URI', 'TOKEN_ENDPOINT']) expect(idp[k]).toMatch(/^https:\/\//);
      expect(Object.keys(idp).sort()).toEqual([
        'ACTOR_CLAIM',
        'ISSUER_URL',
        'JWKS_URI',
        'TOKEN_ENDPOINT',
        'TOKEN_PROFILE',
        'WORKFLOW_CLIENT_ID',
      ]);
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

    it("has host-name (FQDN) egress examples for Cilium and Calico naming identity.yaml's IdP host, for the pods the CIDR policies select", () => {
      const idp = named(production, 'ConfigMap', 'baton-identity')!.data as Record<string, string>;
      const hosts = new Set(['ISSUER_URL', 'JWKS_URI', 'TOKEN_ENDPOINT'].map((k) => new URL(idp[k]!).hostname));
      expect(hosts.size).toBe(1);
      const [idpHost] = [...hosts];
      const ns = deploymentOf(production, 'workflow')!.metadata.namespace!;
      const load = (file: string) =>
        YAML.parseAllDocuments(readFileSync(path.join(K8S, 'examples', file), 'utf8')).map((d) => d.toJS() as K8sObject);
      const wf = podOf(deploymentOf(production, 'workflow')!);
      const agent = podOf(deploymentOf(production, TOPOLOGY.agents[0]!.name)!);
      const optedIn = { ...agent.labels, 'baton/egress': 'model-provider' };

      const [ciliumIdp, ciliumModel] = load('cilium-fqdn-egress.yaml');
      for (const p of [ciliumIdp!, ciliumModel!]) {
        expect([p.kind, p.metadata.namespace]).toEqual(['CiliumNetworkPolicy', ns]);
        // DNS through Cilium's proxy (toFQDNs learns addresses from it) to kube-dns only
        expect(p.spec.egress[0]).toMatchObject({
          toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } }],
          toPorts: [{ ports: [{ port: '53' }], rules: { dns: [expect.anything()] } }],
        });
      }
      expect(ciliumIdp!.spec.egress[1]).toEqual({
        toFQDNs: [{ matchName: idpHost }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      });
      expect([selects(ciliumIdp!.spec.endpointSelector, wf.labels), selects(ciliumIdp!.spec.endpointSelector, agent.labels)]).toEqual([
        true,
        true,
      ]);
      expect([
        selects(ciliumModel!.spec.endpointSelector, optedIn),
        selects(ciliumModel!.spec.endpointSelector, agent.labels),
        selects(ciliumModel!.spec.endpointSelector, { ...wf.labels, 'baton/egress': 'model-provider' }),
      ]).toEqual([true, false, false]);

      const [calicoIdp, calicoModel] = load('calico-fqdn-egress.yaml');
      expect([calicoIdp!.kind, calicoIdp!.metadata.namespace, calicoModel!.metadata.namespace]).toEqual(['NetworkPolicy', ns, ns]);
      expect(calicoIdp!.spec.egress).toEqual([{ action: 'Allow', protocol: 'TCP', destination: { domains: [idpHost], ports: [443] } }]);
      expect(calicoIdp!.spec.selector).toBe("app.kubernetes.io/component in {'workflow', 'agent'}");
      expect(calicoModel!.spec.selector).toBe("app.kubernetes.io/component == 'agent' && baton/egress == 'model-provider'");
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

// The evaluator itself, on small hand-written policies: what k8s.test.ts concludes is only as good as it.
describe('the NetworkPolicy evaluator (k8s-netpol.ts)', () => {
  const policy = (name: string, spec: Record<string, unknown>): K8sObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'ns' },
    spec,
  });
  const app: Endpoint = { labels: { app: 'a' }, namespace: 'ns' };
  const db: Endpoint = {
    labels: { app: 'db' },
    namespace: 'ns',
    containers: [{ name: 'db', image: 'db', ports: [{ name: 'pg', containerPort: 5432 }] }],
  };

  it('leaves egress open with no Egress policy, and an Ingress-only policy does not close it', () => {
    expect(egressAllowed([], app, { ip: '169.254.169.254' }, 80)).toBe(true);
    expect(egressAllowed([policy('in', { podSelector: {}, policyTypes: ['Ingress'] })], app, { ip: '1.1.1.1' }, 443)).toBe(true);
  });

  it('closes egress for a selected pod under a deny-all policy, and an egress section alone makes a policy Egress', () => {
    expect(egressAllowed([policy('deny', { podSelector: {}, policyTypes: ['Egress'] })], app, { ip: '1.1.1.1' }, 443)).toBe(false);
    expect(egressAllowed([policy('deny', { podSelector: {}, egress: [] })], app, { ip: '1.1.1.1' }, 443)).toBe(false);
    expect(egressAllowed([policy('deny', { podSelector: { matchLabels: { app: 'b' } }, egress: [] })], app, { ip: '1.1.1.1' }, 443)).toBe(
      true,
    );
  });

  it('matches ipBlock cidr minus except, port and protocol', () => {
    const objects = [
      policy('web', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16', '10.0.0.0/8'] } }], ports: [{ port: 443 }] }],
      }),
    ];
    expect(egressAllowed(objects, app, { ip: '93.184.216.34' }, 443)).toBe(true);
    expect(egressAllowed(objects, app, { ip: '93.184.216.34' }, 443, 'UDP')).toBe(false);
    expect(egressAllowed(objects, app, { ip: '93.184.216.34' }, 80)).toBe(false);
    expect(egressAllowed(objects, app, { ip: '169.254.169.254' }, 443)).toBe(false);
    expect(egressAllowed(objects, app, { ip: '10.1.2.3' }, 443)).toBe(false);
    expect(egressAllowed(objects, app, { ip: '2001:db8::1' }, 443)).toBe(false); // an IPv4 block holds no IPv6 address
    expect(egressAllowed(objects, app, db, 5432)).toBe(false); // ipBlock does not select pods here
  });

  it('resolves a named port on the destination pod, and needs both sides for a pod-to-pod connection', () => {
    const egress = policy('to-db', {
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 'pg', protocol: 'TCP' }] }],
    });
    expect(egressAllowed([egress], app, db, 5432)).toBe(true);
    expect(egressAllowed([egress], app, db, 5433)).toBe(false);
    expect(egressAllowed([egress], app, { ...db, namespace: 'other' }, 5432)).toBe(false);
    const closedDb = policy('db-closed', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] });
    expect(connectionAllowed([egress], app, db, 5432)).toBe(true);
    expect(connectionAllowed([egress, closedDb], app, db, 5432)).toBe(false);
  });
});

function mutate(o: K8sObject, change: (copy: K8sObject) => unknown): K8sObject {
  const copy = structuredClone(o);
  change(copy);
  return copy;
}
