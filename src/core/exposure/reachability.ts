// Who can reach a namespace (docs/exposure.md): per direction and for five classes of peers, whether at least one pod
// of the namespace can receive traffic from (ingress) or send traffic to (egress) a peer of the class. Pure: facts in,
// answers out. Which other namespaces exist is asked of an OtherNamespaces oracle, so the incremental state
// (exposure-state.ts) can answer from an index and learn what each answer depends on.
//
// Answers are three-valued: true, false, or 'unknown' when something that decides them cannot be evaluated. Metrics
// report only `true` as reachable and flag the rest as unknown: the reported figures are then a lower bound.

import { DIRECTIONS, type Direction } from '../direction.ts';
import { isEmptySelector, type LabelSelector, NO_PEERS, type PeerFacts, type PolicyFacts } from '../facts.ts';
import { lookupIn, matchSelector, namespaceLabels, type Tri } from '../selectors/label-selector.ts';
import type { OpaqueEffect, TierPolicy, TierRule } from '../sources/reader.ts';
import { isDefaultDeny } from '../verdict.ts';

export type PeerClass = 'same_namespace' | 'other_namespaces' | 'all_namespaces' | 'ip_blocks' | 'anywhere';
/** Exposition order. */
export const PEER_CLASSES: readonly PeerClass[] = [
  'same_namespace',
  'other_namespaces',
  'all_namespaces',
  'ip_blocks',
  'anywhere',
];
/** Widest first: the order "reachable from" reads in (the status page and the dashboard's widest class). */
export const WIDEST_FIRST: readonly PeerClass[] = [
  'anywhere',
  'all_namespaces',
  'ip_blocks',
  'other_namespaces',
  'same_namespace',
];

/** What opens a class when some pods of the namespace are isolated by no policy for the direction. */
export const UNISOLATED = '(pods no policy isolates)';

const NONE_OPEN: readonly string[] = Object.freeze([]);
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

/** A namespace and its labels as selectors see them (kubernetes.io/metadata.name included). */
export interface NamespaceLabels {
  name: string;
  labels: Record<string, string>;
}

/** The other namespaces, as far as reachability asks about them. */
export interface OtherNamespaces {
  /** Whether a namespace other than `own` matches the selector ('unknown' when that cannot be evaluated). */
  any(selector: LabelSelector, own: string): Tri;
  /**
   * Whether `test` holds for some namespace other than `own` among those the selector may match (every namespace
   * when it is undefined): true at the first one it holds for; else 'unknown' when it was unknown for one; else false.
   */
  find(selector: LabelSelector | undefined, own: string, test: (ns: NamespaceLabels) => Tri): Tri;
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
  /** With --pod-isolation, the labels of the namespace's pods; undefined when the pods are not known. */
  pods?: Iterable<Record<string, string>>;
  others: OtherNamespaces;
}

export interface DirectionReachability {
  /** Per class: at least one pod reachable (true), none (false), or 'unknown'. */
  classes: Record<PeerClass, Tri>;
  /** A default deny for the direction beside an allow-all policy (empty podSelector, a rule admitting every class). */
  denyUndone: boolean;
  /** For each reachable class, what opens it: `NetworkPolicy/<name>`, `AdminNetworkPolicy/<name>`, ..., UNISOLATED. */
  openedBy: Record<PeerClass, readonly string[]>;
}

export interface NamespaceReachability {
  name: string;
  ingress: DirectionReachability;
  egress: DirectionReachability;
}

/** Reported as reachable: only what is known to be. */
export const isReachable = (r: DirectionReachability, peer: PeerClass): boolean => r.classes[peer] === true;
/** Some class could not be judged: the reachable figures are a lower bound. */
export const isUnknown = (r: DirectionReachability): boolean =>
  PEER_CLASSES.some((c) => r.classes[c] === 'unknown');
/** The widest class known to be reachable, or undefined when none is. */
export const widestClass = (r: DirectionReachability): PeerClass | undefined =>
  WIDEST_FIRST.find((c) => r.classes[c] === true);

// Kleene logic, plus `same`: the answer when either of two cases may hold.
const or = (a: Tri, b: Tri): Tri =>
  a === true || b === true ? true : a === false && b === false ? false : 'unknown';
