// --pod-isolation: a metadata-only pod watch, and per namespace how many pods its NetworkPolicies isolate.
import type { CoverageState } from '../../core/coverage-state.ts';
import { type PodIsolation, PodIsolationState } from '../../core/pod-isolation.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { podIsolationFamilies } from '../../exposition/families/pods.ts';
import type { ExpositionFormat } from '../../exposition/openmetrics.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import { podInformer } from '../../watch/pod-watch.ts';
import type { WatchSettings } from '../../watch/watch-settings.ts';
import type { Part, Readiness } from '../part.ts';

export class PodIsolationPart implements Part {
  readonly store = new RenderedStore<PodIsolation>(podIsolationFamilies);
  /** The pods' labels, which the exposure part answers from. */
  readonly podState: PodIsolationState;
  private readonly pods: ReturnType<typeof podInformer>;

  constructor(state: CoverageState, settings: WatchSettings) {
    const podState = new PodIsolationState((namespace) => state.policiesIn(namespace));
    this.podState = podState;
    podState.onChange(this.store.follow);
    // Any change of a namespace's verdict may be a NetworkPolicy change: recount its pods (only its pods).
    state.onChange((name) => podState.recount(name));
    this.pods = podInformer(podState, settings);
  }

  start(): void {
    this.pods.informer.start();
  }

  stop(): Promise<void> {
    return this.pods.informer.stop();
  }

  readiness(): Readiness {
    const { status } = this.pods;
    return status.synced
      ? { ready: true, reason: 'pods synced' }
      : {
          ready: false,
          reason: `pods cache not synced${status.lastError ? ` (last error: ${status.lastError})` : ''}`,
        };
  }

  status() {
    return { watches: [this.pods.status] };
  }

  /**
   * The namespace's NetworkPolicies that select none of its pods, once the pods have been listed (undefined
   * before). A namespace without pods has none: nothing there needs isolating.
   */
  dangling(namespace: string): readonly string[] | undefined {
    if (!this.pods.status.synced) return undefined;
    return this.podState.counts(namespace)?.dangling ?? [];
  }

  pieces(format: ExpositionFormat): BodyPiece[] {
    return this.store.pieces(format);
  }
}
