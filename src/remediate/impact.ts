// What applying a namespace's remediation takes away, said before anything is written: per workload and direction,
// the traffic it has today and will not have after. Allows are a union, so a new policy can only take traffic from a
// pod that no policy isolates today for that direction; from such a pod it takes everything its rules do not allow.

import { DIRECTIONS, type Direction } from '../core/direction.ts';
import { labelSelectorFrom, type PolicyFacts, policyFacts } from '../core/facts.ts';
import { isolates } from '../core/pod-isolation.ts';
import { lookupIn, matchSelector } from '../core/selectors/label-selector.ts';
import type { NetworkPolicyObject } from './policies.ts';

export interface AffectedWorkload {
  kind: string;
  name: string;
  labels: Record<string, string>;
  pods: number;
  location: string;
}

export interface WorkloadLoss {
  workload: AffectedWorkload;
  /** What it loses per direction, in words; undefined when it loses nothing. */
  loses: Record<Direction, string | undefined>;
}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function labelsText(value: unknown): string {
  const selector = labelSelectorFrom(value);
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  if (selector.matchExpressions.length > 0) parts.push('(expressions)');
  return parts.join(',');
}

/** One peer of a rule, as a person would say it. */
function peerText(peer: unknown, direction: Direction): string {
  const word = direction === 'ingress' ? 'from' : 'to';
  if (!isJson(peer)) return `${word} an unreadable peer`;
  if (isJson(peer.ipBlock)) return `${word} ${String(peer.ipBlock.cidr)}`;
  const pods = isJson(peer.podSelector) ? labelsText(peer.podSelector) : undefined;
  if (!isJson(peer.namespaceSelector))
    return pods ? `${word} pods ${pods} of its namespace` : `${word} its own namespace`;
  const labels = labelSelectorFrom(peer.namespaceSelector).matchLabels;
  const named = labels['kubernetes.io/metadata.name'];
  const where = named
    ? named
    : labelsText(peer.namespaceSelector)
      ? `namespaces ${labelsText(peer.namespaceSelector)}`
      : '';
  if (!where) return pods ? `${word} pods ${pods} of every namespace` : `${word} every namespace`;
  return pods ? `${word} pods ${pods} in ${where}` : `${word} ${where}`;
}

function portsText(ports: unknown): string {
  if (!Array.isArray(ports) || ports.length === 0) return '';
  const byPort = new Map<string, string[]>();
  for (const p of ports) {
    if (!isJson(p)) continue;
    const port = String(p.port ?? 'any port');
    byPort.set(port, [...(byPort.get(port) ?? []), String(p.protocol ?? 'TCP')]);
  }
  return ` on ${[...byPort].map(([port, protocols]) => `${protocols.join('/')} ${port}`).join(', ')}`;
}

/** The rules of a planned policy for a direction, in words; 'everything' when one rule allows all. */
function allowed(policy: NetworkPolicyObject, direction: Direction): string[] | 'everything' {
  const rules = policy.spec[direction];
  if (!Array.isArray(rules)) return [];
  const out: string[] = [];
  for (const rule of rules) {
    if (!isJson(rule)) continue;
    const peers = rule[direction === 'ingress' ? 'from' : 'to'];
    const ports = portsText(rule.ports);
    if (!Array.isArray(peers) || peers.length === 0) {
      if (!ports) return 'everything';
      out.push(`anything${ports}`);
      continue;
    }
    for (const peer of peers) out.push(`${peerText(peer, direction)}${ports}`);
  }
  return out;
}

/** Per workload of the namespace, what the planned policies take away; workloads that lose nothing are left out. */
export function remediationImpact(
  current: Iterable<PolicyFacts>,
  planned: readonly NetworkPolicyObject[],
  workloads: readonly AffectedWorkload[],
): WorkloadLoss[] {
  const today = [...current];
  const losses: WorkloadLoss[] = [];
  for (const workload of workloads) {
    const loses = { ingress: undefined, egress: undefined } as Record<Direction, string | undefined>;
    for (const direction of DIRECTIONS) {
      if (today.some((p) => isolates(p, workload.labels, direction))) continue;
      const selecting = planned.filter((p) => {
        const facts = policyFacts(p);
        return (
          facts?.[direction].applies && matchSelector(facts.podSelector, lookupIn(workload.labels)) === true
        );
      });
      if (selecting.length === 0) continue;
      const allows = selecting.map((p) => allowed(p, direction));
      if (allows.includes('everything')) continue;
      const kept = [...new Set(allows.flat() as string[])];
      loses[direction] = kept.length > 0 ? `all ${direction} except ${kept.join('; ')}` : `all ${direction}`;
    }
    if (loses.ingress || loses.egress) losses.push({ workload, loses });
  }
  return losses;
}