const and = (a: Tri, b: Tri): Tri =>
  a === false || b === false ? false : a === true && b === true ? true : 'unknown';
const same = (a: Tri, b: Tri): Tri => (a === b ? a : 'unknown');
const orAll = (values: Iterable<Tri>): Tri => {
  let out: Tri = false;
  for (const v of values) {
    out = or(out, v);
    if (out === true) return true;
  }
  return out;
};

/** A selector that matches every namespace whatever its labels (and every namespace created later). */
export function matchesEveryNamespace(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels).length === 0 &&
    selector.matchExpressions.every(
      (e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'Exists' && e.values.length === 0,
    )
  );
}

const UNREADABLE_PEERS: PeerFacts = { ...NO_PEERS, namespaceSelectors: [], unreadable: true };

/** Hand-built facts may carry no peers: no rules admit nothing, rules of unknown content admit unknown peers. */
function peersOf(policy: PolicyFacts, direction: Direction): PeerFacts {
  const facts = policy[direction];
  return facts.peers ?? (facts.rules === 0 ? NO_PEERS : UNREADABLE_PEERS);
}

const matchNs = (selector: LabelSelector, ns: NamespaceLabels): Tri =>
  matchSelector(selector, lookupIn(ns.labels));

/** The pods of one kind: the NetworkPolicies that select them, and whether a tier subject's podSelector does. */
interface PodKind {
  selectedBy: PeerFacts[];
  inSubject(pods: LabelSelector): Tri;
}

/** One tier rule as it stands for one kind of pod. */
interface ActiveRule {
  policy: TierPolicy;
  applies: Tri;
  rule: TierRule;
}

/** Evaluates one direction for one kind of pod. */
class DirectionWalk {
  private readonly isolated: boolean;

  constructor(
    private readonly own: NamespaceLabels,
    private readonly kind: PodKind,
    private readonly admin: readonly ActiveRule[],
    private readonly baseline: readonly ActiveRule[],
    private readonly others: OtherNamespaces,
  ) {
    this.isolated = kind.selectedBy.length > 0;
  }

  classes(): Record<PeerClass, Tri> {
    const all = this.allNamespaces();
    return {
      same_namespace: this.namespaceAtom(this.own),
      other_namespaces:
        all === true ? true : or(all === 'unknown' ? 'unknown' : false, this.otherNamespaces()),
      all_namespaces: all,
      ip_blocks: this.someAddress(),
      anywhere: this.everyAddress(),
    };
  }

  // --- pods of one namespace (the own one, or another): existential, judged by its labels -------------------

  /** Does a rule's peer set match (some pods of) the namespace? Deny and pass rules that name only some pods of it
   *  leave the others to later rules: unknown which. Address peers may include pod addresses: unknown. */
  private peerMatchesNamespace(rule: TierRule, ns: NamespaceLabels): Tri {
    const { peers } = rule;
    let m: Tri = false;
    for (const s of peers.namespaces) m = or(m, matchNs(s, ns));
    for (const s of peers.somePodsOf) {
      const hit = matchNs(s, ns);
      m = or(m, rule.action === 'allow' ? hit : hit === false ? false : 'unknown');
    }
    if (peers.addresses) m = or(m, peers.allAddresses ? true : 'unknown');
    if (peers.unknown) m = or(m, 'unknown');
    return m;
  }

  private npAllowsNamespace(ns: NamespaceLabels): Tri {
    let m: Tri = false;
    for (const peers of this.kind.selectedBy) {
      if (peers.everything || (peers.ownNamespace && ns.name === this.own.name)) return true;
      for (const s of peers.namespaceSelectors) m = or(m, matchNs(s, ns));
      if (peers.unreadable) m = or(m, 'unknown');
    }
    return m;
  }

