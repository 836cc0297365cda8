// Kubernetes label selectors as text (`k=v,k!=v,k in (a,b),!k`), the grammar of k8s.io/apimachinery/pkg/labels:
// parsed once into requirements, then matched against label maps. Used for the scope flags. The simulated API server
// has its own parser, written separately on purpose: test/core/selector-syntax.test.ts feeds both the same texts.

export interface SelectorRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | 'doesnotexist';
  values: string[];
}

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/;

function checked(key: string, values: string[], text: string): void {
  if (!KEY.test(key)) throw new Error(`invalid label key ${JSON.stringify(key)} in ${JSON.stringify(text)}`);
  for (const v of values)
    if (!VALUE.test(v))
      throw new Error(`invalid label value ${JSON.stringify(v)} in ${JSON.stringify(text)}`);
}

/** Splits at commas outside parentheses: `a in (x,y),b` is two requirements. */
function topLevelTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += c;
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

/**
 * Kubernetes label selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined by
 * commas (all must hold). Throws with a readable message on anything else.
 */
export function parseLabelSelector(text: string): SelectorRequirement[] {
  if (text.trim() === '') return [];
  return topLevelTerms(text).map((term): SelectorRequirement => {
    let m = /^!\s*(\S+)$/.exec(term);
    if (m) {
      checked(m[1] ?? '', [], text);
      return { key: m[1] ?? '', operator: 'doesnotexist', values: [] };
    }
    m = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim());
      checked(m[1] ?? '', values, text);
      return { key: m[1] ?? '', operator: m[2] as 'in' | 'notin', values };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      checked(m[1] ?? '', [m[3] ?? ''], text);
      return { key: m[1] ?? '', operator: m[2] === '!=' ? 'notin' : 'in', values: [m[3] ?? ''] };
    }
    if (KEY.test(term)) return { key: term, operator: 'exists', values: [] };
    throw new Error(`cannot parse ${JSON.stringify(term)} in label selector ${JSON.stringify(text)}`);
  });
}

/** Kubernetes semantics: `notin` and `!=` also match when the label is absent. An empty selector matches all. */
export function selectorMatches(
  requirements: readonly SelectorRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every(({ key, operator, values }) => {
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    switch (operator) {
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
      case 'in':
        return value !== undefined && values.includes(value);
      case 'notin':
        return value === undefined || !values.includes(value);
    }
    return false;
  });
}
