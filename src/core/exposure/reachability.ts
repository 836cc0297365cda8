// Who can reach a namespace (docs/exposure.md): per direction and for five classes of peers, whether at least one pod
// of the namespace can receive traffic from (ingress) or send traffic to (egress) a peer of the class. Pure: facts in,
// answers out. Which other namespaces exist is asked of an OtherNamespaces oracle (other-namespaces.ts), so the
// incremental state (exposure-state.ts) can answer from an index and learn what each answer depends on. This file
// sorts the pods into kinds and the tier rules into order, and names what opens each class; tier-walk.ts walks one
// kind's rules; peer-classes.ts holds the answer's shape.
//
// Answers are three-valued: true, false, or 'unknown' when something that decides them cannot be evaluated. Metrics
// report only `true` as reachable and flag the rest as unknown: the reported figures are then a lower bound.

import { DIRECTIONS, type Direction } from '../direction.ts';
import {
  isEmptySelector,
  keptList,
  type LabelSelector,
  NO_ITEMS,
  NO_PEERS,
  type PeerFacts,
  type PolicyFacts,
} from '../facts.ts';
import {
  and,
  lookupIn,
  matchSelector,
  namespaceLabels,
  or,
  same,
  type Tri,
} from '../selectors/label-selector.ts';
import { coversEvery, labelSpace, satisfiable } from '../selectors/label-space.ts';
import type { OpaqueEffect, TierPolicy, TierRule } from '../sources/reader.ts';
import { isDefaultDeny } from '../verdict.ts';
import { admittingPeers, npAddressClasses } from './network-policy-peers.ts';
import { matchNs, type NamespaceLabels, type OtherNamespaces } from './other-namespaces.ts';
import {
  type DirectionReachability,
  type NamespaceReachability,
  PEER_CLASSES,
  type PeerClass,
  UNISOLATED,
} from './peer-classes.ts';
import { type ActiveRule, DirectionWalk, type PodKind } from './tier-walk.ts';

const NONE_OPEN: readonly string[] = NO_ITEMS;
const openers = new Map<string, string>();
/** `Kind/name`, one string per distinct opener. */
function opener(kind: string, name: string): string {
  const key = `${kind}/${name}`;
  let interned = openers.get(key);
  if (interned === undefined) {
    if (openers.size > 100_000) openers.clear();
    interned = key;
    openers.set(key, interned);
  }
  return interned;
}

export interface ReachabilityInput {
  name: string;
  /** The namespace's labels as the API has them (kubernetes.io/metadata.name is added). */
  labels: Record<string, string>;
  /** The NetworkPolicies of the namespace. */
  policies: Iterable<PolicyFacts>;
  /** Every AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy: subjects are judged here. */
  tiers: readonly TierPolicy[];
  /** What the Calico and Cilium policies that touch the namespace may do to each direction. */
  opaque?: Record<Direction, OpaqueEffect>;
  /**
   * The same for one pod, when those policies can tell pods apart (labels undefined: a pod that no selector picking
   * pods by label picks): a pod they leave alone keeps what the NetworkPolicies give it.
   */
  opaqueOnPod?: (labels: Record<string, string> | undefined) => Record<Direction, OpaqueEffect>;
  /** With --pod-isolation, the labels of the namespace's pods; undefined when the pods are not known. */
  pods?: Iterable<Record<string, string>>;
  others: OtherNamespaces;
}

const UNREADABLE_PEERS: PeerFacts = { ...NO_PEERS, namespaceSelectors: [], unreadable: true };

/**
 * What a policy's rules admit for the direction, peers that can match nothing left out. Hand-built facts may carry no
 * peers: no rules admit nothing, rules of unknown content admit unknown peers.
 */
function peersOf(policy: PolicyFacts, direction: Direction): PeerFacts {
  const facts = policy[direction];
  return facts.peers ? admittingPeers(facts.peers) : facts.rules === 0 ? NO_PEERS : UNREADABLE_PEERS;
}

