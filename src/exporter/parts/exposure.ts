// Who can reach each namespace: the pure ExposureState following the coverage state (and the pods, with
// --pod-isolation), each namespace's answer rendered whenever it changes. No watch of its own.
import type { CoverageState } from '../../core/coverage-state.ts';
import { ExposureState } from '../../core/exposure/exposure-state.ts';
import type { NamespaceReachability } from '../../core/exposure/peer-classes.ts';
import type { PodIsolationState } from '../../core/pod-isolation.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { exposureFamilies } from '../../exposition/families/exposure.ts';
import type { ExpositionFormat } from '../../exposition/openmetrics.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import type { Part, Readiness } from '../part.ts';

export class ExposurePart implements Part {
  readonly store = new RenderedStore<NamespaceReachability>(exposureFamilies);
  readonly state: ExposureState;

  /**
   * `pods`: the pod state of --pod-isolation; without it, pods are not known. `upstreamReady`: whether the caches
   * the answers come from have synced; until then nothing is computed (the first scrape or readiness check after
   * they have computes everything once).
   */
  constructor(
    coverage: CoverageState,
    pods?: PodIsolationState,
    private readonly upstreamReady?: () => boolean,
  ) {
    this.state = new ExposureState(coverage, {
      ...(pods ? { podsIn: (ns: string) => pods.podsIn(ns) } : {}),
      held: upstreamReady !== undefined,
    });
    this.state.onChange(this.store.follow);
    pods?.onPodsChange((namespace) => this.state.podsChanged(namespace));
  }

  start(): void {}

  async stop(): Promise<void> {}

  readiness(): Readiness {
    this.releaseOnceSynced();
    return { ready: true, reason: 'follows the namespaces, policies and pods caches' };
  }

  status() {
    return {};
  }

  pieces(format: ExpositionFormat): BodyPiece[] {
    this.releaseOnceSynced();
    return this.store.pieces(format);
  }

  private releaseOnceSynced(): void {
    if (this.state.isHeld && this.upstreamReady?.()) this.state.release();
  }
}
