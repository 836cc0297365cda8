// A brute-force reference for exposure, written from the specifications only (the Kubernetes NetworkPolicy API,
// networking.k8s.io/v1, and the network-policy-api types and conformance suite: AdminNetworkPolicy and
// BaselineAdminNetworkPolicy v1alpha1, ClusterNetworkPolicy v1alpha2), never from src/core. It decides single
// connections (a pod or an address, another pod or address, a protocol and port) and derives the five peer classes
// of docs/exposure.md by enumerating every kind of peer that can exist: see universe.ts for why the enumeration is
// exhaustive. Slow on purpose: clarity over speed.
import { type Address, inCidr } from './addresses.ts';

export type Labels = Record<string, string>;
export type Obj = Record<string, unknown>;
export type Direction = 'ingress' | 'egress';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
export interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Requirement[];
}

export interface Namespace {
  name: string;
  /** As the API has them; kubernetes.io/metadata.name is added by `namespaceLabels`. */
  labels: Labels;
}
export interface Pod {
  namespace: string;
  labels: Labels;
}
/** The objects of a cluster, as manifests (apiVersion, kind, metadata, spec). */
export interface Cluster {
  namespaces: Namespace[];
  pods: Pod[];
  /** NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy objects. */
  policies: Obj[];
}

/** One end of a connection: a pod (with its namespace's labels) or an address outside the pod network. */
export type Endpoint =
  | { kind: 'pod'; namespace: string; nsLabels: Labels; labels: Labels; address: Address }
  | { kind: 'address'; address: Address };
export interface Port {
  protocol: Protocol;
  port: number;
}

export const NAME_LABEL = 'kubernetes.io/metadata.name';
/** Every namespace carries its name as a label (set by the API server, immutable). */
export const namespaceLabels = (ns: Namespace): Labels => ({ ...ns.labels, [NAME_LABEL]: ns.name });

