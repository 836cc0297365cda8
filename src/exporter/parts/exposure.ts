// Who can reach each namespace: the pure ExposureState following the coverage state (and the pods, with
// --pod-isolation), each namespace's answer rendered whenever it changes. No watch of its own.
import type { CoverageState } from '../../core/coverage-state.ts';
import { ExposureState } from '../../core/exposure-state.ts';
import type { PodIsolationState } from '../../core/pod-isolation.ts';
import type { NamespaceReachability } from '../../core/reachability.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { exposureFamilies } from '../../exposition/families/exposure.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import type { Part, Readiness } from '../part.ts';

export class ExposurePart implements Part {
  readonly store = new RenderedStore<NamespaceReachability>(exposureFamilies);
  readonly state: ExposureState;

  /** `pods`: the pod state of --pod-isolation; without it, pods are not known. */
  constructor(coverage: CoverageState, pods?: PodIsolationState) {
    this.state = new ExposureState(coverage, pods ? { podsIn: (ns) => pods.podsIn(ns) } : {});
    this.state.onChange((name, reachability) => {
      if (reachability) this.store.set(name, reachability);
      else this.store.delete(name);
    });
    pods?.onPodsChange((namespace) => this.state.podsChanged(namespace));
  }

  start(): void {}

  async stop(): Promise<void> {}

  readiness(): Readiness {
    return { ready: true, reason: 'follows the namespaces, policies and pods caches' };
  }

  status() {
    return {};
  }

  pieces(): BodyPiece[] {
    return this.store.pieces();
  }
}
