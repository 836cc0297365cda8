// Reachability kept current as events arrive. It follows a CoverageState (namespaces, NetworkPolicies, other sources)
// and, with --pod-isolation, the pods. A namespace's answer depends on its own policies and pods, on the cluster-scoped
// policies whose subject it is, and on other namespaces' labels only through the selectors it asks about: the oracle
// it is given records those questions, and a label change recomputes just the namespaces whose recorded answer it can
// move. Which changes can move many (docs/exposure.md, "Cost"): a namespace appearing or vanishing that is the first
// or second match of a selector many policies use, and a change of a cluster-scoped policy.
import type { CoverageState } from '../coverage-state.ts';
import type { Direction } from '../direction.ts';
import type { LabelSelector, NamespaceFacts } from '../facts.ts';
import { lookupIn, matchSelector, namespaceLabels, type Tri } from '../selectors/label-selector.ts';
import type { SourcePolicyFacts } from '../sources/index.ts';
import { type OpaqueEffect, type OpaqueReach, strongest, type TierPolicy } from '../sources/reader.ts';
import { matchesEveryNamespace, type NamespaceLabels, type OtherNamespaces } from './other-namespaces.ts';
import { type DirectionReachability, type NamespaceReachability, PEER_CLASSES } from './peer-classes.ts';
import { namespaceReachability, type ReachabilityInput } from './reachability.ts';
import { indexedTermsOf, indexTerms, keyOf, NAME_TERM, termsOf } from './selector-index.ts';

export type ExposureListener = (name: string, reachability: NamespaceReachability | undefined) => void;

export interface ExposureOptions {
  /**
   * With --pod-isolation: the labels of a namespace's pods. Without, pods are not known; undefined for a namespace
   * whose pods are not known (the audit's manifests hold workloads for some namespaces only).
   */
  podsIn?: (namespace: string) => Iterable<Record<string, string>> | undefined;
  /**
   * Compute nothing by itself until release(): while caches sync, namespaces listed before their policies would
   * be computed once as "no policy" for nothing. Reads and flush() still compute.
   */
  held?: boolean;
  /**
   * An open world (the audit of manifests that are part of a cluster): whether a namespace the state does not hold,
   * or holds without its labels, may match the selector (undefined: any namespace). Not false makes "some other
   * namespace" unknown where the held namespaces alone would say false: such a namespace may exist.
   */
  undeclared?: (selector: LabelSelector | undefined, asker: string) => Tri;
  /**
   * The coverage state will not change (an audit reads everything once): each answer is computed when it is read,
   * and neither it nor what it asked about other namespaces is kept (the bookkeeping that lets an exporter recompute
   * only what an event moves: at 24,000 namespaces, tens of megabytes an audit never reads). A caller that reads an
   * answer twice keeps it.
   */
  fixed?: boolean;
}

/** A selector some answer asked about, with how many namespaces match it now. */
interface Watched {
  selector: LabelSelector;
  key: string;
  /** Index terms a matching namespace must carry (`k=v` or `k`); undefined: any namespace may match. */
  terms: string[] | undefined;
  matching: number;
  maybe: number;
  /** Namespaces that asked whether another namespace matches. */
  asked: Set<string>;
  /** Namespaces that searched its matches and found no witness: any change among them may give one. */
  searched: Set<string>;
}

/** What one answer asked about other namespaces; lists stay absent while empty (most answers ask little). */
interface Dependencies {
  asked?: Watched[];
  searched?: Watched[];
  searchedAll?: boolean;
  witnesses?: string[];
}

const matchTri = (selector: LabelSelector, labels: Record<string, string>): Tri =>
  matchSelector(selector, lookupIn(labels));

const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

function sameDirection(a: DirectionReachability, b: DirectionReachability): boolean {
  return (
    a.denyUndone === b.denyUndone &&
    PEER_CLASSES.every(
      (c) =>
        a.classes[c] === b.classes[c] &&
        a.openedBy[c].length === b.openedBy[c].length &&
        a.openedBy[c].every((x, i) => x === b.openedBy[c][i]),
    )
  );
}

/** Whether a recomputation changed nothing (then nothing is re-rendered). */
const sameAnswer = (a: NamespaceReachability, b: NamespaceReachability): boolean =>
  sameDirection(a.ingress, b.ingress) && sameDirection(a.egress, b.egress);

