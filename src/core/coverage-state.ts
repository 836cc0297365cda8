// The cluster as the verdicts see it: namespaces and their policies, recomputing only the namespace an
// event touches and telling listeners each verdict it recomputed, changed or not: listeners also follow what a
// verdict does not show (labels and annotations for the context, NetworkPolicy peers and pod selectors for
// exposure and pod isolation). Events may arrive in any order (a policy before its namespace, from two
// independent watches), so policies are kept even without their namespace.

import type { NamespaceFacts, PolicyFacts } from './facts.ts';
import { ProtectionIndex, type SourcePolicies } from './protection.ts';
import type { ExtraSource, Source, SourcePolicyFacts } from './sources/index.ts';
import { type NamespaceVerdict, namespaceVerdict } from './verdict.ts';

export type VerdictListener = (name: string, verdict: NamespaceVerdict | undefined) => void;
/** A policy of another source changed: `before` and `after` are its facts (undefined when it did not or no longer exists). */
export type SourcePolicyListener = (
  before: SourcePolicyFacts | undefined,
  after: SourcePolicyFacts | undefined,
) => void;

export class CoverageState {
  private readonly namespaces = new Map<string, NamespaceFacts>();
  private readonly policies = new Map<string, Map<string, PolicyFacts>>();
  private readonly verdicts = new Map<string, NamespaceVerdict>();
  private readonly listeners: VerdictListener[] = [];
  private readonly sourcePolicyListeners: SourcePolicyListener[] = [];
  /** Policies of sources other than NetworkPolicy (cluster-scoped and CNI kinds). */
  private readonly otherSources = new ProtectionIndex();

  /** Counted sources that could not be read (setUnread); none by default. */
  private unread: ReadonlySet<Source> = new Set();

  /** `coverageSources`: the sources that count toward `covered` (--coverage-sources); all when omitted. */
  constructor(private readonly options: { coverageSources?: ReadonlySet<Source> } = {}) {}

  /**
   * The counted sources that could not be read (forbidden, not discovered, cache not synced). When the set changes,
   * every verdict is recomputed: a namespace that only those sources could protect is unknown, not uncovered.
   */
  setUnread(sources: Iterable<Source>): void {
    const next = new Set(sources);
    if (next.size === this.unread.size && [...next].every((s) => this.unread.has(s))) return;
    this.unread = next;
    for (const name of this.namespaces.keys()) this.recompute(name);
  }

  onChange(listener: VerdictListener): void {
    this.listeners.push(listener);
  }

  /** Called before the verdicts the change moves are recomputed, so a listener's own view is current for them. */
  onSourcePolicyChange(listener: SourcePolicyListener): void {
    this.sourcePolicyListeners.push(listener);
  }

  upsertNamespace(facts: NamespaceFacts): void {
    this.namespaces.set(facts.name, facts);
    this.recompute(facts.name);
  }

  deleteNamespace(name: string): void {
    this.namespaces.delete(name);
    this.recompute(name);
  }

  upsertPolicy(facts: PolicyFacts): void {
    let inNamespace = this.policies.get(facts.namespace);
    if (!inNamespace) {
      inNamespace = new Map();
      this.policies.set(facts.namespace, inNamespace);
    }
    inNamespace.set(facts.name, facts);
    this.recompute(facts.namespace);
  }

  deletePolicy(namespace: string, name: string): void {
    const inNamespace = this.policies.get(namespace);
    if (!inNamespace?.delete(name)) return;
    if (inNamespace.size === 0) this.policies.delete(namespace);
    this.recompute(namespace);
  }

  upsertSourcePolicy(facts: SourcePolicyFacts): void {
    const previous = this.otherSources.upsert(facts);
    for (const listener of this.sourcePolicyListeners) listener(previous, facts);
    this.recomputeReach(previous, facts);
  }

  deleteSourcePolicy(source: ExtraSource, namespace: string, name: string): void {
    const previous = this.otherSources.delete(source, namespace, name);
    if (!previous) return;
    for (const listener of this.sourcePolicyListeners) listener(previous, undefined);
    this.recomputeReach(previous, undefined);
  }

  verdict(name: string): NamespaceVerdict | undefined {
    return this.verdicts.get(name);
  }

  allVerdicts(): IterableIterator<NamespaceVerdict> {
    return this.verdicts.values();
  }

  namespaceFacts(name: string): NamespaceFacts | undefined {
    return this.namespaces.get(name);
  }

  policiesIn(namespace: string): Iterable<PolicyFacts> {
    return this.policies.get(namespace)?.values() ?? [];
  }

  /** The policies of other sources that protect the namespace, and those that could not be judged for it. */
  sourcePoliciesFor(name: string): SourcePolicies {
    const ns = this.namespaces.get(name);
    return ns ? this.otherSources.policiesFor(ns) : { protecting: [], unjudged: [] };
  }

  /** Every policy of the other sources. */
  sourcePolicies(): Iterable<SourcePolicyFacts> {
    return this.otherSources.all();
  }

  get namespaceCount(): number {
    return this.namespaces.size;
  }

  /**
   * A namespaced policy touches its namespace only; a cluster-scoped one every namespace whose answer changed, so
   * editing one GlobalNetworkPolicy re-renders the namespaces it gains or loses, not all 10,000.
   */
  private recomputeReach(before: SourcePolicyFacts | undefined, after: SourcePolicyFacts | undefined): void {
    const namespace = (after ?? before)?.namespace ?? '';
    if (namespace !== '') {
      this.recompute(namespace);
      return;
    }
    for (const ns of this.namespaces.values()) {
      if ((before?.protects(ns) ?? false) !== (after?.protects(ns) ?? false)) this.recompute(ns.name);
    }
  }

  private recompute(name: string): void {
    const ns = this.namespaces.get(name);
    const verdict = ns
      ? namespaceVerdict(ns, this.policiesIn(name), {
          ...(this.otherSources.size > 0 ? { other: this.otherSources.evaluate(ns) } : {}),
          ...(this.options.coverageSources ? { coverageSources: this.options.coverageSources } : {}),
          ...(this.unread.size > 0 ? { unread: this.unread } : {}),
        })
      : undefined;
    if (verdict) this.verdicts.set(name, verdict);
    else if (!this.verdicts.delete(name)) return;
    for (const listener of this.listeners) listener(name, verdict);
  }
}
