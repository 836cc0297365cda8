// One namespace as every report shows it (the audit's table, JSON and JUnit; the status page; its JSON endpoint):
// a flat row derived from the core's verdict, so the rules live in verdict.ts only and each view just formats.
import type { ExemptionStatus } from './exemption.ts';
import type { NamespaceVerdict } from './verdict.ts';

/**
 * `covered`: protected (whatever its scope or exemption says). `uncovered`: not protected, and counts against the
 * control. `exempt`: not protected, under a valid exemption (owner, reason, expiry in the future).
 * `excluded`: not protected, and put out of scope by configuration (still listed, never hidden).
 * So `covered` counts exactly the namespaces with netpol_namespace_covered 1, and the four add up to all.
 */
export type RowVerdict = 'covered' | 'uncovered' | 'exempt' | 'excluded';
export const ROW_VERDICTS: readonly RowVerdict[] = ['covered', 'uncovered', 'exempt', 'excluded'];

export interface RowExemption {
  /** `invalid` exemptions do not count, and say why in `problems`; `expired` ones no longer count. */
  state: 'valid' | 'expired' | 'invalid';
  owner: string;
  reason: string;
  /** The instant it stops holding, RFC 3339 in UTC (a bare date `2026-06-30` holds through that day, so
   * it reads `2026-07-01T00:00:00Z`); null when missing or unparsable. */
  expires: string | null;
  problems: string[];
}

/** What surrounds the verdict (issue 6's exemption and scope), when the caller evaluates it. */
export interface RowContext {
  excluded: boolean;
  exemption: ExemptionStatus;
}

export interface NamespaceRow {
  name: string;
  phase: string;
  verdict: RowVerdict;
  /** NetworkPolicies in the namespace. */
  policies: number;
  defaultDeny: { ingress: boolean; egress: boolean };
  /** What protects the namespace, as the `source` label spells it (`networkpolicy`, `calico_globalnetworkpolicy`). */
  sources: string[];
  /** Out of scope by configuration (a covered namespace can be excluded too). */
  excluded: boolean;
  exemption: RowExemption | null;
}

export interface RowSummary {
  namespaces: number;
  covered: number;
  uncovered: number;
  exempt: number;
  excluded: number;
  defaultDeny: { ingress: number; egress: number };
}

function rowExemption(status: ExemptionStatus | undefined): RowExemption | null {
  if (!status || status.state === 'none') return null;
  if (status.state === 'invalid')
    return { state: 'invalid', owner: '', reason: '', expires: null, problems: [...status.problems] };
  return {
    state: status.state,
    owner: status.owner,
    reason: status.reason,
    expires: new Date(status.expiresSeconds * 1000).toISOString().replace('.000Z', 'Z'),
    problems: [],
  };
}

export function namespaceRow(verdict: NamespaceVerdict, context?: RowContext): NamespaceRow {
  const exemption = rowExemption(context?.exemption);
  const excluded = context?.excluded ?? false;
  const rowVerdict: RowVerdict = verdict.covered
    ? 'covered'
    : excluded
      ? 'excluded'
      : exemption?.state === 'valid'
        ? 'exempt'
        : 'uncovered';
  // Older verdicts (NetworkPolicy only) carry no protectedBy: derive it the same way.
  const sources: string[] = verdict.protectedBy
    ? [...verdict.protectedBy]
    : verdict.policies > 0
      ? ['networkpolicy']
      : [];
  return {
    name: verdict.name,
    phase: verdict.phase,
    verdict: rowVerdict,
    policies: verdict.policies,
    defaultDeny: { ...verdict.defaultDeny },
    sources,
    excluded,
    exemption,
  };
}

export function byName(a: NamespaceRow, b: NamespaceRow): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function summarize(rows: Iterable<NamespaceRow>): RowSummary {
  const summary: RowSummary = {
    namespaces: 0,
    covered: 0,
    uncovered: 0,
    exempt: 0,
    excluded: 0,
    defaultDeny: { ingress: 0, egress: 0 },
  };
  for (const row of rows) {
    summary.namespaces++;
    summary[row.verdict]++;
    if (row.defaultDeny.ingress) summary.defaultDeny.ingress++;
    if (row.defaultDeny.egress) summary.defaultDeny.egress++;
  }
  return summary;
}

/** The control passes when nothing in scope is uncovered (exempt and excluded namespaces do not fail it). */
export function passes(summary: RowSummary): boolean {
  return summary.uncovered === 0;
}
