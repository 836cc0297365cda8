// What the exporter can vouch for: the verdicts are only as good as the data behind them.
/**
 * How complete the data behind the verdicts is. `complete`: everything counted was read and is current.
 * `unknown`: not everything has been read even once (caches not synced, sources not listed yet): no verdict holds.
 * `incomplete`: read once, but not current or not all of it (a watch down past its stall timeout, a counted source
 * RBAC forbids or discovery could not ask for): verdicts may be wrong.
 */
export type DataState = 'complete' | 'incomplete' | 'unknown';

export interface DataStatus {
  state: DataState;
  /** One sentence per thing missing; empty when complete. */
  reasons: string[];
}

export const COMPLETE: DataStatus = { state: 'complete', reasons: [] };