// ---- Label selectors (metav1.LabelSelector): matchLabels AND every matchExpression; an empty selector matches all.
export function matches(selector: Selector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const values = r.values ?? [];
    if (r.operator === 'In' && !(has && values.includes(labels[r.key] as string))) return false;
    // NotIn matches when the key is absent too (apimachinery's selection.NotIn).
    if (r.operator === 'NotIn' && has && values.includes(labels[r.key] as string)) return false;
    if (r.operator === 'Exists' && !has) return false;
    if (r.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

// ---- Ports.
const protocolOf = (value: unknown): Protocol => (value === 'UDP' || value === 'SCTP' ? value : 'TCP');

/** NetworkPolicyPort: protocol (default TCP), port (absent: every port), endPort (a range up to it). */
function npPortMatches(p: Obj, port: Port): boolean {
  if (protocolOf(p.protocol) !== port.protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port !== 'number') throw new Error('named ports are not modelled');
  const end = typeof p.endPort === 'number' ? p.endPort : p.port;
  return port.port >= p.port && port.port <= end;
}
/** A rule's ports: absent or empty means every port; else any one of them. */
const anyPort = (ports: unknown, one: (p: Obj) => boolean): boolean =>
  !Array.isArray(ports) || ports.length === 0 || (ports as Obj[]).some(one);

/** AdminNetworkPolicyPort (v1alpha1): portNumber {protocol, port} or portRange {protocol, start, end}. */
function anpPortMatches(p: Obj, port: Port): boolean {
  const n = p.portNumber as Obj | undefined;
  if (n) return protocolOf(n.protocol) === port.protocol && n.port === port.port;
  const r = p.portRange as Obj | undefined;
  if (r)
    return (
      protocolOf(r.protocol) === port.protocol && port.port >= Number(r.start) && port.port <= Number(r.end)
    );
  throw new Error('named ports are not modelled');
}
/** ClusterNetworkPolicyProtocol (v1alpha2): {tcp|udp|sctp: {destinationPort?: {number} | {range}}}. */
function cnpProtocolMatches(p: Obj, port: Port): boolean {
  for (const [field, protocol] of [
    ['tcp', 'TCP'],
    ['udp', 'UDP'],
    ['sctp', 'SCTP'],
  ] as const) {
    const m = p[field] as Obj | undefined;
    if (!m) continue;
    if (protocol !== port.protocol) return false;
    const d = m.destinationPort as Obj | undefined;
    if (!d) return true; // no destinationPort: every port of the protocol
    if (typeof d.number === 'number') return d.number === port.port;
    const r = d.range as Obj;
    return port.port >= Number(r.start) && port.port <= Number(r.end);
  }
  throw new Error('named ports are not modelled');
}

// ---- NetworkPolicy (networking.k8s.io/v1).
const spec = (o: Obj): Obj => (o.spec ?? {}) as Obj;
const metadata = (o: Obj): Obj => (o.metadata ?? {}) as Obj;
const isNetworkPolicy = (o: Obj) =>
  o.kind === 'NetworkPolicy' && String(o.apiVersion).startsWith('networking.k8s.io');

/**
 * Effective policyTypes: as written; when omitted, Ingress always and Egress when the policy has egress rules. The API
 * server defaults an empty list like an absent one (`len(spec.PolicyTypes) == 0` in the v1 defaults).
 */
function policyTypes(s: Obj): Set<Direction> {
  if (Array.isArray(s.policyTypes) && s.policyTypes.length > 0) {
    return new Set((s.policyTypes as string[]).map((t) => (t === 'Egress' ? 'egress' : 'ingress')));
  }
  const out = new Set<Direction>(['ingress']);
  if (Array.isArray(s.egress) && s.egress.length > 0) out.add('egress');
  return out;
}

/** A NetworkPolicyPeer: podSelector only (the policy's namespace), namespaceSelector (and podSelector), ipBlock. */
function npPeerMatches(peer: Obj, policyNamespace: string, other: Endpoint): boolean {
  const ipBlock = peer.ipBlock as Obj | undefined;
  if (ipBlock) {
    // The NetworkPolicy reference: ipBlock selects "particular IP CIDR ranges ... These should be cluster-external
    // IPs, since Pod IPs are ephemeral and unpredictable". The model applies ipBlocks to outside addresses only.
    if (other.kind !== 'address') return false;
    const except = (ipBlock.except as string[] | undefined) ?? [];
    return inCidr(other.address, String(ipBlock.cidr)) && !except.some((c) => inCidr(other.address, c));
  }
  if (other.kind !== 'pod') return false;
  const podSelector = peer.podSelector as Selector | undefined;
  const namespaceSelector = peer.namespaceSelector as Selector | undefined;
  const nsOk = namespaceSelector
    ? matches(namespaceSelector, other.nsLabels)
    : other.namespace === policyNamespace;
  return nsOk && (podSelector === undefined || matches(podSelector, other.labels));
}

/** Rules of one direction: `from`/`to` absent or empty admits every peer; ports absent or empty, every port. */
function npRuleMatches(
  rule: Obj,
  d: Direction,
  policyNamespace: string,
  other: Endpoint,
  port: Port,
): boolean {
  const peers = rule[d === 'ingress' ? 'from' : 'to'];
  const peerOk =
    !Array.isArray(peers) ||
    peers.length === 0 ||
    (peers as Obj[]).some((p) => npPeerMatches(p, policyNamespace, other));
  return peerOk && anyPort(rule.ports, (p) => npPortMatches(p, port));
}

/**
 * The NetworkPolicy tier for a pod: 'none' when no policy selects it for the direction (it is not isolated),
 * else whether at least one selecting policy admits the connection (allows are a union).
 */
function networkPolicyVerdict(
  c: Cluster,
  pod: Pod,
  d: Direction,
  other: Endpoint,
  port: Port,
): 'allow' | 'deny' | 'none' {
  const selecting = c.policies.filter(
    (o) =>
      isNetworkPolicy(o) &&
      metadata(o).namespace === pod.namespace &&
      matches((spec(o).podSelector ?? {}) as Selector, pod.labels) &&
      policyTypes(spec(o)).has(d),
  );
  if (selecting.length === 0) return 'none';
  const admits = selecting.some((o) =>
    ((spec(o)[d] as Obj[] | undefined) ?? []).some((r) => npRuleMatches(r, d, pod.namespace, other, port)),
  );
  return admits ? 'allow' : 'deny';
}

// ---- The network-policy-api tiers.
type Tier = 'admin' | 'baseline';
type Action = 'allow' | 'deny' | 'pass';
interface TierPolicy {
  tier: Tier;
  priority: number;
  spec: Obj;
  kind: 'ANP' | 'BANP' | 'CNP';
}

const sorted = new WeakMap<Cluster, TierPolicy[]>();
function tierPolicies(c: Cluster): TierPolicy[] {
  const known = sorted.get(c);
  if (known) return known;
  const out: TierPolicy[] = [];
  for (const o of c.policies) {
    const s = spec(o);
    if (o.kind === 'AdminNetworkPolicy')
      out.push({ tier: 'admin', priority: Number(s.priority), spec: s, kind: 'ANP' });
    if (o.kind === 'BaselineAdminNetworkPolicy')
      out.push({ tier: 'baseline', priority: 0, spec: s, kind: 'BANP' });
    if (o.kind === 'ClusterNetworkPolicy') {
      out.push({
        tier: s.tier === 'Baseline' ? 'baseline' : 'admin',
        priority: Number(s.priority),
        spec: s,
        kind: 'CNP',
      });
    }
  }
  // Lower priority first ("Policies with lower priority values have higher precedence"); a stable sort.
  out.sort((a, b) => a.priority - b.priority);
  sorted.set(c, out);
  return out;
}

/** Subject: `namespaces` (every pod of the matching namespaces) or `pods` (namespaceSelector AND podSelector). */
function subjectSelects(subject: Obj, nsLabels: Labels, pod: Pod): boolean {
  if (subject.namespaces) return matches(subject.namespaces as Selector, nsLabels);
  const pods = subject.pods as Obj | undefined;
  if (pods) {
    return (
      matches(pods.namespaceSelector as Selector, nsLabels) &&
      matches(pods.podSelector as Selector, pod.labels)
    );
  }
  throw new Error('a subject with neither namespaces nor pods');
}

/** A tier peer: `namespaces`, `pods`, or (egress) `networks`, which match pod addresses as well ("cluster-internal
 * traffic will be checked against the rule as well"). */
function tierPeerMatches(peer: Obj, other: Endpoint): boolean {
  if (Array.isArray(peer.networks))
    return (peer.networks as string[]).some((cidr) => inCidr(other.address, cidr));
  if (other.kind !== 'pod') return false;
  if (peer.namespaces) return matches(peer.namespaces as Selector, other.nsLabels);
  const pods = peer.pods as Obj | undefined;
  if (pods) {
    return (
      matches(pods.namespaceSelector as Selector, other.nsLabels) &&
      matches(pods.podSelector as Selector, other.labels)
    );
  }
  throw new Error('a tier peer of no modelled form');
}

const actionOf = (a: unknown): Action => (a === 'Deny' ? 'deny' : a === 'Pass' ? 'pass' : 'allow');

function tierRuleMatches(p: TierPolicy, rule: Obj, d: Direction, other: Endpoint, port: Port): boolean {
  const peers = rule[d === 'ingress' ? 'from' : 'to'] as Obj[];
  if (!peers.some((peer) => tierPeerMatches(peer, other))) return false;
  if (p.kind === 'CNP') return anyPort(rule.protocols, (x) => cnpProtocolMatches(x, port));
  return anyPort(rule.ports, (x) => anpPortMatches(x, port));
}

/** The first rule of the tier, in precedence order, that matches the connection decides; undefined when none does. */
function tierVerdict(
  policies: TierPolicy[],
  tier: Tier,
  nsLabels: Labels,
  pod: Pod,
  d: Direction,
  other: Endpoint,
  port: Port,
): Action | undefined {
  for (const p of policies) {
    if (p.tier !== tier || !subjectSelects(p.spec.subject as Obj, nsLabels, pod)) continue;
    for (const rule of (p.spec[d] as Obj[] | undefined) ?? []) {
      if (tierRuleMatches(p, rule, d, other, port)) return actionOf(rule.action);
    }
  }
  return undefined;
}

/**
 * Whether `pod` (of namespace labels `nsLabels`) accepts (ingress) or may send (egress) a connection with `other`
 * on `port`, for the policies that apply to `pod`'s side of the connection:
 * Admin tier (first match: Allow/Accept and Deny decide, Pass skips the rest of the tier), then the NetworkPolicies
 * selecting the pod (they always decide for a pod they isolate), then the Baseline tier, then the default: allowed.
 */
export function allowed(
  c: Cluster,
  pod: Pod,
  nsLabels: Labels,
  d: Direction,
  other: Endpoint,
  port: Port,
): boolean {
  const tiers = tierPolicies(c);
  const admin = tierVerdict(tiers, 'admin', nsLabels, pod, d, other, port);
  if (admin === 'allow') return true;
  if (admin === 'deny') return false;
  const np = networkPolicyVerdict(c, pod, d, other, port);
  if (np !== 'none') return np === 'allow';
  const baseline = tierVerdict(tiers, 'baseline', nsLabels, pod, d, other, port);
  return baseline !== 'deny'; // Allow, Pass (to the default) or nothing: allowed
}
