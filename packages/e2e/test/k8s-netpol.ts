// Who may open a connection to whom under a set of rendered NetworkPolicies, with the semantics of
// networking.k8s.io/v1, both directions:
// - ingress: a pod selected by no Ingress policy accepts everything; a selected pod accepts a
//   connection when one of the policies selecting it has a rule whose peers and ports match;
// - egress: the same from the sending side (a pod selected by no Egress policy may send anywhere),
//   where a peer is a pod (podSelector/namespaceSelector) or an address outside the cluster (ipBlock
//   `cidr` minus its `except`s).
// A connection between two pods needs both (`connectionAllowed`). Ports match by number or by the
// destination container's port name, with the protocol (TCP unless given) and `endPort`. Pods are
// not matched by ipBlock here (their addresses are not known; Kubernetes says ipBlock is meant for
// cluster-external addresses). No cluster runs here, so k8s.test.ts asks this about the rendered
// overlays.
import net from 'node:net';
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
  ipBlock?: { cidr: string; except?: string[] };
}
interface PortRule {
  port?: string | number;
  endPort?: number;
  protocol?: string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PortRule[];
}

/** A pod: its labels, its namespace (with that namespace's labels), and for a destination its containers. */
export interface Endpoint {
  labels: Labels;
  namespace: string;
  containers?: Container[];
}

/** An address outside the cluster (the IdP, a model provider, cloud metadata, the internet). */
export interface External {
  ip: string;
}

export type Destination = Endpoint | External;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

const isExternal = (d: Destination): d is External => 'ip' in d;

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

/** Whether `ip` (v4 or v6) is inside `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string | undefined];
  const family = net.isIPv4(base) ? 'ipv4' : 'ipv6';
  if (net.isIPv4(ip) !== (family === 'ipv4')) return false;
  const list = new net.BlockList();
  list.addSubnet(base, Number(bits ?? (family === 'ipv4' ? 32 : 128)), family);
  return list.check(ip, family);
}

function peerMatches(peer: Peer, policyNamespace: string, other: Destination): boolean {
  if (peer.ipBlock) {
    if (!isExternal(other)) return false; // pods are not matched by address here (see the top)
    return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  }
  if (isExternal(other)) return false; // pod and namespace selectors select pods only
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return nsOk && podOk;
}

/** `rule`'s ports admit `port`/`protocol` on `to` (a named port is the destination container's). */
function portMatches(rule: Rule, to: Destination, port: number, protocol: Protocol): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.endPort === undefined ? p.port === port : p.port <= port && port <= p.endPort;
    if (isExternal(to)) return false;
    return (to.containers ?? []).some((c) =>
      (c.ports ?? []).some((cp) => cp.name === p.port && cp.containerPort === port && (cp.protocol ?? 'TCP') === protocol),
    );
  });
}

/** The policies of `type` selecting `pod`: a policy is Egress only when it says so (policyTypes, or an `egress` section). */
function policiesFor(objects: K8sObject[], pod: Endpoint, type: 'Ingress' | 'Egress'): K8sObject[] {
  return objects.filter((o) => {
    if (o.kind !== 'NetworkPolicy' || (o.metadata.namespace ?? 'default') !== pod.namespace) return false;
    const types: string[] = o.spec.policyTypes ?? (o.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return types.includes(type) && selects(o.spec.podSelector, pod.labels);
  });
}

/** Whether `from` may open a connection to `to` on `port` under `objects`' NetworkPolicies (the receiving side only). */
export function ingressAllowed(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol: Protocol = 'TCP'): boolean {
  const policies = policiesFor(objects, to, 'Ingress');
  if (policies.length === 0) return true;
  return policies.some((p) =>
    ((p.spec.ingress ?? []) as Rule[]).some(
      (rule) =>
        (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, to.namespace, from))) &&
        portMatches(rule, to, port, protocol),
    ),
  );
}

/** Whether `from` may send to `to` on `port` under `objects`' NetworkPolicies (the sending side only). */
export function egressAllowed(objects: K8sObject[], from: Endpoint, to: Destination, port: number, protocol: Protocol = 'TCP'): boolean {
  const policies = policiesFor(objects, from, 'Egress');
  if (policies.length === 0) return true;
  return policies.some((p) =>
    ((p.spec.egress ?? []) as Rule[]).some(
      (rule) =>
        (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, from.namespace, to))) &&
        portMatches(rule, to, port, protocol),
    ),
  );
}

/** Both sides: `from` may send, and a pod `to` accepts (an external destination has no policies here). */
export function connectionAllowed(
  objects: K8sObject[],
  from: Endpoint,
  to: Destination,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return egressAllowed(objects, from, to, port, protocol) && (isExternal(to) || ingressAllowed(objects, from, to, port, protocol));
}

/** The pods of a Deployment as an endpoint. */
export function podOf(d: K8sObject): Endpoint {
  return {
    labels: d.spec.template.metadata.labels,
    namespace: d.metadata.namespace ?? 'default',
    containers: d.spec.template.spec.containers,
  };
}
