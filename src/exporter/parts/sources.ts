// The optional policy sources (cluster-scoped and CNI kinds): discovered, watched into the CoverageState while
// served and permitted, and reported by state. Their effect on each namespace is rendered by the coverage part.
import type { CoverageState } from '../../core/coverage-state.ts';
import { SourceWatch } from '../../watch/discovery.ts';
import type { WatchSettings } from '../../watch/watch-settings.ts';
import { WatchedPart } from '../part.ts';

export class SourcesPart extends WatchedPart {
  readonly watch: SourceWatch;

  constructor(state: CoverageState, settings: WatchSettings, discoveryIntervalMs: number) {
    super();
    this.watch = new SourceWatch(state, settings, discoveryIntervalMs);
  }

  override status() {
    return { ...super.status(), sources: this.watch.rows() };
  }

  pieces() {
    return [];
  }
}
