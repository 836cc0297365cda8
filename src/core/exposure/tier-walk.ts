// One direction, for one kind of pod, walked through the tiers as the network-policy-api orders them: admin
// rules (first match decides, per peer and per port), then the NetworkPolicies (for isolated pods) or the baseline
// rules, then the default (allow). A Pass ends the admin tier for the traffic it matches, not the traffic's chances.
//
// Peers are walked as points of finite spaces that decide exactly: namespaces and pods by the label sets the
// selectors can tell apart (selectors/label-space.ts), ports and addresses by the stretches the rules' ports and
// CIDRs bound (traffic-space.ts). A peer namespace's pods carry whatever labels their owner gives them, so "some pods
// of a namespace" is: some pod label set, on some port. reachability.ts builds the kinds and rules it walks.
import type { LabelSelector, PeerFacts } from '../facts.ts';
import { and, lookupIn, matchSelector, or, orAny, type Tri } from '../selectors/label-selector.ts';
import { coversEvery, labelSpace } from '../selectors/label-space.ts';
import type { TierPolicy, TierRule } from '../sources/reader.ts';
import { blockCidrs, everyAddressOfAFamily, npAdmitsAddress } from './network-policy-peers.ts';
import { matchNs, type NamespaceLabels, type OtherNamespaces } from './other-namespaces.ts';
import type { PeerClass } from './peer-classes.ts';
import {
  type AddressPoint,
  addressMatch,
  addressMatchesPods,
  addressPoints,
  type PortPoint,
  portMatch,
  portPoints,
} from './traffic-space.ts';

/** The pods of one kind: the NetworkPolicies that select them, and whether a tier subject's podSelector does. */
export interface PodKind {
  selectedBy: PeerFacts[];
  inSubject(pods: LabelSelector): Tri;
}

/** One tier rule as it stands for one kind of pod. */
export interface ActiveRule {
  policy: TierPolicy;
  applies: Tri;
  rule: TierRule;
}

// What the tiers may do with the traffic of one point, as a set: allowed, denied, or handed to the NetworkPolicies.
const ALLOW = 1;
const DENY = 2;
const TO_NP = 4;

/** The namespaces of a rule's peers: every pod of them, or the pods a podSelector picks. */
function peerNamespaceSelectors(rule: TierRule): LabelSelector[] {
  return [...rule.peers.namespaces, ...rule.peers.pods.map((p) => p.namespaces)];
}

/** Whether the NetworkPolicies let in a group of points: exactly when all of them reach the NetworkPolicies. */
interface Group {
  /** Some point certainly allowed by a tier. */
  allowed: boolean;
  mayAllow: boolean;
  /** Every point certainly reaches the NetworkPolicies. */
  allToNp: boolean;
  mayToNp: boolean;
  /** No point may be denied by a tier. */
  noneDenied: boolean;
}

function group(outcomes: Iterable<number>): Group {
  const g: Group = { allowed: false, mayAllow: false, allToNp: true, mayToNp: false, noneDenied: true };
  for (const o of outcomes) {
    if (o === ALLOW) {
      g.allowed = true;
      return g;
    }
    if (o & ALLOW) g.mayAllow = true;
    if (o !== TO_NP) g.allToNp = false;
    if (o & TO_NP) g.mayToNp = true;
    if (o & DENY) g.noneDenied = false;
  }
  return g;
}

/**
 * Some point of the group is let in. The NetworkPolicies' facts carry no ports, and their peers' podSelectors only
 * say whether some pod can match, so what they admit is exact only when every point reaches them, or when no point
 * can be denied (each is then allowed by a tier or by the NetworkPolicies).
 */
function decide(g: Group, np: () => Tri): Tri {
  if (g.allowed) return true;
  if (g.allToNp) return np();
  if (!g.mayAllow && (!g.mayToNp || np() === false)) return false;
  if (g.noneDenied && g.mayToNp && np() === true) return true;
  return 'unknown';
}

/** Evaluates one direction for one kind of pod. */
export class DirectionWalk {
  private readonly isolated: boolean;
  private readonly ports: PortPoint[];
  private readonly podSpace: Record<string, string>[] | undefined;
  /** Where pod addresses may lie among the rules' networks (the pod CIDRs are not known): one scenario each. */
  private readonly podAddresses: (AddressPoint | undefined)[];
  private podAddress: AddressPoint | undefined;

