// The status page's data: the exporter's own cache (CoverageState verdicts plus each namespace's exemption and
// scope) as the same CoverageReport the audit prints, so the page, /api/v1/namespaces and `audit --output json`
// agree field for field.
import type { CoverageState } from '../core/coverage-state.ts';
import type { RowContext } from '../core/namespace-row.ts';
import { type CoverageReport, coverageReport, rowsFrom } from '../report/coverage-report.ts';

/** What the HTTP edge needs from the exporter; the Exporter class satisfies it as it is. */
export interface StatusView {
  readiness(): { ready: boolean; reason: string };
  state?: CoverageState;
  /** Exemption and scope of a namespace as of now (the exporter's NamespaceContextTracker). */
  context?: { context(name: string): RowContext | undefined };
}

export function statusReport(source: StatusView, version: string, now: Date): CoverageReport {
  const tracker = source.context;
  const rows = source.state
    ? rowsFrom(source.state, tracker ? (name) => tracker.context(name) : undefined)
    : [];
  return coverageReport({
    rows,
    source: { mode: 'exporter', ready: source.readiness().ready },
    version,
    now,
  });
}
