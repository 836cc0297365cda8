// The only file of the reference that reaches the engine: through the from-scratch helper the core's own tests use
// (test/helpers/reachability.ts, which feeds the public API of the reachability core), with the namespace's pods
// known (as with --pod-isolation or manifests). When the core's files move, only that helper's imports change.
import { reachabilityIn } from '../helpers/reachability.ts';
import { PEER_CLASSES, type PeerClass, type Tri } from './exposure.ts';
import type { Cluster, Direction, Obj } from './model.ts';

export function engineClasses(c: Cluster, name: string, d: Direction): Record<PeerClass, Tri> {
  const objects: Obj[] = [
    ...c.namespaces.map((n) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: n.name, labels: n.labels },
    })),
    ...c.policies,
  ];
  const pods = c.pods.filter((p) => p.namespace === name).map((p) => p.labels);
  const r = reachabilityIn(objects, name, pods)[d];
  const out = {} as Record<PeerClass, Tri>;
  for (const k of PEER_CLASSES) out[k] = r.classes[k];
  return out;
}
