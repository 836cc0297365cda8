// What surrounds a namespace's coverage verdict without changing it: its exemption, whether configuration puts
// it out of scope, and the labels alerts are routed by. Pure: the time is an argument.
import { boundedText } from './bounded-text.ts';
import { type ExemptionRules, type ExemptionStatus, evaluateExemption } from './exemption.ts';
import type { NamespaceFacts } from './facts.ts';
import { NamespaceScope, type ScopeConfig } from './namespace-scope.ts';

/** Kubernetes label values are at most 63 characters; keys at most 316. Anything longer is not from the API. */
export const MAX_LABEL_VALUE_CHARS = 256;

export interface NamespaceContextOptions {
  exemption: ExemptionRules;
  scope: ScopeConfig;
  /** Namespace label keys to export on netpol_namespace_labels; `*` means every label; empty exports none. */
  labelAllowlist: string[];
}

export interface NamespaceContext {
  name: string;
  exemption: ExemptionStatus;
  excluded: boolean;
  /** Allow-listed labels as [key, bounded value], sorted by key; undefined when the allow-list is empty. */
  labels: [string, string][] | undefined;
}

export class NamespaceContextRules {
  private readonly scope: NamespaceScope;
  private readonly allowAll: boolean;
  private readonly allowed: Set<string>;

  constructor(readonly options: NamespaceContextOptions) {
    this.scope = new NamespaceScope(options.scope);
    this.allowAll = options.labelAllowlist.includes('*');
    this.allowed = new Set(options.labelAllowlist);
  }

  contextOf(ns: NamespaceFacts, nowSeconds: number): NamespaceContext {
    const labels =
      this.allowed.size === 0
        ? undefined
        : Object.entries(ns.labels)
            .filter(([key]) => this.allowAll || this.allowed.has(key))
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([key, value]): [string, string] => [key, boundedText(value, MAX_LABEL_VALUE_CHARS)]);
    return {
      name: ns.name,
      exemption: evaluateExemption(ns.annotations, ns.createdSeconds, this.options.exemption, nowSeconds),
      excluded: this.scope.isExcluded(ns.name, ns.labels),
      labels,
    };
  }
}