  constructor(
    private readonly own: NamespaceLabels,
    private readonly kind: PodKind,
    private readonly admin: readonly ActiveRule[],
    private readonly baseline: readonly ActiveRule[],
    private readonly others: OtherNamespaces,
  ) {
    this.isolated = kind.selectedBy.length > 0;
    const rules = [...admin, ...baseline].map((r) => r.rule);
    this.ports = portPoints(rules);
    this.podSpace = labelSpace(rules.flatMap((r) => r.peers.pods.map((p) => p.pods)));
    const split = rules.some((r) => r.peers.networks.length > 0 && !r.peers.allAddresses);
    this.podAddresses = split ? addressPoints(rules).filter((a) => a.kind === 'ip') : [undefined];
  }

  classes(): Record<PeerClass, Tri> {
    let same: Tri | undefined;
    let other: Tri | undefined;
    let all: Tri | undefined;
    const addresses = this.addressAnswers();
    // The answer holds when it holds wherever the pod addresses lie.
    for (const scenario of this.podAddresses) {
      this.podAddress = scenario;
      const a = this.allNamespaces();
      const o = a === true ? true : or(a === 'unknown' ? 'unknown' : false, this.otherNamespaces());
      const s = this.namespace(this.own);
      same = same === undefined ? s : same === s ? s : 'unknown';
      other = other === undefined ? o : other === o ? o : 'unknown';
      all = all === undefined ? a : all === a ? a : 'unknown';
    }
    return {
      same_namespace: same ?? false,
      other_namespaces: other ?? false,
      all_namespaces: all ?? false,
      ip_blocks: orAny(addresses.map(([, t]) => t)),
      anywhere: everyAddressOfAFamily(addresses),
    };
  }

  /** First match decides: the outcomes a point may have, from rule `from` of a tier on. */
  private walk(
    rules: readonly ActiveRule[],
    match: (r: TierRule) => Tri,
    next: () => number,
    from = 0,
  ): number {
    for (let i = from; i < rules.length; i++) {
      const r = rules[i] as ActiveRule;
      const m = and(r.applies, match(r.rule));
      if (m === false) continue;
      const { action } = r.rule;
      const out =
        action === 'allow'
          ? ALLOW
          : action === 'deny'
            ? DENY
            : action === 'pass'
              ? next()
              : ALLOW | DENY | next();
      return m === true ? out : out | this.walk(rules, match, next, i + 1);
    }
    return next();
  }

  /** Admin tier, then the NetworkPolicies (isolated pods) or the baseline tier and the default allow. */
  private outcome(match: (r: TierRule) => Tri): number {
    const afterAdmin = this.isolated ? () => TO_NP : () => this.walk(this.baseline, match, () => ALLOW);
    return this.walk(this.admin, match, afterAdmin);
  }

  // --- pods of a namespace: some pod label set, on some port ------------------------------------------------

