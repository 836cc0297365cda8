// One direction, for one kind of pod, walked through the tiers as the network-policy-api orders them: admin
// rules, then the NetworkPolicies (for isolated pods) or the baseline rules. Each peer class gets its own walk:
// some pods of a namespace (existential, by its labels), every namespace now and later (universal, by the form of
// the selectors), and addresses outside the pod network. reachability.ts builds the kinds and rules it walks.
import type { LabelSelector, PeerFacts } from '../facts.ts';
import { and, or, orAny, same, type Tri } from '../selectors/label-selector.ts';
import type { TierPolicy, TierRule } from '../sources/reader.ts';
import {
  matchesEveryNamespace,
  matchNs,
  type NamespaceLabels,
  type OtherNamespaces,
} from './other-namespaces.ts';
import type { PeerClass } from './peer-classes.ts';

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

/** Evaluates one direction for one kind of pod. */
export class DirectionWalk {
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
    return orAny(candidates.map((s) => this.others.find(s, this.own.name, test)));
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
