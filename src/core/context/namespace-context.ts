// What surrounds a namespace's coverage verdict without changing it: its exemption, whether configuration puts
// it out of scope, and the labels alerts are routed by. Pure: the time is an argument.

import type { NamespaceFacts } from '../facts.ts';
import { boundedText } from './bounded-text.ts';
import { type ExemptionRules, type ExemptionStatus, evaluateExemption } from './exemption.ts';
import { NamespaceScope, type ScopeConfig } from './namespace-scope.ts';

/** Kubernetes label values are at most 63 characters; keys at most 316. Anything longer is not from the API. */
const MAX_LABEL_VALUE_CHARS = 256;

export interface NamespaceContextOptions {
  exemption: ExemptionRules;
  scope: ScopeConfig;
  /** Namespace label keys to export on netpol_namespace_labels; `*` means every label; empty exports none. */
  labelAllowlist: string[];
  /** At most this many labels on one series (--metric-labels-limit); default DEFAULT_LABEL_LIMIT. */
  labelLimit?: number;
}

export const DEFAULT_LABEL_LIMIT = 64;

export interface NamespaceContext {
  name: string;
  exemption: ExemptionStatus;
  excluded: boolean;
  /** Allow-listed labels as [key, bounded value], sorted by key; undefined when the allow-list is empty. */
  labels: [string, string][] | undefined;
  /** Allow-listed labels left out because the namespace has more than the limit. */
  labelsDropped: number;
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
    const allowed =
      this.allowed.size === 0
        ? undefined
        : Object.entries(ns.labels)
            .filter(([key]) => this.allowAll || this.allowed.has(key))
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const limit = this.options.labelLimit ?? DEFAULT_LABEL_LIMIT;
    const labels = allowed
      ?.slice(0, limit)
      .map(([key, value]): [string, string] => [key, boundedText(value, MAX_LABEL_VALUE_CHARS)]);
    return {
      name: ns.name,
      exemption: evaluateExemption(ns.annotations, ns.createdSeconds, this.options.exemption, nowSeconds),
      excluded: this.scope.isExcluded(ns.name, ns.labels),
      labels,
      labelsDropped: Math.max(0, (allowed?.length ?? 0) - limit),
    };
  }
}