export class ExposureState {
  private readonly listeners: ExposureListener[] = [];
  /** The namespace facts each answer was computed from (a new object means the namespace itself changed). */
  private readonly known = new Map<string, NamespaceFacts>();
  /** Labels as selectors see them, and which namespaces carry each index term. */
  private readonly labels = new Map<string, Record<string, string>>();
  private readonly byTerm = new Map<string, Set<string>>();
  private readonly watched = new Map<string, Watched>();
  private readonly watchedByTerm = new Map<string, Set<Watched>>();
  private readonly unindexed = new Set<Watched>();
  private readonly dependencies = new Map<string, Dependencies>();
  private readonly searchedAll = new Set<string>();
  private readonly witnessFor = new Map<string, Set<string>>();
  private readonly tiers = new Map<string, TierPolicy>();
  private readonly clusterOpaque = new Map<string, OpaqueReach>();
  private readonly namespacedOpaque = new Map<string, Map<string, OpaqueReach>>();
  private readonly results = new Map<string, NamespaceReachability>();
  /** Namespaces whose answer an event may have moved: computed once each at the end of the tick (or on a read),
   *  so a listed page of 500 policies in one namespace costs one computation, not 500. */
  private readonly dirty = new Set<string>();
  private flushing = false;
  private scheduled = false;
  private held: boolean;
  /** Answers computed so far: the work events cost (tests and the bench read it). */
  recomputations = 0;

  constructor(
    private readonly coverage: CoverageState,
    private readonly options: ExposureOptions = {},
  ) {
    this.held = options.held ?? false;
    if (!options.fixed) {
      coverage.onSourcePolicyChange((before, after) => this.sourcePolicyChanged(before, after));
      coverage.onChange((name) => this.namespaceChanged(name));
    }
    // Whatever the coverage state already holds (the audit fills it before asking).
    for (const facts of coverage.sourcePolicies()) this.storeSourcePolicy(undefined, facts);
    const names = [...coverage.allVerdicts()].map((v) => v.name);
    for (const name of names) {
      const facts = coverage.namespaceFacts(name);
      if (!facts) continue;
      this.known.set(name, facts);
      this.index(name, namespaceLabels(name, facts.labels));
    }
    if (options.fixed) return;
    for (const name of names) this.mark(name);
    if (!this.held) this.flush();
  }

  onChange(listener: ExposureListener): void {
    this.listeners.push(listener);
  }

  reachability(name: string): NamespaceReachability | undefined {
    if (this.options.fixed) return this.answer(name);
    this.flush();
    return this.results.get(name);
  }

  all(): IterableIterator<NamespaceReachability> {
    if (this.options.fixed) return this.answers();
    this.flush();
    return this.results.values();
  }

  private *answers(): Generator<NamespaceReachability> {
    for (const name of this.known.keys()) {
      const answer = this.answer(name);
      if (answer) yield answer;
    }
  }

  /** One namespace's answer, computed now and recorded nowhere (fixed). */
  private answer(name: string): NamespaceReachability | undefined {
    const input = this.inputFor(name);
    if (!input) return undefined;
    this.recomputations++;
    return namespaceReachability({ ...input, others: this.oracleFor(name) });
  }

  /** Call when a namespace's pods changed (--pod-isolation). */
  podsChanged(namespace: string): void {
    if (this.options.podsIn) this.mark(namespace);
  }

