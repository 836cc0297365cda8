// The five peer classes of docs/exposure.md, derived from the reference model by enumerating every peer that can
// exist, not only the peers of the generated cluster: an open world.
//
// Why the enumeration is exhaustive: a label selector looks only at the keys it names, and for each key only at
// whether the value is one it names. So for the keys and values the cluster's selectors mention, every possible label
// set behaves like one that gives each mentioned key a mentioned value, some other value, or no value. Enumerating
// those label sets enumerates every namespace (with `kubernetes.io/metadata.name` any existing name, any mentioned
// name or a fresh one) and every pod that may ever exist, up to what the policies can tell apart.
import { OUTSIDE, POD_NETWORKS, type PodNetwork, podAddress } from './addresses.ts';
import {
  allowed,
  type Cluster,
  type Direction,
  type Endpoint,
  type Labels,
  NAME_LABEL,
  namespaceLabels,
  type Obj,
  type Port,
  type Selector,
} from './model.ts';

export type PeerClass = 'same_namespace' | 'other_namespaces' | 'all_namespaces' | 'ip_blocks' | 'anywhere';
export const PEER_CLASSES: readonly PeerClass[] = [
  'same_namespace',
  'other_namespaces',
  'all_namespaces',
  'ip_blocks',
  'anywhere',
];
export type Tri = boolean | 'unknown';

/** One port per region the generators' port specs cut (TCP 80, 443, 8000-9000; UDP 53; all TCP), plus others. */
export const PORTS: readonly Port[] = [
  { protocol: 'TCP', port: 80 },
  { protocol: 'TCP', port: 443 },
  { protocol: 'TCP', port: 8080 },
  { protocol: 'TCP', port: 22 },
  { protocol: 'UDP', port: 53 },
  { protocol: 'UDP', port: 80 },
  { protocol: 'SCTP', port: 80 },
];

const OTHER_VALUE = 'zz-other';
const FRESH_NAME = 'zz-fresh';

type Mentions = Map<string, Set<string>>;
const mention = (m: Mentions, key: string, value?: string) => {
  const values = m.get(key) ?? new Set<string>();
  if (value !== undefined) values.add(value);
  m.set(key, values);
};
function mentionSelector(m: Mentions, s: Selector) {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) mention(m, k, v);
  for (const r of s.matchExpressions ?? []) {
    mention(m, r.key);
    for (const v of r.values ?? []) mention(m, r.key, v);
  }
}
/** Keys and values the policies' selectors mention, apart for pod selectors and namespace selectors. */
function mentions(c: Cluster): { pod: Mentions; ns: Mentions } {
  const pod: Mentions = new Map();
  const ns: Mentions = new Map();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Obj)) {
        if (k === 'podSelector') mentionSelector(pod, child as Selector);
        else if (k === 'namespaceSelector' || k === 'namespaces') mentionSelector(ns, child as Selector);
        else walk(child);
      }
    }
  };
  for (const p of c.policies) walk(p.spec);
  return { pod, ns };
}

/** Every label set over the mentioned keys, each key absent, one of its mentioned values, or another value. */
function labelSets(m: Mentions, skip: string[] = []): Labels[] {
  let out: Labels[] = [{}];
  for (const [key, values] of m) {
    if (skip.includes(key)) continue;
    const choices = [undefined, ...values, OTHER_VALUE];
    out = out.flatMap((l) => choices.map((v) => (v === undefined ? l : { ...l, [key]: v })));
  }
  return out;
}

export interface Universe {
  podLabels: Labels[];
  /** Every namespace but `own` that may ever exist, by its labels (name label included). */
  possibleNamespaces(own: string): Labels[];
}
export function universe(c: Cluster): Universe {
  const { pod, ns } = mentions(c);
  const names = new Set([...c.namespaces.map((n) => n.name), ...(ns.get(NAME_LABEL) ?? []), FRESH_NAME]);
  const nsSets = labelSets(ns, [NAME_LABEL]);
  return {
    podLabels: labelSets(pod),
    possibleNamespaces: (own) =>
      [...names]
        .filter((n) => n !== own)
        .flatMap((name) => nsSets.map((l) => ({ ...l, [NAME_LABEL]: name }))),
  };
}

const hasNetworks = (c: Cluster) => JSON.stringify(c.policies).includes('"networks"');

/** The classes for one assumption of where pod addresses are. */
function classesFor(
  c: Cluster,
  u: Universe,
  name: string,
  d: Direction,
  net: PodNetwork,
): Record<PeerClass, boolean> {
  const own = c.namespaces.find((n) => n.name === name);
  if (!own) throw new Error(`no namespace ${name}`);
  const ownLabels = namespaceLabels(own);
  const targets = c.pods.filter((p) => p.namespace === name);
  const at = podAddress(net);
  const podIn = (nsName: string, nsLabels: Labels, labels: Labels): Endpoint => ({
    kind: 'pod',
    namespace: nsName,
    nsLabels,
    labels,
    address: at,
  });
  const reaches = (other: Endpoint) =>
    targets.some((t) => PORTS.some((port) => allowed(c, t, ownLabels, d, other, port)));
  const somePodOf = (nsName: string, nsLabels: Labels) =>
    u.podLabels.some((labels) => reaches(podIn(nsName, nsLabels, labels)));

  const same = somePodOf(name, ownLabels);
  const all = u.possibleNamespaces(name).every((l) => somePodOf(l[NAME_LABEL] as string, l));
  // docs/exposure.md: "all_namespaces implies other_namespaces" (also when no other namespace exists today).
  const other = all || c.namespaces.some((n) => n.name !== name && somePodOf(n.name, namespaceLabels(n)));
  const outside = OUTSIDE.map((a) => ({ a, ok: reaches({ kind: 'address', address: a }) }));
  const ip = outside.some((o) => o.ok);
  // docs/exposure.md: "anywhere: every address outside the cluster of one family (IPv4 or IPv6)", whatever reaches it.
  const every = (f: 4 | 6) => outside.filter((o) => o.a.family === f).every((o) => o.ok);
  const anywhere = every(4) || every(6);
  return { same_namespace: same, other_namespaces: other, all_namespaces: all, ip_blocks: ip, anywhere };
}

/**
 * The classes for namespace `name` and direction `d`: true or false when every assumption about pod addresses gives
 * the same answer, else 'unknown' (the answer depends on the pod network, which neither the model nor the engine knows).
 */
export function referenceClasses(c: Cluster, name: string, d: Direction): Record<PeerClass, Tri> {
  const u = universe(c);
  const nets = hasNetworks(c) ? POD_NETWORKS : POD_NETWORKS.slice(0, 1);
  const answers = nets.map((n) => classesFor(c, u, name, d, n));
  const out = {} as Record<PeerClass, Tri>;
  for (const k of PEER_CLASSES) {
    const values = new Set(answers.map((a) => a[k]));
    out[k] = values.size === 1 ? answers[0]?.[k] === true : 'unknown';
  }
  return out;
}
