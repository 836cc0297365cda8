// The per-namespace metric families: the contract dashboards and alerts build on (docs/metrics.md lists them).
import { DIRECTIONS } from '../../core/direction.ts';
import { coverageJudged, type NamespaceVerdict } from '../../core/verdict.ts';
import type { Family } from '../family.ts';

const bool = (b: boolean): number => (b ? 1 : 0);
/** The NetworkPolicy cache could not be read (RBAC forbids it, or it has not synced): counts from it mean nothing. */
const policiesUnread = (v: NamespaceVerdict): boolean => v.unread.includes('networkpolicy');
const UNREAD_DOC =
  'No series while NetworkPolicies cannot be read (RBAC forbids them, or the cache has not synced): an unknown is not exported as a number.';
/** Phases alerts filter on; an unknown phase from the API is still exported as itself. */
const KNOWN_PHASES = ['Active', 'Terminating'];

export const namespaceFamilies: Family<NamespaceVerdict>[] = [
  {
    name: 'netpol_namespace_network_policies',
    help: 'Number of NetworkPolicies in the namespace.',
    type: 'gauge',
    labels: ['namespace'],
    doc: UNREAD_DOC,
    samples: (v) => (policiesUnread(v) ? [] : [{ labels: [['namespace', v.name]], value: v.policies }]),
  },
  {
    name: 'netpol_namespace_covered',
    help: '1 when a policy of a source that --coverage-sources counts protects the namespace (by default any source: NetworkPolicy, AdminNetworkPolicy, Calico, Cilium, ...), else 0; a policy that cannot be judged does not count.',
    type: 'gauge',
    labels: ['namespace'],
    doc: "Which sources count is set by `--coverage-sources` (by default every source; `networkpolicy` alone is CIS 5.3.2's literal reading: at least one NetworkPolicy). A policy whose reach cannot be judged shows on `netpol_namespace_protection_unknown` and does not cover. When a counted source cannot be read at all (RBAC forbids it, discovery failed, or its cache has not synced), a namespace no readable source protects has **no** `covered` series (1 is still exported where a readable source protects it), and `netpol_namespace_protection_unknown` names the unread source: the exporter does not export a verdict it could not judge as 0.",
    samples: (v) => (coverageJudged(v) ? [{ labels: [['namespace', v.name]], value: bool(v.covered) }] : []),
  },
  {
    name: 'netpol_namespace_default_deny',
    help: '1 when a default-deny NetworkPolicy for the direction is present, else 0.',
    type: 'gauge',
    labels: ['namespace', 'direction'],
    doc: `A default deny: empty \`podSelector\`, the direction among its effective \`policyTypes\`, no rules for it. \`direction\`: \`ingress\`, \`egress\`. ${UNREAD_DOC}`,
    samples: (v) =>
      (policiesUnread(v) ? [] : DIRECTIONS).map((direction) => ({
        labels: [
          ['namespace', v.name],
          ['direction', direction],
        ],
        value: bool(v.defaultDeny[direction]),
      })),
  },
  {
    name: 'netpol_namespace_allow_all',
    help: '1 for each direction in which a NetworkPolicy selecting every pod allows all traffic (ingress: [{}] or egress: [{}]).',
    type: 'gauge',
    labels: ['namespace', 'direction'],
    doc: 'Such a policy satisfies the letter of CIS 5.3.2 and protects nothing for the direction (allows are a union: a default deny beside it denies nothing). No series for the directions without one: allow-alls are rare, and explicit zeros would be two series per namespace of noise. `direction`: `ingress`, `egress`.',
    samples: (v) =>
      DIRECTIONS.filter((direction) => v.allowAll[direction] && !policiesUnread(v)).map((direction) => ({
        labels: [
          ['namespace', v.name],
          ['direction', direction],
        ],
        value: 1,
      })),
  },
  {
    name: 'netpol_namespace_created_timestamp_seconds',
    help: 'Creation time of the namespace, in Unix seconds.',
    type: 'gauge',
    labels: ['namespace'],
    samples: (v) =>
      Number.isNaN(v.createdSeconds) ? [] : [{ labels: [['namespace', v.name]], value: v.createdSeconds }],
  },
  {
    name: 'netpol_namespace_status_phase',
    help: 'The namespace phase: 1 for the current phase, 0 for the others.',
    type: 'gauge',
    labels: ['namespace', 'phase'],
    doc: '`phase`: `Active`, `Terminating` (and any other phase the API reports, as itself); alerts use it to ignore Terminating namespaces.',
    samples: (v) => {
      const phases = KNOWN_PHASES.includes(v.phase) ? KNOWN_PHASES : [...KNOWN_PHASES, v.phase];
      return phases.map((phase) => ({
        labels: [
          ['namespace', v.name],
          ['phase', phase],
        ],
        value: bool(phase === v.phase),
      }));
    },
  },
];
