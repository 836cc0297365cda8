// Pieces the status page and a namespace's page share: escaping, the result badge and data-state banner, the
// flags a row carries, and a namespace's link.

import type { PeerClass } from '../core/exposure/peer-classes.ts';
import { isUnknown } from '../core/namespace-row.ts';
import { type CoverageReport, type ReportNamespace, resultLine } from '../report/coverage-report.ts';

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * What the verdict alone does not say: unknown protection, allow-all and dangling policies, and internet-facing, as
 * badges. The status page shows internet-facing in a column of its own beside the verdict (`internetFacing: false`).
 */
export function flagBadges(ns: ReportNamespace, show: { internetFacing?: boolean } = {}): string {
  const badges: string[] = [];
  // Uncovered with a policy that could not be judged is "unknown"; beside real protection it is only a note.
  if (ns.unknown.length > 0) {
    const title = escapeHtml(`could not be judged: ${ns.unknown.join(', ')}`);
    badges.push(
      isUnknown(ns)
        ? `<span class="badge unknown" data-flag="unknown" title="${title}">unknown</span>`
        : `<span class="badge" data-flag="not-judged" title="${title}">${ns.unjudgedPolicies.length} not judged</span>`,
    );
  }
  for (const direction of ['ingress', 'egress'] as const)
    if (ns.allowAll[direction].length > 0)
      badges.push(
        `<span class="badge allow-all" data-flag="allow-all-${direction}">allow-all ${direction}</span>`,
      );
  if (ns.dangling && ns.dangling.length > 0)
    badges.push(`<span class="badge dangling" data-flag="dangling">${ns.dangling.length} dangling</span>`);
  // The control's first batch: the internet reaches it (how, in the title; which objects, on its page).
  const vias = ns.internetFacing?.vias ?? [];
  if (vias.length > 0 && show.internetFacing !== false)
    badges.push(
      `<span class="badge internet" data-flag="internet-facing" title="${escapeHtml(`internet-facing via ${vias.join(', ')}`)}">internet-facing</span>`,
    );
  return badges.map((b) => ` ${b}`).join('');
}

/**
 * The result badge (PASS, FAIL, UNKNOWN, INCOMPLETE) and why, and a banner while the data is not complete: the
 * page never shows a pass the metrics do not back.
 */
export function resultHeader(report: CoverageReport): { badge: string; banner: string } {
  const { word, why } = resultLine(report);
  const badge = `<span class="result ${report.result}" id="result">${word}</span>${
    why ? ` <span class="why" id="result-why">${escapeHtml(why)}.</span>` : ''
  }`;
  const banner =
    report.state === 'complete'
      ? ''
      : `<div class="banner" role="alert" id="data-state" data-state="${report.state}"><p>${
          report.state === 'unknown'
            ? 'Not ready: the exporter has not read everything once, so no verdict below can be trusted yet.'
            : 'Data incomplete: the verdicts below may be wrong.'
        }</p><ul>${report.stateReasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></div>`;
  return { badge, banner };
}

export function pageTitle(report: CoverageReport): string {
  if (report.result === 'pass') return 'all namespaces covered';
  if (report.state !== 'complete') return `${report.result}, ${report.summary.uncovered} uncovered`;
  return `${report.summary.uncovered} uncovered`;
}

/**
 * What being reachable from (or reaching) a class of peers risks: anyone or every namespace is high, some
 * namespaces or outside addresses medium, its own namespace low. Pages colour exposure by this, never in the
 * colour that means "good".
 */
export const EXPOSURE_RISK: Record<PeerClass, 'high' | 'medium' | 'low'> = {
  anywhere: 'high',
  all_namespaces: 'high',
  ip_blocks: 'medium',
  other_namespaces: 'medium',
  same_namespace: 'low',
};

/** A peer class as the metrics name it, coloured by its risk and kept on one line. */
export function peerClass(c: PeerClass): string {
  return `<code class="exposure risk-${EXPOSURE_RISK[c]}">${c}</code>`;
}

export function namespaceHref(name: string): string {
  return escapeHtml(`/namespaces/${encodeURIComponent(name)}`);
}