  private *namespaceOutcomes(ns: NamespaceLabels): Iterable<number> {
    const nsLookup = lookupIn(ns.labels);
    // What a rule's peers say of the namespace, once: its namespaces, its addresses, and per pod peer the namespace.
    const byRule = new Map<TierRule, { m: Tri; pods: [LabelSelector, Tri][] }>();
    for (const { rule } of [...this.admin, ...this.baseline]) {
      if (byRule.has(rule)) continue;
      const { peers } = rule;
      let m: Tri = false;
      for (const s of peers.namespaces) m = or(m, matchSelector(s, nsLookup));
      if (peers.addresses)
        m = or(m, this.podAddress ? addressMatch(peers, this.podAddress) : addressMatchesPods(peers));
      if (peers.unknown) m = or(m, 'unknown');
      const pods: [LabelSelector, Tri][] = [];
      for (const p of peers.pods) {
        const inNs = matchSelector(p.namespaces, nsLookup);
        if (inNs !== false) pods.push([p.pods, inNs]);
      }
      byRule.set(rule, { m, pods });
    }
    for (const pod of this.podSpace ?? [{}]) {
      const podLookup = lookupIn(pod);
      const peerMatch = new Map<TierRule, Tri>();
      for (const [rule, { m, pods }] of byRule) {
        let t = m;
        // Too many pod label sets to walk: whether a podSelector picks the pod is unknown.
        for (const [selector, inNs] of pods)
          if (t !== true)
            t = or(t, and(inNs, this.podSpace ? matchSelector(selector, podLookup) : 'unknown'));
        peerMatch.set(rule, t);
      }
      for (const port of this.ports) {
        yield this.outcome((rule) => {
          const m = peerMatch.get(rule) ?? 'unknown';
          return m === false ? false : and(m, portMatch(rule.ports, port));
        });
      }
    }
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

  /** Some pod of the namespace reaches (is reached) on some port. */
  private namespace(ns: NamespaceLabels): Tri {
    return decide(group(this.namespaceOutcomes(ns)), () => this.npAllowsNamespace(ns));
  }

  /** Some pods of at least one existing other namespace: search the namespaces a rule or policy could admit. */
  private otherNamespaces(): Tri {
    const test = (ns: NamespaceLabels) => this.namespace(ns);
    const candidates = this.candidateSelectors();
    if (candidates === 'all') return this.others.find(undefined, this.own.name, test);
    return orAny(candidates.map((s) => this.others.find(s, this.own.name, test)));
  }

  /**
   * The selectors whose namespaces could be let in: those of allow and pass rules, and the NetworkPolicies' or the
   * default's when traffic can reach them; 'all' when a default allow or an address rule may let any in. A deny that
   * takes every namespace on every port ends its tier's walk.
   */
  private candidateSelectors(): LabelSelector[] | 'all' {
    const out: LabelSelector[] = [];
    const tier = (rules: readonly ActiveRule[]): 'all' | 'stop' | 'next' => {
      let passed = false;
      for (const r of rules) {
        const { action, peers } = r.rule;
        if (action !== 'deny') {
          if (peers.addresses || peers.unknown) return 'all';
          out.push(...peerNamespaceSelectors(r.rule));
          passed ||= action !== 'allow';
          continue;
        }
        const every =
          peers.allAddresses || coversEvery(peers.namespaces, { namespaceOtherThan: this.own.name }) === true;
        if (r.applies === true && r.rule.ports === undefined && every) return passed ? 'next' : 'stop';
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
      } else if (tier(this.baseline) !== 'stop') return 'all'; // past the baseline, the default allows
    }
    return out;
  }

  // --- every namespace, now and later: every label set the selectors can tell apart -------------------------

  private allNamespaces(): Tri {
    const selectors = [...this.admin, ...this.baseline].flatMap((r) => peerNamespaceSelectors(r.rule));
    for (const peers of this.kind.selectedBy) selectors.push(...peers.namespaceSelectors);
    const space = labelSpace(selectors, { namespaceOtherThan: this.own.name });
    if (!space) return 'unknown';
    let out: Tri = true;
    for (const labels of space) {
      const t = this.namespace({ name: labels['kubernetes.io/metadata.name'] ?? '', labels });
      if (t === false) return false;
      if (t === 'unknown') out = 'unknown';
    }
    return out;
  }

  // --- addresses outside the pod network --------------------------------------------------------------------

  private addressOutcomes(points: readonly AddressPoint[]): number[] {
    const out: number[] = [];
    for (const a of points)
      for (const port of this.ports)
        out.push(
          this.outcome((rule) => {
            const m = addressMatch(rule.peers, a);
            return m === false ? false : and(m, portMatch(rule.ports, port));
          }),
        );
    return out;
  }

  /** Each address stretch (tier networks and NetworkPolicy ipBlocks cut them) and whether it is let in. */
  private addressAnswers(): [AddressPoint, Tri][] {
    const rules = [...this.admin, ...this.baseline].map((r) => r.rule);
    const points = addressPoints(rules, blockCidrs(this.kind.selectedBy));
    return points.map((a) => [
      a,
      decide(group(this.addressOutcomes([a])), () => npAdmitsAddress(this.kind.selectedBy, a)),
    ]);
  }
}
