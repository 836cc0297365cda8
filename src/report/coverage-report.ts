// The coverage report as a document: what `audit --output json` prints and what the status page's
// /api/v1/namespaces serves. Versioned: docs/coverage-report.schema.json describes schemaVersion 1; a field is only
// ever added (a breaking change gets schemaVersion 2).
import type { CoverageState } from '../core/coverage-state.ts';
import {
  byName,
  type NamespaceRow,
  namespaceRow,
  passes,
  type RowContext,
  type RowSummary,
  summarize,
} from '../core/namespace-row.ts';

export const SCHEMA_VERSION = 1;

export type ReportOrigin =
  | { mode: 'cluster'; server: string }
  | { mode: 'manifests'; paths: string[] }
  | { mode: 'exporter'; ready: boolean };

export interface ReportNamespace extends NamespaceRow {
  /** Manifests mode: `file:line` where the namespace is declared (or first referenced). */
  location?: string;
}

export interface CoverageReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'netpol-exporter'; version: string };
  generatedAt: string;
  /** Where the data came from: a cluster, manifest files, or the exporter's own cache. */
  source: ReportOrigin;
  /** True when no namespace in scope is uncovered: the control's expected answer, the empty list. */
  passed: boolean;
  summary: RowSummary;
  namespaces: ReportNamespace[];
}

/**
 * Every namespace's row, by name: the one place where verdicts become rows. `contextOf` gives a namespace's
 * exemption and scope as of now (the exporter's tracker, or the audit's own rules); without it nothing is exempt
 * or excluded.
 */
export function rowsFrom(
  state: CoverageState,
  contextOf?: (name: string) => RowContext | undefined,
): NamespaceRow[] {
  return [...state.allVerdicts()]
    .map((verdict) => namespaceRow(verdict, contextOf?.(verdict.name)))
    .sort(byName);
}

export function coverageReport(options: {
  rows: NamespaceRow[];
  source: ReportOrigin;
  version: string;
  now: Date;
  locations?: Map<string, string>;
}): CoverageReport {
  const namespaces: ReportNamespace[] = options.rows.map((row) => {
    const location = options.locations?.get(row.name);
    return location === undefined ? row : { ...row, location };
  });
  const summary = summarize(namespaces);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'netpol-exporter', version: options.version },
    generatedAt: options.now.toISOString(),
    source: options.source,
    passed: passes(summary),
    summary,
    namespaces,
  };
}
