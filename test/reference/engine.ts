// The only file of the reference that reaches the engine: through the from-scratch helper the core's own tests use
// (test/helpers/reachability.ts, which feeds the public API of the reachability core), with the namespace's pods
// known (as with --pod-isolation or manifests). When the core's files move, only that helper's imports change.
import { reachabilityIn, reachersIn } from '../helpers/reachability.ts';
import { PEER_CLASSES, type PeerClass, type Tri } from './exposure.ts';
import type { Cluster, Direction, Obj } from './model.ts';

const objectsOf = (c: Cluster): Obj[] => [
  ...c.namespaces.map((n) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: n.name, labels: n.labels },
  })),
  ...c.policies,
];

export function engineClasses(c: Cluster, name: string, d: Direction): Record<PeerClass, Tri> {
  const objects = objectsOf(c);
  const pods = c.pods.filter((p) => p.namespace === name).map((p) => p.labels);
  const r = reachabilityIn(objects, name, pods)[d];
  const out = {} as Record<PeerClass, Tri>;
  for (const k of PEER_CLASSES) out[k] = r.classes[k];
  return out;
}

/** The engine's names behind other_namespaces: per other namespace, reached (true), not (false) or 'unknown'. */
export function engineReachers(c: Cluster, name: string, d: Direction): Map<string, Tri> {
  const objects = objectsOf(c);
  const pods = c.pods.filter((p) => p.namespace === name).map((p) => p.labels);
  const r = reachersIn(objects, name, pods)[d];
  const out = new Map<string, Tri>();
  for (const n of c.namespaces) if (n.name !== name) out.set(n.name, false);
  for (const n of r.namespaces) out.set(n.namespace, true);
  for (const n of r.unknown) out.set(n, 'unknown');
  return out;
}