/** Tier rules for one direction, in evaluation order (priority, then name, then rule order). */
function orderedRules(tiers: readonly TierPolicy[], direction: Direction, tier: TierPolicy['tier']) {
  return tiers
    .filter((p) => p.tier === tier && p[direction].length > 0)
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
        (a.kind < b.kind ? -1 : 1),
    );
}

/** Two policies of one tier at one priority that both may apply: upstream leaves their order undefined. */
function hasTie(policies: readonly TierPolicy[]): boolean {
  for (let i = 1; i < policies.length; i++)
    if ((policies[i] as TierPolicy).priority === (policies[i - 1] as TierPolicy).priority) return true;
  return false;
}

/** The same policies with each run of equal priorities reversed: the other extreme of an undefined order. */
function reverseTies(policies: readonly TierPolicy[]): TierPolicy[] {
  const out: TierPolicy[] = [];
  let run: TierPolicy[] = [];
  for (const p of policies) {
    if (run.length > 0 && (run[0] as TierPolicy).priority !== p.priority) {
      out.push(...run.reverse());
      run = [];
    }
    run.push(p);
  }
  out.push(...run.reverse());
  return out;
}

/** Whether a tier policy's subject takes in the namespace, judged once per direction. */
type SubjectNamespaces = Map<TierPolicy, Tri>;

function subjectApplies(policy: TierPolicy, namespaces: SubjectNamespaces, kind: PodKind): Tri {
  const inNamespace = namespaces.get(policy) ?? 'unknown';
  const pods = policy.subject?.pods;
  if (!pods) return inNamespace;
  return satisfiable(pods) === false ? false : and(inNamespace, kind.inSubject(pods));
}

function activeRules(
  policies: readonly TierPolicy[],
  direction: Direction,
  namespaces: SubjectNamespaces,
  kind: PodKind,
) {
  const out: ActiveRule[] = [];
  for (const policy of policies) {
    const applies = subjectApplies(policy, namespaces, kind);
    if (applies === false) continue;
    for (const rule of policy[direction]) out.push({ policy, applies, rule });
  }
  return out;
}

const ALL_TRUE = (): Record<PeerClass, Tri> => ({
  same_namespace: true,
  other_namespaces: true,
  all_namespaces: true,
  ip_blocks: true,
  anywhere: true,
});
const ALL_FALSE = (): Record<PeerClass, Tri> => ({
  same_namespace: false,
  other_namespaces: false,
  all_namespaces: false,
  ip_blocks: false,
  anywhere: false,
});

function combine(a: Record<PeerClass, Tri>, b: Record<PeerClass, Tri>, op: (x: Tri, y: Tri) => Tri) {
  return {
    same_namespace: op(a.same_namespace, b.same_namespace),
    other_namespaces: op(a.other_namespaces, b.other_namespaces),
    all_namespaces: op(a.all_namespaces, b.all_namespaces),
    ip_blocks: op(a.ip_blocks, b.ip_blocks),
    anywhere: op(a.anywhere, b.anywhere),
  };
}

/**
 * The common case, without tier policies and without pod knowledge: the union of what the NetworkPolicies' peers
 * admit (what DirectionWalk computes then, without walking).
 */
function npOnlyClasses(selectedBy: readonly PeerFacts[], own: NamespaceLabels, others: OtherNamespaces) {
  const out = ALL_FALSE();
  const selectors: LabelSelector[] = [];
  for (const peers of selectedBy) {
    if (peers.everything) return ALL_TRUE();
    if (peers.ownNamespace) out.same_namespace = true;
    for (const s of peers.namespaceSelectors) {
      selectors.push(s);
      if (out.same_namespace !== true) out.same_namespace = or(out.same_namespace, matchNs(s, own));
      if (out.other_namespaces !== true)
        out.other_namespaces = or(out.other_namespaces, others.any(s, own.name));
    }
    if (peers.unreadable) for (const c of PEER_CLASSES) out[c] = or(out[c], 'unknown');
  }
  const addresses = npAddressClasses(selectedBy);
  out.ip_blocks = or(out.ip_blocks, addresses.ip_blocks);
  out.anywhere = or(out.anywhere, addresses.anywhere);
  out.all_namespaces = or(out.all_namespaces, everyOtherNamespace(selectors, own));
  if (out.all_namespaces === true) out.other_namespaces = true;
  return out;
}

