// Per-namespace verdicts from slim facts. Pure: no I/O, no clock, no Kubernetes client, no Prometheus.
import { isEmptySelector, type NamespaceFacts, type PolicyFacts } from './facts.ts';

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

export interface NamespaceVerdict {
  name: string;
  phase: string;
  createdSeconds: number;
  /** NetworkPolicies in the namespace. */
  policies: number;
  /** CIS 5.3.2: at least one NetworkPolicy in the namespace. */
  covered: boolean;
  defaultDeny: Record<Direction, boolean>;
}

/**
 * A default deny for a direction: selects every pod (empty podSelector), the direction is in the effective
 * policyTypes, and it has no rules for it. `ingress: [{}]` is one rule that allows all, so it is not a deny.
 */
export function isDefaultDeny(policy: PolicyFacts, direction: Direction): boolean {
  const facts = policy[direction];
  return facts.applies && facts.rules === 0 && isEmptySelector(policy.podSelector);
}

export function namespaceVerdict(ns: NamespaceFacts, policies: Iterable<PolicyFacts>): NamespaceVerdict {
  let count = 0;
  const defaultDeny: Record<Direction, boolean> = { ingress: false, egress: false };
  for (const policy of policies) {
    count++;
    for (const direction of DIRECTIONS) {
      if (isDefaultDeny(policy, direction)) defaultDeny[direction] = true;
    }
  }
  return {
    name: ns.name,
    phase: ns.phase,
    createdSeconds: ns.createdSeconds,
    policies: count,
    covered: count > 0,
    defaultDeny,
  };
}
