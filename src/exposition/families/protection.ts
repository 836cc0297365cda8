// Per-namespace families about where protection comes from (issue 7) and how much of a namespace is isolated,
// and the exporter's view of each optional source. The README lists them.
import type { ExtraSource } from '../../core/cluster-policies.ts';
import type { PodIsolation } from '../../core/pod-isolation.ts';
import { DIRECTIONS, type NamespaceVerdict } from '../../core/verdict.ts';
import type { Family } from '../family.ts';

/**
 * One series per source that protects the namespace (value 1), none for the others: absence means "not by this
 * source", and with eight sources and 10,000 namespaces explicit zeros would be 80,000 series of noise.
 * `netpol_exporter_source_status` says which sources are watched, so absence can be read correctly.
 */
export const protectionFamilies: Family<NamespaceVerdict>[] = [
  {
    name: 'netpol_namespace_protected',
    help: '1 for each source (networkpolicy, adminnetworkpolicy, calico_globalnetworkpolicy, ...) with a policy that protects the namespace.',
    type: 'gauge',
    samples: (v) =>
      v.protectedBy.map((source) => ({
        labels: [
          ['namespace', v.name],
          ['source', source],
        ],
        value: 1,
      })),
  },
  {
    name: 'netpol_namespace_protection_unknown',
    help: '1 for each source with a policy whose reach into the namespace could not be evaluated (it does not count as protection).',
    type: 'gauge',
    samples: (v) =>
      v.protectionUnknown.map((source) => ({
        labels: [
          ['namespace', v.name],
          ['source', source],
        ],
        value: 1,
      })),
  },
];

/** Only with --pod-isolation, and only for namespaces that have pods. */
export const podIsolationFamilies: Family<PodIsolation>[] = [
  {
    name: 'netpol_namespace_pods',
    help: 'Pods in the namespace (with --pod-isolation).',
    type: 'gauge',
    samples: (c) => [{ labels: [['namespace', c.namespace]], value: c.pods }],
  },
  {
    name: 'netpol_namespace_pods_isolated',
    help: 'Pods selected by a NetworkPolicy of their namespace that has the direction in its effective policyTypes (with --pod-isolation).',
    type: 'gauge',
    samples: (c) =>
      DIRECTIONS.map((direction) => ({
        labels: [
          ['namespace', c.namespace],
          ['direction', direction],
        ],
        value: c.isolated[direction],
      })),
  },
];

export type SourceState = 'watching' | 'not_served' | 'forbidden';
export const SOURCE_STATES: readonly SourceState[] = ['watching', 'not_served', 'forbidden'];

export interface SourceStatusRow {
  source: ExtraSource;
  state: SourceState;
}

export const sourceStatusFamily: Family<SourceStatusRow[]> = {
  name: 'netpol_exporter_source_status',
  help: 'Optional policy sources: 1 for the current state (watching, not_served by the API server, forbidden by RBAC), 0 for the others.',
  type: 'gauge',
  samples: (rows) =>
    rows.flatMap((row) =>
      SOURCE_STATES.map((state) => ({
        labels: [
          ['source', row.source],
          ['state', state],
        ],
        value: row.state === state ? 1 : 0,
      })),
    ),
};
