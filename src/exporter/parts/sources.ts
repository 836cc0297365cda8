// The optional policy sources (cluster-scoped and CNI kinds): discovered, watched into the CoverageState while
// served and permitted, and reported by state. Their effect on each namespace is rendered by the coverage part.
import type { CoverageState } from '../../core/coverage-state.ts';
import { SourceWatch, type SourceWatchOptions } from '../../watch/discovery.ts';
import type { Part, Readiness } from '../part.ts';

export class SourcesPart implements Part {
  readonly watch: SourceWatch;

  constructor(state: CoverageState, options: SourceWatchOptions) {
    this.watch = new SourceWatch(state, options);
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
    return { watches: this.watch.statuses, sources: this.watch.rows() };
  }

  pieces() {
    return [];
  }
}