  /** Computes what events since the last flush may have moved, and tells the listeners. */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.dirty.size > 0) {
        const names = [...this.dirty];
        this.dirty.clear();
        for (const name of names) this.recompute(name);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Ends the hold: computes what is pending, and from now on at the end of each tick. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.flush();
  }

  get isHeld(): boolean {
    return this.held;
  }

  private mark(name: string): void {
    this.dirty.add(name);
    if (this.scheduled || this.held) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Selectors currently watched (tests assert the index follows the policies). */
  get watchedSelectors(): number {
    return this.watched.size;
  }

  // --- events ---------------------------------------------------------------------------------------------

  private namespaceChanged(name: string): void {
    const facts = this.coverage.namespaceFacts(name);
    const before = this.known.get(name);
    if (!facts) {
      if (!before) return;
      this.known.delete(name);
      const affected = this.relabel(name, undefined);
      this.forget(name);
      for (const n of affected) this.mark(n);
      return;
    }
    let affected: Set<string> | undefined;
    if (facts !== before) {
      this.known.set(name, facts);
      const labels = namespaceLabels(name, facts.labels);
      const old = this.labels.get(name);
      if (!old || !sameLabels(old, labels)) affected = this.relabel(name, labels);
    }
    this.mark(name);
    for (const n of affected ?? []) this.mark(n);
  }

  private sourcePolicyChanged(
    before: SourcePolicyFacts | undefined,
    after: SourcePolicyFacts | undefined,
  ): void {
    this.storeSourcePolicy(before, after);
    const namespace = (after ?? before)?.namespace ?? '';
    if (namespace !== '') {
      this.mark(namespace);
      return;
    }
    // Cluster-scoped: every namespace it touched or touches now (the one kind of event that can touch them all).
    for (const [name, labels] of this.labels) {
      const ns = { name, labels: this.known.get(name)?.labels ?? labels };
      if (touches(before, ns, labels) || touches(after, ns, labels)) this.mark(name);
    }
  }

  private storeSourcePolicy(
    before: SourcePolicyFacts | undefined,
    after: SourcePolicyFacts | undefined,
  ): void {
    const key = (f: SourcePolicyFacts) => `${f.source}/${f.namespace}/${f.name}`;
    if (before) {
      this.tiers.delete(key(before));
      this.clusterOpaque.delete(key(before));
      this.namespacedOpaque.get(before.namespace)?.delete(key(before));
    }
    const exposure = after?.exposure;
    if (!after || !exposure) return;
    if ('tier' in exposure) this.tiers.set(key(after), exposure.tier);
    else if (after.namespace === '') this.clusterOpaque.set(key(after), exposure.opaque);
    else {
      let map = this.namespacedOpaque.get(after.namespace);
      if (!map) {
        map = new Map();
        this.namespacedOpaque.set(after.namespace, map);
      }
      map.set(key(after), exposure.opaque);
    }
  }

  // --- the label index --------------------------------------------------------------------------------------

  private index(name: string, labels: Record<string, string> | undefined): void {
    const old = this.labels.get(name);
    for (const t of old ? indexedTermsOf(old) : []) {
      const set = this.byTerm.get(t);
      set?.delete(name);
      if (set?.size === 0) this.byTerm.delete(t);
    }
    if (!labels) {
      this.labels.delete(name);
      return;
    }
    this.labels.set(name, labels);
    for (const t of indexedTermsOf(labels)) {
      let set = this.byTerm.get(t);
      if (!set) {
        set = new Set();
        this.byTerm.set(t, set);
      }
      set.add(name);
    }
  }

  /** Moves a namespace's labels (undefined: it is gone) and returns the namespaces whose answer that may change. */
  private relabel(name: string, labels: Record<string, string> | undefined): Set<string> {
    const old = this.labels.get(name);
    const affected = new Set<string>(this.searchedAll);
    for (const n of this.witnessFor.get(name) ?? []) affected.add(n);
    const candidates = new Set<Watched>(this.unindexed);
    for (const t of [...(old ? termsOf(old) : []), ...(labels ? termsOf(labels) : [])])
      for (const w of this.watchedByTerm.get(t) ?? []) candidates.add(w);
    for (const w of candidates) {
      const before = old ? matchTri(w.selector, old) : false;
      const after = labels ? matchTri(w.selector, labels) : false;
      // A namespace among the matches that changed may now pass (or fail) the rules a search tested it against.
      if (before !== false || after !== false) for (const n of w.searched) affected.add(n);
      if (before === after) continue;
      const matchingBefore = w.matching;
      w.matching += (after === true ? 1 : 0) - (before === true ? 1 : 0);
      w.maybe += (after === 'unknown' ? 1 : 0) - (before === 'unknown' ? 1 : 0);
      // "Another namespace matches" holds for every asker while two or more match (one may be the asker itself).
      if (matchingBefore < 2 || w.matching < 2) for (const n of w.asked) affected.add(n);
    }
    this.index(name, labels);
    return affected;
  }

  private watch(selector: LabelSelector): Watched {
    const key = keyOf(selector);
    let w = this.watched.get(key);
    if (w) return w;
    w = {
      selector,
      key,
      terms: indexTerms(selector),
      matching: 0,
      maybe: 0,
      asked: new Set(),
      searched: new Set(),
    };
    for (const name of this.candidates(w)) {
      const m = matchTri(selector, this.labels.get(name) ?? {});
      if (m === true) w.matching++;
      else if (m === 'unknown') w.maybe++;
    }
    this.watched.set(key, w);
    if (w.terms)
      for (const t of w.terms) {
        let set = this.watchedByTerm.get(t);
        if (!set) {
          set = new Set();
          this.watchedByTerm.set(t, set);
        }
        set.add(w);
      }
    else this.unindexed.add(w);
    return w;
  }

  private unwatchIfUnused(w: Watched): void {
    if (w.asked.size > 0 || w.searched.size > 0 || this.watched.get(w.key) !== w) return;
    this.watched.delete(w.key);
    if (w.terms)
      for (const t of w.terms) {
        const set = this.watchedByTerm.get(t);
        set?.delete(w);
        if (set?.size === 0) this.watchedByTerm.delete(t);
      }
    else this.unindexed.delete(w);
  }

  private *candidates(w: Watched): Iterable<string> {
    if (!w.terms) {
      yield* this.labels.keys();
      return;
    }
    const seen = w.terms.length > 1 ? new Set<string>() : undefined;
    for (const t of w.terms)
      for (const name of t.startsWith(NAME_TERM) ? this.named(t) : (this.byTerm.get(t) ?? [])) {
        if (seen) {
          if (seen.has(name)) continue;
          seen.add(name);
        }
        yield name;
      }
  }

  /** The namespace a `kubernetes.io/metadata.name=<name>` term names, if it exists. */
  private named(term: string): string[] {
    const name = term.slice(NAME_TERM.length);
    return this.labels.has(name) ? [name] : [];
  }

  /** The oracle one namespace's computation asks, recording what it asked into `deps` (when given). */
  private oracleFor(own: string, deps?: Dependencies): OtherNamespaces {
    return {
      any: (selector, asker) => {
        const w = this.watch(selector);
        if (deps && !w.asked.has(own)) {
          w.asked.add(own);
          if (deps.asked) deps.asked.push(w);
          else deps.asked = [w];
        }
        const ownLabels = this.labels.get(asker);
        const self = ownLabels ? matchTri(selector, ownLabels) : false;
        if (w.matching - (self === true ? 1 : 0) > 0) return true;
        return this.orUndeclared(
          w.maybe - (self === 'unknown' ? 1 : 0) > 0 ? 'unknown' : false,
          selector,
          asker,
        );
      },
      find: (selector, asker, test) => {
        const everything = selector === undefined || matchesEveryNamespace(selector);
        const w = everything ? undefined : this.watch(selector);
        const names = w ? this.candidates(w) : this.labels.keys();
        let out: Tri = false;
        for (const name of names) {
          if (name === asker) continue;
          const labels = this.labels.get(name) as Record<string, string>;
          const m: Tri = w ? matchTri(w.selector, labels) : true;
          if (m === false) continue;
          const ns: NamespaceLabels = { name, labels };
          const tested = test(ns);
          const t = m === true ? tested : tested === false ? false : 'unknown';
          if (t === true) {
            if (!deps) return true;
            // Found: only this namespace's own changes can take the answer back.
            let set = this.witnessFor.get(name);
            if (!set) {
              set = new Set();
              this.witnessFor.set(name, set);
            }
            set.add(own);
            if (deps.witnesses) deps.witnesses.push(name);
            else deps.witnesses = [name];
            return true;
          }
          if (t === 'unknown') out = 'unknown';
        }
        if (!deps) return this.orUndeclared(out, selector, asker);
        if (w) {
          if (!w.searched.has(own)) {
            w.searched.add(own);
            if (deps.searched) deps.searched.push(w);
            else deps.searched = [w];
          }
        } else {
          this.searchedAll.add(own);
          deps.searchedAll = true;
        }
        return this.orUndeclared(out, selector, asker);
      },
    };
  }

  /** What the held namespaces say, or unknown when a namespace not held may match (an open world). */
  private orUndeclared(found: Tri, selector: LabelSelector | undefined, asker: string): Tri {
    if (found !== false || !this.options.undeclared) return found;
    return this.options.undeclared(selector, asker) === false ? false : 'unknown';
  }

  private clearDependencies(name: string): Dependencies | undefined {
    const deps = this.dependencies.get(name);
    if (!deps) return undefined;
    this.dependencies.delete(name);
    for (const w of deps.asked ?? []) w.asked.delete(name);
    for (const w of deps.searched ?? []) w.searched.delete(name);
    if (deps.searchedAll) this.searchedAll.delete(name);
    for (const witness of deps.witnesses ?? []) {
      const set = this.witnessFor.get(witness);
      set?.delete(name);
      if (set?.size === 0) this.witnessFor.delete(witness);
    }
    return deps;
  }

  private forget(name: string): void {
    const old = this.clearDependencies(name);
    for (const w of [...(old?.asked ?? []), ...(old?.searched ?? [])]) this.unwatchIfUnused(w);
    this.dirty.delete(name);
    if (!this.results.delete(name)) return;
    for (const listener of this.listeners) listener(name, undefined);
  }

  private opaqueOn(ns: NamespaceFacts): Record<Direction, OpaqueEffect> {
    const out: Record<Direction, OpaqueEffect> = { ingress: 'none', egress: 'none' };
    const add = (o: OpaqueReach) => {
      const e = o.effectOn(ns);
      out.ingress = strongest(out.ingress, e.ingress);
      out.egress = strongest(out.egress, e.egress);
    };
    for (const o of this.clusterOpaque.values()) add(o);
    for (const o of this.namespacedOpaque.get(ns.name)?.values() ?? []) add(o);
    return out;
  }

  /** What those policies do to one pod, when every one that touches the namespace can tell pods apart. */
  private opaqueOnPod(
    ns: NamespaceFacts,
  ): ((labels: Record<string, string> | undefined) => Record<Direction, OpaqueEffect>) | undefined {
    const reaches = [
      ...this.clusterOpaque.values(),
      ...(this.namespacedOpaque.get(ns.name)?.values() ?? []),
    ].filter((o) => {
      const e = o.effectOn(ns);
      return e.ingress !== 'none' || e.egress !== 'none';
    });
    if (reaches.length === 0 || reaches.some((o) => !o.effectOnPod)) return undefined;
    return (labels) => {
      const out: Record<Direction, OpaqueEffect> = { ingress: 'none', egress: 'none' };
      for (const o of reaches) {
        const e = o.effectOnPod?.(ns, labels) ?? o.effectOn(ns);
        out.ingress = strongest(out.ingress, e.ingress);
        out.egress = strongest(out.egress, e.egress);
      }
      return out;
    };
  }

  /** What a namespace's answer is computed from, but the other namespaces (reachers.ts asks with its own). */
  inputFor(name: string): Omit<ReachabilityInput, 'others'> | undefined {
    const facts = this.known.get(name);
    if (!facts) return undefined;
    const pods = this.options.podsIn?.(name);
    return {
      name,
      labels: facts.labels,
      policies: this.coverage.policiesIn(name),
      tiers: [...this.tiers.values()],
      opaque: this.opaqueOn(facts),
      opaqueOnPod: this.opaqueOnPod(facts),
      ...(pods ? { pods } : {}),
    };
  }

  /** The namespaces as selectors see them (kubernetes.io/metadata.name included). */
  namespaces(): Iterable<NamespaceLabels> {
    return [...this.labels].map(([name, labels]) => ({ name, labels }));
  }

  private recompute(name: string): void {
    const input = this.inputFor(name);
    if (!input) return;
    this.recomputations++;
    const old = this.clearDependencies(name);
    const deps: Dependencies = {};
    const result = namespaceReachability({ ...input, others: this.oracleFor(name, deps) });
    if (deps.asked || deps.searched || deps.searchedAll || deps.witnesses) {
      // Kept as long as the answer: at their length, not push's (keptList in facts.ts).
      if (deps.asked) deps.asked = deps.asked.slice();
      if (deps.searched) deps.searched = deps.searched.slice();
      if (deps.witnesses) deps.witnesses = deps.witnesses.slice();
      this.dependencies.set(name, deps);
    }
    for (const w of [...(old?.asked ?? []), ...(old?.searched ?? [])]) this.unwatchIfUnused(w);
    const previous = this.results.get(name);
    this.results.set(name, result);
    if (previous && sameAnswer(previous, result)) return;
    for (const listener of this.listeners) listener(name, result);
  }
}

/** Whether a cluster-scoped policy's facts may bear on the namespace. */
function touches(
  facts: SourcePolicyFacts | undefined,
  ns: { name: string; labels: Record<string, string> },
  selectorLabels: Record<string, string>,
): boolean {
  const exposure = facts?.exposure;
  if (!exposure) return false;
  if ('tier' in exposure) {
    const subject = exposure.tier.subject;
    return !subject || matchTri(subject.namespaces, selectorLabels) !== false;
  }
  const e = exposure.opaque.effectOn(ns);
  return e.ingress !== 'none' || e.egress !== 'none';
}
