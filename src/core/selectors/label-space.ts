// Satisfiability of label selectors, decided exactly over a finite abstraction: a selector only tells apart, for each
// key it names, "absent", each value it names, and "any other value". So every label set behaves like one built from
// the keys the selectors name, each absent, set to a named value, or set to one fresh value; enumerating those
// decides "can some label set match", "does every label set match one of these" and the like, for label sets chosen
// by whoever creates the object (a namespace created later, a pod deployed in a peer namespace).
import { isEmptySelector, type LabelSelector, NAMESPACE_NAME_LABEL } from '../facts.ts';
import { lookupIn, matchSelector, orAny, type Tri } from './label-selector.ts';

/** A value no selector names: stands for every value the selectors do not name. */
const FRESH = '\u0000other';
/** Label sets enumerated at most; beyond, the caller answers 'unknown'. */
export const MAX_POINTS = 4096;

export interface SpaceOptions {
  /** Namespaces: kubernetes.io/metadata.name is always set, and never to this name (the own namespace). */
  namespaceOtherThan?: string;
}

/**
 * One representative label set per class of label sets the selectors cannot tell apart; undefined when there would
 * be more than MAX_POINTS.
 */
export function labelSpace(
  selectors: Iterable<LabelSelector>,
  options: SpaceOptions = {},
): Record<string, string>[] | undefined {
  const values = new Map<string, Set<string>>();
  const name = options.namespaceOtherThan;
  if (name !== undefined) values.set(NAMESPACE_NAME_LABEL, new Set());
  const note = (key: string, named: Iterable<string>) => {
    let set = values.get(key);
    if (!set) {
      set = new Set();
      values.set(key, set);
    }
    for (const v of named) set.add(v);
  };
  for (const s of selectors) {
    for (const [k, v] of Object.entries(s.matchLabels)) note(k, [v]);
    for (const e of s.matchExpressions) note(e.key, e.values);
  }
  // Per key, its choices: undefined (absent), each named value, one fresh value.
  const choices: [string, (string | undefined)[]][] = [];
  let size = 1;
  for (const [key, named] of values) {
    const options: (string | undefined)[] = [...named, FRESH];
    if (key === NAMESPACE_NAME_LABEL && name !== undefined) {
      const i = options.indexOf(name);
      if (i >= 0) options.splice(i, 1);
    } else options.push(undefined);
    choices.push([key, options]);
    size *= options.length;
    if (size > MAX_POINTS) return undefined;
  }
  let points: Record<string, string>[] = [{}];
  for (const [key, options] of choices) {
    const next: Record<string, string>[] = [];
    for (const p of points) for (const v of options) next.push(v === undefined ? p : { ...p, [key]: v });
    points = next;
  }
  return points;
}

/** Whether some label set matches the selector: false for `app=web` with `app In [db]`. */
export function satisfiable(selector: LabelSelector, options: SpaceOptions = {}): Tri {
  const space = labelSpace([selector], options);
  if (!space) return 'unknown';
  return orAny(space.map((labels) => matchSelector(selector, lookupIn(labels))));
}

/**
 * Whether every label set matches at least one of the selectors (for namespaces: every namespace other than the
 * own one, including namespaces created later).
 */
export function coversEvery(selectors: readonly LabelSelector[], options: SpaceOptions = {}): Tri {
  if (selectors.length === 0) return false;
  if (selectors.some(isEmptySelector)) return true;
  // The common answer, cheaply: a label set with no label a selector names (and a fresh name) that none matches.
  const bare = lookupIn(options.namespaceOtherThan === undefined ? {} : { [NAMESPACE_NAME_LABEL]: FRESH });
  if (selectors.every((s) => matchSelector(s, bare) === false)) return false;
  const space = labelSpace(selectors, options);
  if (!space) return 'unknown';
  let out: Tri = true;
  for (const labels of space) {
    const lookup = lookupIn(labels);
    const m = orAny(selectors.map((s) => matchSelector(s, lookup)));
    if (m === false) return false;
    if (m === 'unknown') out = 'unknown';
  }
  return out;
}
