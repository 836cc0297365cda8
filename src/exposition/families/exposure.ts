// Per-namespace exposure: which classes of peers can reach each namespace, and whether the answer is complete.

import { DIRECTIONS } from '../../core/direction.ts';
import {
  isReachable,
  isUnknown,
  type NamespaceReachability,
  PEER_CLASSES,
} from '../../core/exposure/peer-classes.ts';
import type { Family } from '../family.ts';

const bool = (b: boolean): number => (b ? 1 : 0);

/** Reachable and unknown: one series per class (and direction) for every namespace, zeros included: absence would
 * read as "not evaluated". */
export const exposureFamilies: Family<NamespaceReachability>[] = [
  {
    name: 'netpol_namespace_reachable',
    help: 'Under the policies in force, 1 when at least one pod of the namespace can receive traffic from (direction="ingress") or send traffic to (direction="egress") a peer of the class, else 0.',
    type: 'gauge',
    labels: ['namespace', 'direction', 'peer'],
    doc: '`peer`: `same_namespace`, `other_namespaces` (pods of at least one other namespace), `all_namespaces` (every namespace, including ones created later), `ip_blocks` (addresses outside the pod network), `anywhere` (any address). Answers that could not be judged read 0 and set `netpol_namespace_reachability_unknown`. See [exposure](exposure.md).',
    samples: (r) =>
      DIRECTIONS.flatMap((direction) =>
        PEER_CLASSES.map((peer) => ({
          labels: [
            ['namespace', r.name],
            ['direction', direction],
            ['peer', peer],
          ] as const,
          value: bool(isReachable(r[direction], peer)),
        })),
      ),
  },
  {
    name: 'netpol_namespace_reachability_unknown',
    help: '1 when a policy that touches the namespace could not be evaluated for reachability in the direction (a Calico or Cilium policy, a selector or peer the exporter does not evaluate): netpol_namespace_reachable is then a lower bound.',
    type: 'gauge',
    labels: ['namespace', 'direction'],
    samples: (r) =>
      DIRECTIONS.map((direction) => ({
        labels: [
          ['namespace', r.name],
          ['direction', direction],
        ],
        value: bool(isUnknown(r[direction])),
      })),
  },
  {
    name: 'netpol_namespace_default_deny_undone',
    help: '1 when a default-deny NetworkPolicy for the direction sits beside an allow-all one (empty podSelector, a rule admitting every peer): the deny denies nothing.',
    type: 'gauge',
    labels: ['namespace', 'direction'],
    doc: 'Only for the directions where it holds (absence: not undone), as `netpol_namespace_protected` does: 20,000 zeros at 10,000 namespaces would be noise.',
    samples: (r) =>
      DIRECTIONS.filter((direction) => r[direction].denyUndone).map((direction) => ({
        labels: [
          ['namespace', r.name],
          ['direction', direction],
        ],
        value: 1,
      })),
  },
];
