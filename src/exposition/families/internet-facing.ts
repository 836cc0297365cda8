// Per-namespace internet-facing: how the outside reaches each namespace (Services, Ingresses, Gateway API routes).

import type { NamespaceInternetFacing } from '../../core/internet-facing/internet-facing-state.ts';
import type { Family } from '../family.ts';

/** One series per way in, only for the namespaces the internet reaches (absence: nothing known opens it). */
export const internetFacingFamilies: Family<NamespaceInternetFacing>[] = [
  {
    name: 'netpol_namespace_internet_facing',
    help: '1 for each way the internet reaches the namespace: a LoadBalancer Service that is not internal, a NodePort Service, a Service with external IPs, an Ingress, or a Gateway API route to a backend in it.',
    type: 'gauge',
    labels: ['namespace', 'via'],
    doc: "`via`: `load_balancer` (not internal by its cloud's annotation, nor limited to private `loadBalancerSourceRanges`), `node_port`, `external_ip`, `ingress`, `gateway_route` (the backend's namespace, wherever the Gateway lives). No series for namespaces nothing opens, and none at all with `--internet-facing=false`. Which object opens it, and the rule that decided, are on the namespace page and in `/api/v1/namespaces`. See [internet-facing](internet-facing.md).",
    samples: (f) =>
      f.vias.map((via) => ({
        labels: [
          ['namespace', f.name],
          ['via', via],
        ] as const,
        value: 1,
      })),
  },
];
