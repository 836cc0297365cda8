// Per-namespace verdicts from slim facts. Pure: no I/O, no clock, no Kubernetes client, no Prometheus.

import { DIRECTIONS, type Direction } from './direction.ts';
import { isEmptySelector, type NamespaceFacts, type PolicyFacts } from './facts.ts';
import { combineProtection, type ProtectionContext, sourceList } from './protection.ts';
import type { Source } from './sources/index.ts';

export interface NamespaceVerdict {
  name: string;
  phase: string;
  createdSeconds: number;
  /** NetworkPolicies in the namespace. */
  policies: number;
  /** Protected by at least one source that counts (--coverage-sources; NetworkPolicy alone is CIS 5.3.2's reading). */
  covered: boolean;
  defaultDeny: Record<Direction, boolean>;
  /**
   * A NetworkPolicy selecting every pod allows all traffic for the direction (`ingress: [{}]`): the namespace
   * "has a policy", and nothing is protected for that direction (allows are a union, so no deny beside it holds).
   */
  allowAll: Record<Direction, boolean>;
  /** Sources that protect the namespace (`networkpolicy` when it has at least one NetworkPolicy). */
  protectedBy: readonly Source[];
  /** Sources whose policies could not be evaluated for the namespace (including those that could not be read). */
  protectionUnknown: readonly Source[];
  /**
   * Sources that could not be read at all (forbidden, not discovered, not synced). With NetworkPolicy among them the
   * policy count, default denies and allow-alls are unknown; with any that counts, an uncovered namespace is unknown.
   */
  unread: readonly Source[];
}

/** Covered or not is a verdict only when the namespace is covered or every counted source could be read. */
export function coverageJudged(v: Pick<NamespaceVerdict, 'covered' | 'unread'>): boolean {
  return v.covered || v.unread.length === 0;
}

/**
 * A default deny for a direction: selects every pod (empty podSelector), the direction is in the effective
 * policyTypes, and it has no rules for it. `ingress: [{}]` is one rule that allows all, so it is not a deny.
 */
export function isDefaultDeny(policy: PolicyFacts, direction: Direction): boolean {
  const facts = policy[direction];
  return facts.applies && facts.rules === 0 && isEmptySelector(policy.podSelector);
}

/** Selects every pod and allows everything for the direction: it satisfies the letter of CIS 5.3.2 only. */
export function isAllowAll(policy: PolicyFacts, direction: Direction): boolean {
  return policy[direction].allowsAll && isEmptySelector(policy.podSelector);
}

export function namespaceVerdict(
  ns: NamespaceFacts,
  policies: Iterable<PolicyFacts>,
  protection: ProtectionContext = {},
): NamespaceVerdict {
  let count = 0;
  const defaultDeny: Record<Direction, boolean> = { ingress: false, egress: false };
  const allowAll: Record<Direction, boolean> = { ingress: false, egress: false };
  for (const policy of policies) {
    count++;
    for (const direction of DIRECTIONS) {
      if (isDefaultDeny(policy, direction)) defaultDeny[direction] = true;
      if (isAllowAll(policy, direction)) allowAll[direction] = true;
    }
  }
  const { covered, protectedBy, unknown } = combineProtection(count, protection);
  return {
    name: ns.name,
    phase: ns.phase,
    createdSeconds: ns.createdSeconds,
    policies: count,
    covered,
    defaultDeny,
    allowAll,
    protectedBy,
    protectionUnknown: unknown,
    unread: sourceList([...(protection.unread ?? [])]),
  };
}
