// Who may open a connection to whom under a set of rendered NetworkPolicies (ingress only, the
// semantics of networking.k8s.io/v1): a pod selected by no Ingress policy accepts everything; a
// selected pod accepts a connection when one of the policies selecting it has a rule whose peers
// and ports match. No cluster runs here, so k8s.test.ts asks this about the rendered overlays.
import type { Container, K8sObject } from './k8s-checks.js';

type Labels = Record<string, string>;
interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Requirement[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
interface Rule {
  from?: Peer[];
  ports?: Array<{ port?: string | number; protocol?: string }>;
}

/** One end of a connection: a pod's labels, its namespace (with that namespace's labels), and for a target its containers. */
export interface Endpoint {
  labels: Labels;
  namespace: string;
  containers?: Container[];
}

function requirementHolds(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(labels[r.key]!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** A label selector; `{}` selects everything. */
export function selects(sel: Selector | undefined, labels: Labels): boolean {
  if (!sel) return false;
  return (
    Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (sel.matchExpressions ?? []).every((r) => requirementHolds(r, labels))
  );
}

const namespaceLabels = (ns: string): Labels => ({ 'kubernetes.io/metadata.name': ns });

function peerMatches(peer: Peer, policyNamespace: string, from: Endpoint): boolean {
  if (peer.ipBlock) return false; // pod-to-pod traffic only is asked about here
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(from.namespace))
    : from.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, from.labels) : true;
  return nsOk && podOk;
}

function portMatches(rule: Rule, to: Endpoint, port: number): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.port === port;
    return (to.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === p.port && cp.containerPort === port));
  });
}

/** Whether `from` may open a TCP connection to `to` on `port` under `objects`' NetworkPolicies. */
export function ingressAllowed(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number): boolean {
  const policies = objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      (o.metadata.namespace ?? 'default') === to.namespace &&
      (o.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      selects(o.spec.podSelector, to.labels),
  );
  if (policies.length === 0) return true;
  return policies.some((p) =>
    ((p.spec.ingress ?? []) as Rule[]).some(
      (rule) =>
        (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, to.namespace, from))) &&
        portMatches(rule, to, port),
    ),
  );
}

/** The pods of a Deployment as an endpoint. */
export function podOf(d: K8sObject): Endpoint {
  return {
    labels: d.spec.template.metadata.labels,
    namespace: d.metadata.namespace ?? 'default',
    containers: d.spec.template.spec.containers,
  };
}
