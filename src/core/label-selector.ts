// Kubernetes label selectors (matchLabels + matchExpressions) evaluated in three-valued logic: true, false, or
// 'unknown' when the selector uses an operator we do not know, is malformed, or asks about a label whose value we
// cannot know (a pod label, when only a namespace is being judged). Unknown is reported, never guessed.
import type { LabelSelector, LabelSelectorRequirement } from './facts.ts';

export type Tri = boolean | 'unknown';

/** A label value, absence (undefined), or UNKNOWN_LABEL when the value cannot be known from what we hold. */
export const UNKNOWN_LABEL: unique symbol = Symbol('unknown label');
export type LabelLookup = (key: string) => string | undefined | typeof UNKNOWN_LABEL;

export function lookupIn(labels: Record<string, string>): LabelLookup {
  return (key) => (Object.hasOwn(labels, key) ? labels[key] : undefined);
}

/** Kleene AND over a sequence: false wins, then unknown. */
export function andAll(values: Iterable<Tri>): Tri {
  let result: Tri = true;
  for (const v of values) {
    if (v === false) return false;
    if (v === 'unknown') result = 'unknown';
  }
  return result;
}

/** Kleene OR over a sequence: true wins, then unknown. */
export function orAny(values: Iterable<Tri>): Tri {
  let result: Tri = false;
  for (const v of values) {
    if (v === true) return true;
    if (v === 'unknown') result = 'unknown';
  }
  return result;
}

export function not(value: Tri): Tri {
  return value === 'unknown' ? 'unknown' : !value;
}

function requirement(req: LabelSelectorRequirement, lookup: LabelLookup): Tri {
  const value = lookup(req.key);
  const has = value !== undefined;
  switch (req.operator) {
    // The API server rejects In/NotIn without values and Exists/DoesNotExist with values: such a selector came
    // from somewhere unvalidated, so it is not evaluated.
    case 'In':
    case 'NotIn': {
      if (req.values.length === 0) return 'unknown';
      if (value === UNKNOWN_LABEL) return 'unknown';
      const inSet = has && req.values.includes(value);
      return req.operator === 'In' ? inSet : !inSet;
    }
    case 'Exists':
    case 'DoesNotExist': {
      if (req.values.length > 0) return 'unknown';
      if (value === UNKNOWN_LABEL) return 'unknown';
      return req.operator === 'Exists' ? has : !has;
    }
    default:
      return 'unknown';
  }
}

/** An empty selector selects everything (as in NetworkPolicy podSelector and namespaceSelector). */
export function matchSelector(selector: LabelSelector, lookup: LabelLookup): Tri {
  const terms: Tri[] = [];
  for (const [key, want] of Object.entries(selector.matchLabels)) {
    const value = lookup(key);
    terms.push(value === UNKNOWN_LABEL ? 'unknown' : value === want);
  }
  for (const req of selector.matchExpressions) terms.push(requirement(req, lookup));
  return andAll(terms);
}

/** Every label of a namespace as selectors see it: the API server always sets kubernetes.io/metadata.name. */
export function namespaceLabels(name: string, labels: Record<string, string>): Record<string, string> {
  return { 'kubernetes.io/metadata.name': name, ...labels };
}
