// The index the exposure state keeps of namespaces by label: the terms a namespace carries and the terms a selector
// requires of every match, so a label change looks up only the selectors it can move.
import { type LabelSelector, NAMESPACE_NAME_LABEL, selectorKey } from '../facts.ts';

/** Selector keys, computed once per selector object (policies keep theirs for their lifetime). */
const keys = new WeakMap<LabelSelector, string>();
export function keyOf(selector: LabelSelector): string {
  let key = keys.get(selector);
  if (key === undefined) {
    key = selectorKey(selector);
    keys.set(selector, key);
  }
  return key;
}

export const NAME_TERM = `${NAMESPACE_NAME_LABEL}=`;

/** The terms a namespace carries: every `key=value` and every `key`. */
export function termsOf(labels: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(labels)) out.push(`${k}=${v}`, k);
  return out;
}

/** Terms kept in the namespace index: `kubernetes.io/metadata.name=<name>` needs none (the name is the key). */
export const indexedTermsOf = (labels: Record<string, string>): string[] =>
  termsOf(labels).filter((t) => !t.startsWith(NAME_TERM));

/** A requirement every match must meet, as index terms (any one of them): a label, an `In` set, or an `Exists` key. */
export function indexTerms(selector: LabelSelector): string[] | undefined {
  const labels = Object.entries(selector.matchLabels).sort(([a], [b]) => (a < b ? -1 : 1));
  const first = labels[0];
  if (first) return [`${first[0]}=${first[1]}`];
  const inSet = selector.matchExpressions.find((e) => e.operator === 'In' && e.values.length > 0);
  if (inSet) return inSet.values.map((v) => `${inSet.key}=${v}`);
  const exists = selector.matchExpressions.find((e) => e.operator === 'Exists' && e.values.length === 0);
  return exists ? [exists.key] : undefined;
}
