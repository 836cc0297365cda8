// The optional policy sources (cluster-scoped and CNI kinds): discovered, watched into the CoverageState while
// served and permitted, and reported by state. Their effect on each namespace is rendered by the coverage part.
import type { CoverageState } from '../../core/coverage-state.ts';
import { SourceWatch, type SourceWatchOptions } from '../../watch/discovery.ts';
import { WatchedPart } from '../part.ts';

export class SourcesPart extends WatchedPart {
  readonly watch: SourceWatch;

  constructor(state: CoverageState, options: SourceWatchOptions) {
    super();
    this.watch = new SourceWatch(state, options);
  }

  override status() {
    return { ...super.status(), sources: this.watch.rows() };
  }

  pieces() {
    return [];
  }
}