  /** First match wins, tier by tier: admin rules, then NetworkPolicies (for isolated pods) or baseline rules. */
  private walk(
    rules: readonly ActiveRule[],
    match: (rule: TierRule) => Tri,
    onPass: () => Tri,
    atEnd: () => Tri,
    from = 0,
  ): Tri {
    for (let i = from; i < rules.length; i++) {
      const r = rules[i] as ActiveRule;
      const m = and(r.applies, match(r.rule));
      if (m === false) continue;
      const result =
        r.rule.action === 'allow'
          ? true
          : r.rule.action === 'deny'
            ? false
            : r.rule.action === 'pass'
              ? onPass()
              : 'unknown';
      return m === true ? result : same(result, this.walk(rules, match, onPass, atEnd, i + 1));
    }
    return atEnd();
  }

  private namespaceAtom(ns: NamespaceLabels): Tri {
    const match = (rule: TierRule) => this.peerMatchesNamespace(rule, ns);
    const npTier = (): Tri =>
      this.isolated
        ? this.npAllowsNamespace(ns)
        : this.walk(
            this.baseline,
            match,
            () => true,
            () => true,
          );
    return this.walk(this.admin, match, npTier, npTier);
  }

  /** Some pods of at least one existing other namespace: search the namespaces a rule or policy could admit. */
  private otherNamespaces(): Tri {
    const test = (ns: NamespaceLabels) => this.namespaceAtom(ns);
    if (this.admin.length === 0 && (this.isolated || this.baseline.length === 0)) {
      // Without tier rules in the way, a selector that matches another namespace is the answer.
      if (!this.isolated) return true;
      let m: Tri = false;
      for (const peers of this.kind.selectedBy) {
        if (peers.everything) return true;
        for (const s of peers.namespaceSelectors) m = or(m, this.others.any(s, this.own.name));
        if (peers.unreadable) m = or(m, 'unknown');
        if (m === true) return true;
      }
      return m;
    }
    const candidates = this.candidateSelectors();
    if (candidates === 'all') return this.others.find(undefined, this.own.name, test);
    return orAll(candidates.map((s) => this.others.find(s, this.own.name, test)));
  }

  /**
   * The selectors whose namespaces an allow could reach, walking the tiers in order; 'all' when a default allow or
   * an address rule may. A deny or pass that certainly covers every namespace ends its tier's walk, so a "deny
   * everything" admin policy leaves only the allows above it to search, not every namespace.
   */
  private candidateSelectors(): LabelSelector[] | 'all' {
    const out: LabelSelector[] = [];
    /** Collects a tier's allow selectors; says whether the walk goes on to the next tier. */
    const tier = (rules: readonly ActiveRule[]): 'all' | 'stop' | 'next' => {
      for (const r of rules) {
        const { action, peers } = r.rule;
        if (action === 'allow' || action === 'unknown') {
          if (peers.addresses || peers.unknown) return 'all';
          out.push(...peers.namespaces, ...peers.somePodsOf);
          continue;
        }
        if (r.applies === true && this.namespaceCoverage(r.rule) === 'full')
          return action === 'deny' ? 'stop' : 'next';
      }
      return 'next';
    };
    const admin = tier(this.admin);
    if (admin === 'all') return 'all';
    if (admin === 'next') {
      if (this.isolated) {
        for (const peers of this.kind.selectedBy) {
          if (peers.everything || peers.unreadable) return 'all';
          out.push(...peers.namespaceSelectors);
        }
      } else {
        const baseline = tier(this.baseline);
        // Past the baseline rules, traffic is allowed by default.
        if (baseline !== 'stop') return 'all';
      }
    }
    return out.some(matchesEveryNamespace) ? 'all' : out;
  }

  // --- every namespace, now and later: universal, judged by the form of the selectors -----------------------

  /** How a rule covers "every namespace": all of them, some (certainly), maybe some, or none. */
  private namespaceCoverage(rule: TierRule): 'full' | 'some' | 'maybe' | 'none' {
    const { peers } = rule;
    const allowish = rule.action === 'allow';
    if (peers.namespaces.some(matchesEveryNamespace)) return 'full';
    if (allowish && peers.somePodsOf.some(matchesEveryNamespace)) return 'full';
    if (peers.addresses && peers.allAddresses) return 'full';
    if (peers.namespaces.length > 0 || (allowish && peers.somePodsOf.length > 0)) return 'some';
    if (peers.somePodsOf.length > 0 || peers.addresses || peers.unknown) return 'maybe';
    return 'none';
  }