/** The selectors together admit every namespace but the own one, including namespaces created later. */
const everyOtherNamespace = (selectors: readonly LabelSelector[], own: NamespaceLabels): Tri =>
  coversEvery(selectors, { namespaceOtherThan: own.name });

function kindClasses(
  own: NamespaceLabels,
  kind: PodKind,
  tiers: { admin: TierPolicy[]; baseline: TierPolicy[]; namespaces: SubjectNamespaces },
  direction: Direction,
  others: OtherNamespaces,
): Record<PeerClass, Tri> {
  const relevant = (list: TierPolicy[]) =>
    list.filter((p) => subjectApplies(p, tiers.namespaces, kind) !== false);
  const admin = relevant(tiers.admin);
  const baseline = relevant(tiers.baseline);
  const orders: [TierPolicy[], TierPolicy[]][] = [[admin, baseline]];
  if (hasTie(admin) || hasTie(baseline)) orders.push([reverseTies(admin), reverseTies(baseline)]);
  let out: Record<PeerClass, Tri> | undefined;
  for (const [a, b] of orders) {
    const walk = new DirectionWalk(
      own,
      kind,
      activeRules(a, direction, tiers.namespaces, kind),
      activeRules(b, direction, tiers.namespaces, kind),
      others,
    );
    const classes = walk.classes();
    out = out ? combine(out, classes, same) : classes;
  }
  return out ?? ALL_FALSE();
}

/** Every namespace, the own one included (no namespace has the empty name). */
const EVERY_NAME = { namespaceOtherThan: '' };

/** A rule set that admits every class on its own: what undoes a default deny beside it. */
function admitsEverything(peers: PeerFacts): boolean {
  return (
    peers.everything ||
    (npAddressClasses([peers]).anywhere === true &&
      peers.namespaceSelectors.some((sel) => coversEvery([sel], EVERY_NAME) === true))
  );
}

/** Which classes one NetworkPolicy's peers open for the namespace (for `openedBy`). */
function npOpens(
  peers: PeerFacts,
  own: NamespaceLabels,
  others: OtherNamespaces,
  union: { anywhere: Tri },
): Record<PeerClass, boolean> {
  const all = peers.everything || everyOtherNamespace(peers.namespaceSelectors, own) === true;
  const addresses = npAddressClasses([peers]);
  return {
    same_namespace:
      peers.everything ||
      peers.ownNamespace ||
      peers.namespaceSelectors.some((s) => matchNs(s, own) === true),
    other_namespaces: all || peers.namespaceSelectors.some((s) => others.any(s, own.name) === true),
    all_namespaces: all,
    ip_blocks: addresses.ip_blocks === true,
    // Blocks that cover a family only together with another policy's: each of them opens it.
    anywhere: addresses.anywhere === true || (peers.blocks.length > 0 && union.anywhere === true),
  };
}

function tierOpens(
  rule: TierRule,
  own: NamespaceLabels,
  others: OtherNamespaces,
): Record<PeerClass, boolean> {
  const { peers } = rule;
  const selectors = [...peers.namespaces, ...peers.pods.map((p) => p.namespaces)];
  const all = everyOtherNamespace(selectors, own) === true;
  return {
    same_namespace: selectors.some((s) => matchNs(s, own) === true),
    other_namespaces: all || selectors.some((s) => others.any(s, own.name) === true),
    all_namespaces: all,
    ip_blocks: peers.addresses,
    anywhere: peers.allAddresses,
  };
}

