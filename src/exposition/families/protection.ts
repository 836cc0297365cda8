// Per-namespace families about where protection comes from: which sources protect the namespace, and which could
// not be judged.
import type { NamespaceVerdict } from '../../core/verdict.ts';
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
    labels: ['namespace', 'source'],
    doc: 'No series for the sources that do not protect the namespace; `netpol_exporter_source_status` says which sources are watched. `source`: see [sources](sources.md).',
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
    labels: ['namespace', 'source'],
    doc: 'Also 1 for each counted source the exporter could not read at all (RBAC forbids it, discovery failed, or its cache has not synced) and that does not protect the namespace by what was read: such a namespace has no `netpol_namespace_covered` series.',
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