  private npAllowsEveryNamespace(): Tri {
    let m: Tri = false;
    for (const peers of this.kind.selectedBy) {
      if (peers.everything || peers.namespaceSelectors.some(matchesEveryNamespace)) return true;
      if (peers.unreadable) m = 'unknown';
    }
    return m;
  }

  private npSelectsSomeNamespaces(): boolean {
    return this.kind.selectedBy.some((p) => p.namespaceSelectors.length > 0 || p.unreadable);
  }

  private universalWalk(
    rules: readonly ActiveRule[],
    coverage: (rule: TierRule) => 'full' | 'some' | 'maybe' | 'none',
    onPass: () => Tri,
    passedSomeMayBeAllowed: () => boolean,
    atEnd: () => Tri,
    from = 0,
  ): Tri {
    const next = (i: number) =>
      this.universalWalk(rules, coverage, onPass, passedSomeMayBeAllowed, atEnd, i + 1);
    for (let i = from; i < rules.length; i++) {
      const r = rules[i] as ActiveRule;
      const c = r.applies === false ? 'none' : coverage(r.rule);
      if (c === 'none') continue;
      const { action } = r.rule;
      let result: Tri;
      if (action === 'unknown') result = 'unknown';
      else if (c === 'full') result = action === 'allow' ? true : action === 'deny' ? false : onPass();
      else {
        // Only some peers match: allowed ones are fine and the rest go on; a denied one breaks "every".
        const passed = (): Tri => {
          const np = onPass();
          return np === true ? true : passedSomeMayBeAllowed() ? 'unknown' : false;
        };
        const part: Tri = action === 'allow' ? next(i) : action === 'deny' ? false : and(passed(), next(i));
        result = c === 'some' ? part : same(part, next(i));
      }
      return r.applies === true ? result : same(result, next(i));
    }
    return atEnd();
  }

  private allNamespaces(): Tri {
    return this.everyPeer(
      (rule) => this.namespaceCoverage(rule),
      () => this.npAllowsEveryNamespace(),
      () => this.npSelectsSomeNamespaces(),
    );
  }

  /**
   * Whether every peer of a kind (every namespace, every address) is let in: the admin tier, then for what passes
   * it the NetworkPolicies (when the pods are isolated) or else the baseline tier, which lets in what it passes.
   * `npAllowsEvery`: the NetworkPolicies let every such peer in; `npHasSome`: they may let some in.
   */
  private everyPeer(
    coverage: (rule: TierRule) => 'full' | 'some' | 'maybe' | 'none',
    npAllowsEvery: () => Tri,
    npHasSome: () => boolean,
  ): Tri {
    const npTier = (): Tri =>
      this.isolated
        ? npAllowsEvery()
        : this.universalWalk(
            this.baseline,
            coverage,
            () => true,
            () => true,
            () => true,
          );
    return this.universalWalk(this.admin, coverage, npTier, npHasSome, npTier);
  }

  // --- addresses outside the pod network --------------------------------------------------------------------

  private addressCoverage(rule: TierRule): 'full' | 'some' | 'maybe' | 'none' {
    const { peers } = rule;
    if (peers.addresses) return peers.allAddresses ? 'full' : 'some';
    return peers.unknown ? 'maybe' : 'none';
  }

  private npAllowsEveryAddress(): Tri {
    let m: Tri = false;
    for (const peers of this.kind.selectedBy) {
      if (peers.everything || peers.anyAddress) return true;
      if (peers.unreadable) m = 'unknown';
    }
    return m;
  }

  /** Some address: when an earlier rule took some addresses away, a later partial allow may fall inside them. */
  private npAllowsSomeAddress(narrowed: boolean): Tri {
    let m: Tri = false;
    for (const peers of this.kind.selectedBy) {
      if (peers.everything || peers.anyAddress) return true;
      if (peers.ipBlocks) m = or(m, narrowed ? 'unknown' : true);
      if (peers.unreadable) m = or(m, 'unknown');
    }
    return m;
  }