function direction(
  input: ReachabilityInput,
  own: NamespaceLabels,
  policies: readonly PolicyFacts[],
  pods: readonly Record<string, string>[] | undefined,
  d: Direction,
): DirectionReachability {
  const isolating = policies.filter((p) => p[d].applies);
  // What each policy admits, folded once per answer (not kept: facts stay as slim as they are read).
  const admitted = new Map(isolating.map((p) => [p, peersOf(p, d)]));
  const peersOfPolicy = (p: PolicyFacts) => admitted.get(p) ?? peersOf(p, d);
  // Tier policies whose subject may take in the namespace; the others cannot bear on it.
  const namespaces: SubjectNamespaces = new Map();
  const inSubject = (p: TierPolicy) => {
    const m: Tri = p.subject ? matchNs(p.subject.namespaces, own) : 'unknown';
    namespaces.set(p, m);
    return m !== false;
  };
  const tiers = {
    admin: orderedRules(input.tiers, d, 'admin').filter(inSubject),
    baseline: orderedRules(input.tiers, d, 'baseline').filter(inSubject),
    namespaces,
  };
  const kinds: PodKind[][] = []; // each entry: the scenarios one kind of pod may be in (combined with `same`)
  // What the Calico and Cilium policies may do to each kind of pod (`opaque` when they cannot tell pods apart).
  const effects: OpaqueEffect[] = [];
  const opaque = input.opaque?.[d] ?? 'none';
  const opaqueOn = (labels: Record<string, string> | undefined) =>
    opaque === 'none' || !input.opaqueOnPod ? opaque : input.opaqueOnPod(labels)[d];
  let unisolated = false;
  // The pods are not known: a pod of every label set the policies' podSelectors tell apart may exist (so a
  // podSelector no pod can satisfy selects none, and podSelectors that together take every pod leave none
  // unisolated). A tier subject that picks pods by label may or may not pick them.
  const possible = pods ?? labelSpace(isolating.map((p) => p.podSelector));
  const unknownSubject = () => 'unknown' as Tri;
  if (possible === undefined) {
    // Too many label sets to walk: pods no policy selects may exist, unless one selects every pod; and each
    // policy is taken to select some (a lower bound where policies overlap).
    if (!isolating.some((p) => isEmptySelector(p.podSelector))) {
      kinds.push([{ selectedBy: [], inSubject: unknownSubject }]);
      effects.push(opaqueOn(undefined));
      unisolated = true;
    }
    for (const p of isolating) {
      kinds.push([{ selectedBy: [peersOfPolicy(p)], inSubject: unknownSubject }]);
      effects.push(opaque);
    }
  } else {
    const seen = new Set<string>();
    for (const labels of possible) {
      const lookup = lookupIn(labels);
      const selects = isolating.map((p) => matchSelector(p.podSelector, lookup));
      const inSubject = pods ? (s: LabelSelector) => matchSelector(s, lookup) : unknownSubject;
      const subjects = input.tiers.map((t) => (t.subject?.pods ? String(inSubject(t.subject.pods)) : ''));
      const effect = opaqueOn(labels);
      const signature = `${selects.join()}|${subjects.join()}|${effect}`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      const certain = isolating.filter((_, i) => selects[i] === true).map((p) => peersOfPolicy(p));
      const maybe = isolating.filter((_, i) => selects[i] === 'unknown').map((p) => peersOfPolicy(p));
      if (certain.length === 0 && maybe.length === 0) unisolated = true;
      // A selector that cannot be evaluated may or may not pick the pod: both extremes, and each alone.
      const scenarios: PodKind[] = [{ selectedBy: certain, inSubject }];
      if (maybe.length > 0) {
        scenarios.push({ selectedBy: [...certain, ...maybe], inSubject });
        if (certain.length === 0) for (const m of maybe) scenarios.push({ selectedBy: [m], inSubject });
      }
      kinds.push(scenarios);
      effects.push(effect);
    }
  }

  let classes = ALL_FALSE();
  const simple = tiers.admin.length === 0 && tiers.baseline.length === 0 && pods === undefined;
  // What unisolated pods are open to without any admin allow: the classes UNISOLATED opens.
  let viaUnisolated = ALL_FALSE();
  const noAdminAllows = () => {
    const admin = tiers.admin.map((t) => ({ ...t, [d]: t[d].filter((r) => r.action !== 'allow') }));
    for (const [i, t] of admin.entries())
      namespaces.set(t, namespaces.get(tiers.admin[i] as TierPolicy) ?? 'unknown');
    return { admin, baseline: tiers.baseline, namespaces };
  };
  for (const [i, scenarios] of kinds.entries()) {
    let kindResult: Record<PeerClass, Tri> | undefined;
    for (const kind of scenarios) {
      const r = !simple
        ? kindClasses(own, kind, tiers, d, input.others)
        : kind.selectedBy.length === 0
          ? ALL_TRUE()
          : npOnlyClasses(kind.selectedBy, own, input.others);
      kindResult = kindResult ? combine(kindResult, r, same) : r;
    }
    const effect = effects[i] ?? opaque;
    if (kindResult) classes = combine(classes, touchedBy(kindResult, effect), or);
    const first = scenarios[0];
    if (first && kindResult && first.selectedBy.length === 0 && scenarios.length === 1) {
      const open =
        tiers.admin.length === 0 ? kindResult : kindClasses(own, first, noAdminAllows(), d, input.others);
      viaUnisolated = combine(viaUnisolated, touchedBy(open, effect), or);
    }
  }

  // Most classes have no opener: they share one empty list, and opener names are interned (10,000 namespaces
  // mostly name the same few policies).
  const openedBy: Record<PeerClass, readonly string[]> = {
    same_namespace: NONE_OPEN,
    other_namespaces: NONE_OPEN,
    all_namespaces: NONE_OPEN,
    ip_blocks: NONE_OPEN,
    anywhere: NONE_OPEN,
  };
  const anyOpen = PEER_CLASSES.some((c) => classes[c] === true);
  const union = anyOpen ? npAddressClasses(isolating.map((p) => peersOfPolicy(p))) : { anywhere: false };
  const opens = anyOpen ? isolating.map((p) => npOpens(peersOfPolicy(p), own, input.others, union)) : [];
  for (const c of PEER_CLASSES) {
    if (classes[c] !== true) continue;
    const list: string[] = [];
    isolating.forEach((p, i) => {
      if (opens[i]?.[c]) list.push(opener('NetworkPolicy', p.name));
    });
    for (const t of [...tiers.admin, ...tiers.baseline]) {
      if (t[d].some((r) => r.action === 'allow' && tierOpens(r, own, input.others)[c]))
        list.push(opener(t.kind, t.name));
    }
    if (unisolated && viaUnisolated[c] === true) list.push(UNISOLATED);
    if (list.length > 0) openedBy[c] = keptList(list);
  }

  const denyUndone =
    isolating.some((p) => isDefaultDeny(p, d)) &&
    isolating.some((p) => isEmptySelector(p.podSelector) && admitsEverything(peersOfPolicy(p)));
  return { classes, denyUndone, openedBy };
}

/**
 * Calico and Cilium rules are not evaluated: on pods one may isolate or deny, nothing is known; on pods it can only
 * allow more, what is already reachable stays, and the rest is unknown.
 */
function touchedBy(classes: Record<PeerClass, Tri>, effect: OpaqueEffect): Record<PeerClass, Tri> {
  if (effect === 'none') return classes;
  const out = { ...classes };
  for (const c of PEER_CLASSES) if (effect === 'any' || out[c] === false) out[c] = 'unknown';
  return out;
}

/** Who can reach the namespace, and whom it can reach. */
export function namespaceReachability(input: ReachabilityInput): NamespaceReachability {
  const own: NamespaceLabels = { name: input.name, labels: namespaceLabels(input.name, input.labels) };
  const policies = [...input.policies];
  const pods = input.pods === undefined ? undefined : [...input.pods];
  const [ingress, egress] = DIRECTIONS.map((d) => direction(input, own, policies, pods, d)) as [
    DirectionReachability,
    DirectionReachability,
  ];
  return { name: input.name, ingress, egress };
}
