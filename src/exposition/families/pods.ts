// Per-namespace pod isolation (--pod-isolation): how much of a namespace its NetworkPolicies really select.

import { DIRECTIONS } from '../../core/direction.ts';
import type { PodIsolation } from '../../core/pod-isolation.ts';
import type { Family } from '../family.ts';

/** Only with --pod-isolation, and only for namespaces that have pods. */
export const podIsolationFamilies: Family<PodIsolation>[] = [
  {
    name: 'netpol_namespace_pods',
    help: 'Pods in the namespace (with --pod-isolation).',
    type: 'gauge',
    labels: ['namespace'],
    doc: 'Only with `--pod-isolation`; no series for namespaces without pods.',
    samples: (c) => [{ labels: [['namespace', c.namespace]], value: c.pods }],
  },
  {
    name: 'netpol_namespace_pods_isolated',
    help: 'Pods selected by a NetworkPolicy of their namespace that has the direction in its effective policyTypes (with --pod-isolation).',
    type: 'gauge',
    labels: ['namespace', 'direction'],
    doc: 'Only with `--pod-isolation`.',
    samples: (c) =>
      DIRECTIONS.map((direction) => ({
        labels: [
          ['namespace', c.namespace],
          ['direction', direction],
        ],
        value: c.isolated[direction],
      })),
  },
  {
    name: 'netpol_namespace_dangling_policies',
    help: 'NetworkPolicies of the namespace whose podSelector matches none of its pods (with --pod-isolation).',
    type: 'gauge',
    labels: ['namespace'],
    doc: 'Only with `--pod-isolation`, and only for namespaces that have pods. A dangling policy makes the namespace "have a policy" and isolates nothing; the status page and `/api/v1/namespaces` name them.',
    samples: (c) => [{ labels: [['namespace', c.namespace]], value: c.dangling.length }],
  },
];