  private someAddressWalk(
    rules: readonly ActiveRule[],
    narrowed: boolean,
    atEnd: (narrowed: boolean) => Tri,
    onPass: (narrowed: boolean) => Tri,
    from = 0,
  ): Tri {
    for (let i = from; i < rules.length; i++) {
      const r = rules[i] as ActiveRule;
      const c = r.applies === false ? 'none' : this.addressCoverage(r.rule);
      if (c === 'none') continue;
      const { action } = r.rule;
      const rest = (n: boolean) => this.someAddressWalk(rules, n, atEnd, onPass, i + 1);
      let result: Tri;
      if (action === 'unknown') result = 'unknown';
      else if (c === 'full')
        result = action === 'allow' ? true : action === 'deny' ? false : onPass(narrowed);
      else {
        // The matched addresses get the action; the others go on, fewer than before.
        const matched: Tri =
          action === 'allow' ? (narrowed ? 'unknown' : true) : action === 'deny' ? false : onPass(true);
        result = or(matched, rest(true));
        if (c === 'maybe') result = same(result, rest(narrowed));
      }
      return r.applies === true ? result : same(result, rest(narrowed));
    }
    return atEnd(narrowed);
  }

  private someAddress(): Tri {
    const npTier = (narrowed: boolean): Tri =>
      this.isolated
        ? this.npAllowsSomeAddress(narrowed)
        : this.someAddressWalk(
            this.baseline,
            narrowed,
            () => true,
            () => true,
          );
    return this.someAddressWalk(this.admin, false, npTier, npTier);
  }

  private everyAddress(): Tri {
    return this.everyPeer(
      (rule) => this.addressCoverage(rule),
      () => this.npAllowsEveryAddress(),
      () => this.kind.selectedBy.some((p) => p.ipBlocks || p.unreadable),
    );
  }
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
  return policy.subject?.pods ? and(inNamespace, kind.inSubject(policy.subject.pods)) : inNamespace;
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
  for (const peers of selectedBy) {
    if (peers.everything) return ALL_TRUE();
    if (peers.ownNamespace) out.same_namespace = true;
    for (const s of peers.namespaceSelectors) {
      if (matchesEveryNamespace(s)) {
        out.same_namespace = out.other_namespaces = out.all_namespaces = true;
        continue;
      }
      if (out.same_namespace !== true) out.same_namespace = or(out.same_namespace, matchNs(s, own));
      if (out.other_namespaces !== true)
        out.other_namespaces = or(out.other_namespaces, others.any(s, own.name));
    }
    if (peers.ipBlocks) out.ip_blocks = true;
    if (peers.anyAddress) out.anywhere = out.ip_blocks = true;
    if (peers.unreadable) for (const c of PEER_CLASSES) out[c] = or(out[c], 'unknown');
  }
  return out;
}

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

/** A rule set that admits every class on its own: what undoes a default deny beside it. */
function admitsEverything(peers: PeerFacts): boolean {
  return peers.everything || (peers.anyAddress && peers.namespaceSelectors.some(matchesEveryNamespace));
}

/** Which classes one NetworkPolicy's peers open for the namespace (for `openedBy`). */
function npOpens(
  peers: PeerFacts,
  own: NamespaceLabels,
  others: OtherNamespaces,
): Record<PeerClass, boolean> {
  const all = peers.everything || peers.namespaceSelectors.some(matchesEveryNamespace);
  return {
    same_namespace:
      peers.everything ||
      peers.ownNamespace ||
      peers.namespaceSelectors.some((s) => matchNs(s, own) === true),
    other_namespaces: all || peers.namespaceSelectors.some((s) => others.any(s, own.name) === true),
    all_namespaces: all,
    ip_blocks: peers.everything || peers.ipBlocks,
    anywhere: peers.everything || peers.anyAddress,
  };
}

