// Which namespaces the operator has put out of scope (by name, name pattern or label selector). Out of scope is
// never hidden: the exporter still exports such a namespace, marked excluded, and the uncovered alert skips it.
// By default nothing is excluded: CIS 5.3.2 applies to every namespace, kube-system included.
import { type SelectorRequirement, selectorMatches } from '../selectors/selector-syntax.ts';

export interface ScopeConfig {
  /** Names or glob patterns (`*`, `?`); empty means every namespace is included. */
  include: string[];
  /** Names or glob patterns excluded even when included. */
  exclude: string[];
  /** Namespaces whose labels match this selector are excluded; empty excludes nothing. */
  excludeSelector: SelectorRequirement[];
}

export const EMPTY_SCOPE: ScopeConfig = { include: [], exclude: [], excludeSelector: [] };

/** `kube-*`, `team-?`, or an exact name. */
export function globMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

export class NamespaceScope {
  private readonly include: ((name: string) => boolean)[];
  private readonly exclude: ((name: string) => boolean)[];

  constructor(private readonly config: ScopeConfig) {
    this.include = config.include.map(globMatcher);
    this.exclude = config.exclude.map(globMatcher);
  }

  /** Excluded by configuration: not among the includes (when any are set), or matched by an exclude. */
  isExcluded(name: string, labels: Readonly<Record<string, string>>): boolean {
    if (this.include.length > 0 && !this.include.some((match) => match(name))) return true;
    if (this.exclude.some((match) => match(name))) return true;
    return this.config.excludeSelector.length > 0 && selectorMatches(this.config.excludeSelector, labels);
  }
}
