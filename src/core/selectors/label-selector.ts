// Kubernetes label selectors (matchLabels + matchExpressions) evaluated in three-valued logic: true, false, or
// 'unknown' when the selector uses an operator we do not know, is malformed, or asks about a label whose value we
// cannot know (a pod label, when only a namespace is being judged). Unknown is reported, never guessed.
import { type LabelSelector, type LabelSelectorRequirement, NAMESPACE_NAME_LABEL } from '../facts.ts';

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

/** Kleene OR and AND of two answers. */
export const or = (a: Tri, b: Tri): Tri =>
  a === true || b === true ? true : a === false && b === false ? false : 'unknown';
export const and = (a: Tri, b: Tri): Tri =>
  a === false || b === false ? false : a === true && b === true ? true : 'unknown';
/** The answer when either of two cases may hold: the one they share, else unknown. */
export const same = (a: Tri, b: Tri): Tri => (a === b ? a : 'unknown');

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
  return { [NAMESPACE_NAME_LABEL]: name, ...labels };
}

const KNOWN_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Why a selector cannot be evaluated at all (an operator we do not know, or values the API server would refuse),
 * or undefined when it can be.
 */
export function selectorProblem(selector: LabelSelector): string | undefined {
  for (const req of selector.matchExpressions) {
    if (!KNOWN_OPERATORS.includes(req.operator)) return `unknown operator ${JSON.stringify(req.operator)}`;
    const wantsValues = req.operator === 'In' || req.operator === 'NotIn';
    if (wantsValues !== req.values.length > 0)
      return `${req.operator} on ${JSON.stringify(req.key)} ${wantsValues ? 'without' : 'with'} values`;
  }
  return undefined;
}

/** A selector in kubectl's text form (`app=web,tier in (a,b),!legacy`); '' for the empty selector (everything). */
export function selectorText(selector: LabelSelector): string {
  const terms = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values } of selector.matchExpressions) {
    if (operator === 'In') terms.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') terms.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') terms.push(key);
    else if (operator === 'DoesNotExist') terms.push(`!${key}`);
    else terms.push(`${key} ${operator} (${values.join(',')})`);
  }
  return terms.join(',');
}
