// Which sources protect each namespace: NetworkPolicies counted by CoverageState, plus the policies of other
// sources (cluster-scoped ones judged against every namespace, namespaced ones against their own), and which
// sources could not be judged. Pure: facts in, answers out.

import { interned, type NamespaceFacts } from './facts.ts';
import type { ExtraSource, Source, SourcePolicyFacts } from './sources/index.ts';
import { SOURCES } from './sources/index.ts';

export interface Protection {
  /** Sources with at least one policy that protects the namespace, in SOURCES order. */
  protectedBy: readonly Source[];
  /** Sources with a policy whose reach into the namespace could not be evaluated (and none that protects it). */
  unknown: readonly Source[];
}

export interface ProtectionContext {
  /** What the policies of other sources say about the namespace; none when no such source is watched. */
  other?: { protectedBy: ReadonlySet<ExtraSource>; unknown: ReadonlySet<ExtraSource> };
  /** Sources that count toward `covered` (--coverage-sources); all when omitted. */
  coverageSources?: ReadonlySet<Source>;
  /**
   * Sources the exporter could not read (RBAC forbids them, discovery failed, or their cache has not synced):
   * their policies are unknown, so a namespace they might protect is unknown, not uncovered.
   */
  unread?: ReadonlySet<Source>;
}

const sourceLists = new Map<string, readonly Source[]>();

/** One shared, frozen list per distinct list of sources (a handful exist): every namespace's verdict holds three. */
export const sourceList = (list: readonly Source[]): readonly Source[] =>
  interned(sourceLists, list.join(), () => Object.freeze([...list]));

/** The namespace's protection, and whether it is covered by a source that counts. */
export function combineProtection(
  networkPolicies: number,
  context: ProtectionContext,
): Protection & { covered: boolean } {
  const protectedBy = SOURCES.filter((s) =>
    s === 'networkpolicy' ? networkPolicies > 0 : context.other?.protectedBy.has(s),
  );
  const counts = context.coverageSources;
  const covered = protectedBy.some((s) => counts?.has(s) ?? true);
  // A source that could not be read is unknown only where it could change the answer: an uncovered namespace.
  const unknown = SOURCES.filter(
    (s) =>
      !protectedBy.includes(s) &&
      ((!covered && context.unread?.has(s)) || (s !== 'networkpolicy' && context.other?.unknown.has(s))),
  );
  return { protectedBy: sourceList(protectedBy), unknown: sourceList(unknown), covered };
}

export interface SourcePolicies {
  protecting: SourcePolicyFacts[];
  unjudged: SourcePolicyFacts[];
}

const key = (f: Pick<SourcePolicyFacts, 'source' | 'name'>) => `${f.source}/${f.name}`;

export class ProtectionIndex {
  private readonly clusterScoped = new Map<string, SourcePolicyFacts>();
  private readonly namespaced = new Map<string, Map<string, SourcePolicyFacts>>();

  /** Stores the facts and returns those they replace. */
  upsert(facts: SourcePolicyFacts): SourcePolicyFacts | undefined {
    const map = facts.namespace === '' ? this.clusterScoped : this.inNamespace(facts.namespace, true);
    const previous = map.get(key(facts));
    map.set(key(facts), facts);
    return previous;
  }

  delete(source: ExtraSource, namespace: string, name: string): SourcePolicyFacts | undefined {
    const map = namespace === '' ? this.clusterScoped : this.inNamespace(namespace, false);
    const k = key({ source, name });
    const previous = map.get(k);
    map.delete(k);
    if (namespace !== '' && map.size === 0) this.namespaced.delete(namespace);
    return previous;
  }

  *all(): Iterable<SourcePolicyFacts> {
    yield* this.clusterScoped.values();
    for (const m of this.namespaced.values()) yield* m.values();
  }

  get size(): number {
    let n = this.clusterScoped.size;
    for (const m of this.namespaced.values()) n += m.size;
    return n;
  }

  /** Sources (other than NetworkPolicy) that protect the namespace, or could not be evaluated for it. */
  evaluate(ns: Pick<NamespaceFacts, 'name' | 'labels'>): NonNullable<ProtectionContext['other']> {
    const protectedBy = new Set<ExtraSource>();
    const unknown = new Set<ExtraSource>();
    const judge = (facts: SourcePolicyFacts) => {
      if (protectedBy.has(facts.source)) return;
      const verdict = facts.protects(ns);
      if (verdict === true) protectedBy.add(facts.source);
      else if (verdict === 'unknown') unknown.add(facts.source);
    };
    for (const facts of this.clusterScoped.values()) judge(facts);
    for (const facts of this.namespaced.get(ns.name)?.values() ?? []) judge(facts);
    return { protectedBy, unknown };
  }

  /**
   * Every policy that protects the namespace, and every one whose reach into it could not be judged, in no
   * particular order. Computed on demand (for reports), not kept per namespace.
   */
  policiesFor(ns: Pick<NamespaceFacts, 'name' | 'labels'>): SourcePolicies {
    const protecting: SourcePolicyFacts[] = [];
    const unjudged: SourcePolicyFacts[] = [];
    const judge = (facts: SourcePolicyFacts) => {
      const verdict = facts.protects(ns);
      if (verdict === true) protecting.push(facts);
      else if (verdict === 'unknown') unjudged.push(facts);
    };
    for (const facts of this.clusterScoped.values()) judge(facts);
    for (const facts of this.namespaced.get(ns.name)?.values() ?? []) judge(facts);
    return { protecting, unjudged };
  }

  private inNamespace(namespace: string, create: boolean): Map<string, SourcePolicyFacts> {
    let map = this.namespaced.get(namespace);
    if (!map) {
      map = new Map();
      if (create) this.namespaced.set(namespace, map);
    }
    return map;
  }
}
