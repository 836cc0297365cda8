// Namespaces and NetworkPolicies watched into the pure CoverageState, and each namespace's verdict rendered (its
// coverage, default denies, phase and protecting sources) whenever the state says it changed.
import type { CoverageState } from '../../core/coverage-state.ts';
import type { FactOptions } from '../../core/facts.ts';
import type { NamespaceVerdict } from '../../core/verdict.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { verdictFamilies } from '../../exposition/families/index.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import { ClusterWatch, type ClusterWatchOptions } from '../../watch/cluster-watch.ts';
import type { Part, Readiness } from '../part.ts';

export class CoveragePart implements Part {
  readonly store = new RenderedStore<NamespaceVerdict>(verdictFamilies);
  private readonly watch: ClusterWatch;

  constructor(state: CoverageState, options: ClusterWatchOptions & { factOptions: FactOptions }) {
    state.onChange((name, verdict) => {
      if (verdict) this.store.set(name, verdict);
      else this.store.delete(name);
    });
    this.watch = new ClusterWatch(state, options);
  }

  start(): void {
    this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  readiness(): Readiness {
    return this.watch.readiness();
  }

  status() {
    return { watches: this.watch.statuses };
  }

  pieces(): BodyPiece[] {
    return this.store.pieces();
  }
}
