// The other namespaces, as reachability asks about them: whether one matches a selector, or passes a test. The
// incremental state (exposure-state.ts) answers from an index and records each question; listedNamespaces()
// answers from a plain list (tests, the audit, small clusters).
import { type LabelSelector, NAMESPACE_NAME_LABEL } from '../facts.ts';
import {
  and,
  lookupIn,
  matchSelector,
  namespaceLabels,
  orAny,
  type Tri,
} from '../selectors/label-selector.ts';

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

export const matchNs = (selector: LabelSelector, ns: NamespaceLabels): Tri =>
  matchSelector(selector, lookupIn(ns.labels));

/** A selector that matches every namespace whatever its labels (and every namespace created later). */
export function matchesEveryNamespace(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels).length === 0 &&
    selector.matchExpressions.every(
      (e) => e.key === NAMESPACE_NAME_LABEL && e.operator === 'Exists' && e.values.length === 0,
    )
  );
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
    any: (selector, own) => orAny(all.filter((n) => n.name !== own).map((n) => matchNs(selector, n))),
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
