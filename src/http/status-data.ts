// The status page's data: the exporter's own cache (CoverageState verdicts plus each namespace's exemption and
// scope) as the same CoverageReport the audit prints, so the page, /api/v1/namespaces and `audit --output json`
// agree field for field, and with how complete the exporter says its data is.
import type { CoverageState } from '../core/coverage-state.ts';
import type { NamespaceReachability } from '../core/exposure/peer-classes.ts';
import type { EntryPoint } from '../core/internet-facing/classify.ts';
import type { RowContext } from '../core/namespace-row.ts';
import {
  type CoverageReport,
  coverageReport,
  type DataStatus,
  internetFacingOf,
  rowsFrom,
} from '../report/coverage-report.ts';

/** What the HTTP edge needs from the exporter; the Exporter class satisfies it as it is. */
export interface StatusView {
  readiness(): { ready: boolean; reason: string };
  state?: CoverageState;
  /** Exemption and scope of a namespace as of now (the exporter's NamespaceContextTracker). */
  context?: { context(name: string): RowContext | undefined };
  /**
   * How complete the data is (caches synced, watches current, counted sources readable); without it, complete
   * once ready and unknown before.
   */
  dataStatus?(): DataStatus;
  /** When the namespace's verdict was last recomputed (epoch ms), if known. */
  changedAt?(namespace: string): number | undefined;
  /** A namespace's NetworkPolicies that select none of its pods; undefined while its pods are not known. */
  dangling?(namespace: string): readonly string[] | undefined;
  /** Who can reach each namespace (the exporter's ExposureState); absent with --exposure=false. */
  exposure?: { reachability(namespace: string): NamespaceReachability | undefined } | undefined;
  /** What opens each namespace to the internet; absent with --internet-facing=false. */
  internetFacing?: { entryPoints(namespace: string): EntryPoint[] } | undefined;
}

function dataOf(source: StatusView): DataStatus {
  if (source.dataStatus) return source.dataStatus();
  const { ready, reason } = source.readiness();
  return ready ? { state: 'complete', reasons: [] } : { state: 'unknown', reasons: [reason] };
}

export function statusReport(source: StatusView, version: string, now: Date): CoverageReport {
  const tracker = source.context;
  const data = dataOf(source);
  const rows = source.state
    ? rowsFrom(source.state, tracker ? (name) => tracker.context(name) : undefined, {
        ...(source.dangling ? { dangling: (name: string) => source.dangling?.(name) } : {}),
        ...(source.exposure ? { exposure: (name: string) => source.exposure?.reachability(name) } : {}),
        ...(source.internetFacing
          ? {
              internetFacing: (name: string) =>
                internetFacingOf(source.internetFacing?.entryPoints(name) ?? []),
            }
          : {}),
      })
    : [];
  const report = coverageReport({
    rows,
    source: { mode: 'exporter', ready: source.readiness().ready },
    version,
    now,
    data,
  });
  if (source.changedAt)
    for (const ns of report.namespaces) {
      const at = source.changedAt(ns.name);
      if (at !== undefined) ns.changedAt = new Date(at).toISOString();
    }
  return report;
}
