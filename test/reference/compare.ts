// Comparing the engine with the reference model, namespace by namespace and direction by direction.
import { engineClasses } from './engine.ts';
import { PEER_CLASSES, type PeerClass, referenceClasses, type Tri } from './exposure.ts';
import type { Cluster, Direction } from './model.ts';

export interface Disagreement {
  namespace: string;
  direction: Direction;
  peer: PeerClass;
  engine: Tri;
  model: Tri;
}

/**
 * Where the engine states an answer the model contradicts: a boolean against the opposite boolean, or a boolean
 * where the answer depends on what neither knows (the pod network: the model says 'unknown'). An engine 'unknown'
 * is a lower bound, never wrong here; `imprecise` lists those the model could decide.
 */
export function compare(c: Cluster): { wrong: Disagreement[]; imprecise: Disagreement[] } {
  const wrong: Disagreement[] = [];
  const imprecise: Disagreement[] = [];
  for (const ns of c.namespaces) {
    for (const direction of ['ingress', 'egress'] as const) {
      const engine = engineClasses(c, ns.name, direction);
      const model = referenceClasses(c, ns.name, direction);
      for (const peer of PEER_CLASSES) {
        const d = { namespace: ns.name, direction, peer, engine: engine[peer], model: model[peer] };
        if (d.engine === 'unknown') {
          if (d.model !== 'unknown') imprecise.push(d);
        } else if (d.engine !== d.model) wrong.push(d);
      }
    }
  }
  return { wrong, imprecise };
}
