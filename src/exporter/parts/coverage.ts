// Namespaces and NetworkPolicies watched into the pure CoverageState, and each namespace's verdict rendered (its
// coverage, default denies, phase and protecting sources) whenever the state says it changed.
import type { CoverageState } from '../../core/coverage-state.ts';
import type { FactOptions } from '../../core/facts.ts';
import type { NamespaceVerdict } from '../../core/verdict.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { verdictFamilies } from '../../exposition/families/index.ts';
import type { ExpositionFormat } from '../../exposition/openmetrics.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import { ClusterWatch } from '../../watch/cluster-watch.ts';
import type { WatchSettings } from '../../watch/watch-settings.ts';
import { WatchedPart } from '../part.ts';

export class CoveragePart extends WatchedPart {
  readonly store = new RenderedStore<NamespaceVerdict>(verdictFamilies);
  readonly watch: ClusterWatch;

  constructor(state: CoverageState, settings: WatchSettings, factOptions: FactOptions) {
    super();
    state.onChange(this.store.follow);
    this.watch = new ClusterWatch(state, settings, factOptions);
  }

  pieces(format: ExpositionFormat): BodyPiece[] {
    return this.store.pieces(format);
  }
}