function tierOpens(
  rule: TierRule,
  own: NamespaceLabels,
  others: OtherNamespaces,
): Record<PeerClass, boolean> {
  const { peers } = rule;
  const selectors = [...peers.namespaces, ...peers.somePodsOf];
  const all = selectors.some(matchesEveryNamespace);
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
  let unisolated = false;
  if (pods === undefined) {
    // The pods are not known: some that no policy selects may exist, unless a policy selects every pod; and each
    // policy is taken to select some. A tier subject that picks pods by label may or may not pick them.
    const maybe = () => 'unknown' as Tri;
    if (!isolating.some((p) => isEmptySelector(p.podSelector))) {
      kinds.push([{ selectedBy: [], inSubject: maybe }]);
      unisolated = true;
    }
    for (const p of isolating) kinds.push([{ selectedBy: [peersOf(p, d)], inSubject: maybe }]);
  } else {
    const seen = new Set<string>();
    for (const labels of pods) {
      const lookup = lookupIn(labels);
      const selects = isolating.map((p) => matchSelector(p.podSelector, lookup));
      const inSubject = (s: LabelSelector) => matchSelector(s, lookup);
      const subjects = input.tiers.map((t) => (t.subject?.pods ? String(inSubject(t.subject.pods)) : ''));
      const signature = `${selects.join()}|${subjects.join()}`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      const certain = isolating.filter((_, i) => selects[i] === true).map((p) => peersOf(p, d));
      const maybe = isolating.filter((_, i) => selects[i] === 'unknown').map((p) => peersOf(p, d));
      if (certain.length === 0 && maybe.length === 0) unisolated = true;
      // A selector that cannot be evaluated may or may not pick the pod: both extremes, and each alone.
      const scenarios: PodKind[] = [{ selectedBy: certain, inSubject }];
      if (maybe.length > 0) {
        scenarios.push({ selectedBy: [...certain, ...maybe], inSubject });
        if (certain.length === 0) for (const m of maybe) scenarios.push({ selectedBy: [m], inSubject });
      }
      kinds.push(scenarios);
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
  for (const scenarios of kinds) {
    let kindResult: Record<PeerClass, Tri> | undefined;
    for (const kind of scenarios) {
      const r = !simple
        ? kindClasses(own, kind, tiers, d, input.others)
        : kind.selectedBy.length === 0
          ? ALL_TRUE()
          : npOnlyClasses(kind.selectedBy, own, input.others);
      kindResult = kindResult ? combine(kindResult, r, same) : r;
    }
    if (kindResult) classes = combine(classes, kindResult, or);
    const first = scenarios[0];
    if (first && kindResult && first.selectedBy.length === 0 && scenarios.length === 1) {
      const open =
        tiers.admin.length === 0 ? kindResult : kindClasses(own, first, noAdminAllows(), d, input.others);
      viaUnisolated = combine(viaUnisolated, open, or);
    }
  }
  // Calico and Cilium rules are not evaluated: one that may isolate or deny leaves nothing known; one that can only
  // allow more leaves what is already reachable, and makes the rest unknown.
  const effect = input.opaque?.[d] ?? 'none';
  if (kinds.length > 0 && effect !== 'none') {
    for (const c of PEER_CLASSES) {
      if (effect === 'any' || classes[c] === false) classes[c] = 'unknown';
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
  const opens = anyOpen ? isolating.map((p) => npOpens(peersOf(p, d), own, input.others)) : [];
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
    if (list.length > 0) openedBy[c] = list;
  }

  const denyUndone =
    isolating.some((p) => isDefaultDeny(p, d)) &&
    isolating.some((p) => isEmptySelector(p.podSelector) && admitsEverything(peersOf(p, d)));
  return { classes, denyUndone, openedBy };
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

/** An oracle over a plain list of namespaces: the from-scratch answer (tests, the audit, small clusters). */
export function listedNamespaces(
  namespaces: Iterable<{ name: string; labels: Record<string, string> }>,
): OtherNamespaces {
  const all: NamespaceLabels[] = [...namespaces].map((n) => ({
    name: n.name,
    labels: namespaceLabels(n.name, n.labels),
  }));
  return {
    any: (selector, own) => orAll(all.filter((n) => n.name !== own).map((n) => matchNs(selector, n))),
    find: (selector, own, test) => {
      let out: Tri = false;
      for (const n of all) {
        if (n.name === own) continue;
        const m = selector ? matchNs(selector, n) : true;
        if (m === false) continue;
        const t = and(m, test(n));
        if (t === true) return true;
        if (t === 'unknown') out = 'unknown';
      }
      return out;
    },
  };
}
