// One namespace's page at `/namespaces/<name>`, opened from its row on the status page: the policies behind its
// verdict and what each selects, the ones that could not be judged and why, its default denies, allow-all and
// dangling policies, its exemption and scope, who can reach it (and whom it can reach), and what to do about it. Server-rendered from the same report as the
// status page and /api/v1/namespaces, under the same CSP (no script); every value from the cluster is escaped.

import { WIDEST_FIRST } from '../core/exposure/peer-classes.ts';
import { isUnknown, type PolicyRef } from '../core/namespace-row.ts';
import type { CoverageReport, DirectionExposure, ReportNamespace } from '../report/coverage-report.ts';
import { RUNBOOKS } from '../report/runbooks.ts';
import { EXPOSURE_RISK, escapeHtml, flagBadges, pageTitle, peerClass, resultHeader } from './page-parts.ts';

/** Where the alerts' runbooks live (the rules' runbook_url points to the same files). */

/** Kubernetes namespace names (RFC 1123 labels): the only ones `remediate` writes files for. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const none = '<span class="none">–</span>';
const yesNo = (b: boolean) => `<span class="${b ? 'yes' : 'no'}">${b ? 'yes' : 'no'}</span>`;
const runbook = (file: string, text: string) =>
  `<a href="${escapeHtml(RUNBOOKS + file)}" rel="noreferrer">${escapeHtml(text)}</a>`;

/** What the report says about one NetworkPolicy beyond what it selects. */
function notes(ns: ReportNamespace, p: PolicyRef): string[] {
  if (p.source !== 'networkpolicy') return [];
  const out: string[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    if (ns.defaultDenyPolicies[direction].includes(p.name)) out.push(`default deny ${direction}`);
    if (ns.allowAll[direction].includes(p.name)) out.push(`allows all ${direction}: protects nothing`);
  }
  if (ns.dangling?.includes(p.name)) out.push('dangling: selects none of the pods');
  return out;
}

function policyRows(ns: ReportNamespace): string {
  if (ns.protectedByPolicies.length === 0)
    return '<p class="none" id="no-policies">No policy protects this namespace.</p>';
  const rows = ns.protectedByPolicies.map(
    (p) => `<tr data-policy="${escapeHtml(`${p.kind}/${p.name}`)}" data-source="${escapeHtml(p.source)}">
<td data-label="Kind">${escapeHtml(p.kind)}</td>
<th scope="row" data-label="Name">${escapeHtml(p.name)}</th>
<td data-label="Scope">${p.namespace === null ? 'cluster-wide' : escapeHtml(p.namespace)}</td>
<td data-label="Selects"><code>${escapeHtml(p.selects)}</code></td>
<td data-label="Notes">${notes(ns, p).map(escapeHtml).join('; ') || none}</td>
</tr>`,
  );
  return `<div class="table-wrap"><table id="policies-table">
<thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Scope</th><th scope="col">Selects</th><th scope="col">Notes</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

function unjudgedRows(ns: ReportNamespace): string {
  if (ns.unjudgedPolicies.length === 0)
    return '<p class="none">None: every policy that could reach it was judged.</p>';
  const rows = ns.unjudgedPolicies.map(
    (p) => `<tr data-policy="${escapeHtml(`${p.kind}/${p.name}`)}" data-source="${escapeHtml(p.source)}">
<td data-label="Kind">${escapeHtml(p.kind)}</td>
<th scope="row" data-label="Name">${escapeHtml(p.name)}</th>
<td data-label="Selects"><code>${escapeHtml(p.selects)}</code></td>
<td data-label="Why">${escapeHtml(p.reason)}</td>
</tr>`,
  );
  return `<p>These may or may not protect it; they do not count toward coverage.</p>
<div class="table-wrap"><table id="unjudged-table">
<thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Selects</th><th scope="col">Why it could not be judged</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

/** One direction of who can reach the namespace: every class, widest first, and what opens the reachable ones. */
function exposureTable(direction: 'ingress' | 'egress', e: DirectionExposure): string {
  const peer = direction === 'ingress' ? 'From' : 'To';
  const rows = WIDEST_FIRST.map((c) => {
    // Reachable is exposure, coloured by what it risks; not reachable is plain.
    const state = e.reachable.includes(c)
      ? `<span class="exposure risk-${EXPOSURE_RISK[c]}">yes</span>`
      : e.unknownClasses.includes(c)
        ? '<span class="badge unknown">unknown</span>'
        : '<span class="no">no</span>';
    const openers = e.openedBy[c] ?? [];
    return `<tr data-class="${c}">
<th scope="row" data-label="${peer}">${peerClass(c)}</th>
<td data-label="Reachable">${state}</td>
<td data-label="Opened by">${openers.length > 0 ? openers.map((o) => `<code>${escapeHtml(o)}</code>`).join(', ') : none}</td>
</tr>`;
  });
  const undone = e.denyUndone
    ? `<p class="undone">The default deny for ${direction} is undone: an allow-all policy beside it admits every class.</p>`
    : '';
  const unknown = e.unknown
    ? '<p>Some class could not be judged (a policy the exporter cannot evaluate for reachability): the answers are a lower bound.</p>'
    : '';
  return `<h3 id="h-exposure-${direction}">${direction === 'ingress' ? 'Ingress: who can reach it' : 'Egress: whom it can reach'}</h3>
${undone}${unknown}<div class="table-wrap"><table id="exposure-${direction}">
<thead><tr><th scope="col">${peer}</th><th scope="col">Reachable</th><th scope="col">Opened by</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

function exposureSection(ns: ReportNamespace): string {
  if (!ns.exposure)
    return '<p class="none">Not computed: the exporter runs with <code>--exposure=false</code>.</p>';
  return `<p>Classes of peers as <code>netpol_namespace_reachable</code> reports them (<code>anywhere</code> widest).</p>
${exposureTable('ingress', ns.exposure.ingress)}
${exposureTable('egress', ns.exposure.egress)}`;
}

function internetSection(ns: ReportNamespace): string {
  const f = ns.internetFacing;
  if (!f)
    return '<p class="none">Not known: the exporter runs with <code>--internet-facing=false</code>, or may not list what opens it.</p>';
  if (f.entryPoints.length === 0)
    return '<p class="none">Nothing known opens it to the internet (no public Service, Ingress or Gateway API route).</p>';
  const rows = f.entryPoints.map(
    (e) =>
      `<tr><td data-label="Via"><code>${escapeHtml(e.via)}</code></td><td data-label="Object">${escapeHtml(e.object)}</td><td data-label="Rule">${escapeHtml(e.rule)}</td></tr>`,
  );
  return `<p>As <code>netpol_namespace_internet_facing</code> reports it; remediate this namespace first.</p>
<div class="table-wrap"><table id="internet-facing-table">
<thead><tr><th scope="col">Via</th><th scope="col">Object</th><th scope="col">Rule</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

function exemption(ns: ReportNamespace): string {
  const e = ns.exemption;
  if (!e) return 'none';
  if (e.state === 'invalid')
    return `<span class="badge invalid">invalid</span> does not count: ${escapeHtml(e.problems.join(', '))}`;
  const state = e.state === 'expired' ? '<span class="badge expired">expired</span> ' : '';
  return `${state}owner <span class="owner">${escapeHtml(e.owner)}</span>, until <time datetime="${escapeHtml(e.expires ?? '')}">${escapeHtml(e.expires ?? '?')}</time>; reason: <span class="reason">${escapeHtml(e.reason)}</span>`;
}

/** Advice for the namespace as it stands, most urgent first, each with its runbook. */
function actions(ns: ReportNamespace): string[] {
  const out: string[] = [];
  const remediate = NAMESPACE_NAME.test(ns.name)
    ? ` Draft a default deny to review and commit (it applies nothing): <code id="remediate">netpol-exporter remediate --namespaces.include=${escapeHtml(ns.name)}</code> (against the cluster, or with <code>--manifests</code> of your repository).`
    : '';
  if (isUnknown(ns))
    out.push(
      `Check by hand whether the policies that could not be judged protect it (see why above); until then it counts as uncovered. ${runbook('netpolnamespaceuncovered.md', 'Runbook: namespace uncovered')}.${remediate}`,
    );
  else if (ns.verdict === 'uncovered')
    out.push(
      `No policy protects it: all traffic into and out of its pods is allowed. Add a NetworkPolicy, or record an approved exemption. ${runbook('netpolnamespaceuncovered.md', 'Runbook: namespace uncovered')}.${remediate}`,
    );
  if (ns.exemption?.state === 'invalid')
    out.push(
      `Fix or remove the exemption annotations: as they are, they do not count. ${runbook('netpolexemptioninvalid.md', 'Runbook: exemption invalid')}.`,
    );
  if (ns.exemption?.state === 'expired')
    out.push(
      `The exemption has expired: add a policy, or renew it. ${runbook('netpolexemptionexpired.md', 'Runbook: exemption expired')}.`,
    );
  for (const direction of ['ingress', 'egress'] as const)
    for (const name of ns.allowAll[direction])
      out.push(
        `NetworkPolicy <code>${escapeHtml(name)}</code> allows all ${direction} to every pod, so no deny beside it holds: narrow its rules or remove it. ${runbook('remediation.md', 'Remediation guide')}.`,
      );
  for (const name of ns.dangling ?? [])
    out.push(
      `NetworkPolicy <code>${escapeHtml(name)}</code> selects none of the namespace's pods: fix its podSelector (a typo?) or delete it. ${runbook('netpolnamespacepodsnotisolated.md', 'Runbook: pods not isolated')}.`,
    );
  // Other sources isolate what they select (a Calico or Cilium policy puts its endpoints into default deny).
  const byNetworkPolicyOnly = ns.sources.length === 1 && ns.sources[0] === 'networkpolicy';
  if (byNetworkPolicyOnly && !ns.defaultDeny.ingress && ns.allowAll.ingress.length === 0)
    out.push(
      `Covered, but without a default deny for ingress: pods no policy selects stay open. ${runbook('remediation.md', 'Remediation guide')}.`,
    );
  if (out.length === 0) out.push('Nothing to do.');
  return out;
}

export function renderNamespacePage(
  report: CoverageReport,
  ns: ReportNamespace | undefined,
  requested: string,
  links: { telemetryPath: string },
): string {
  const { badge, banner } = resultHeader(report);
  const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>netpol-exporter: ${escapeHtml(title)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/status.css">
</head>
<body>
<header>
<p class="crumbs"><a href="/" id="back">All namespaces</a> · cluster result ${badge}</p>`;
  const nav = `<nav class="links"><a href="${escapeHtml(links.telemetryPath)}">Metrics</a> <a href="/api/v1/namespaces">JSON</a></nav>`;
  const foot = `<footer><p>netpol-exporter ${escapeHtml(report.tool.version)}. Data from the exporter's watch cache, as of <time datetime="${report.generatedAt}">${report.generatedAt.replace('T', ' ').slice(0, 19)} UTC</time>; reload to refresh.</p></footer>
</body>
</html>
`;
  if (!ns)
    return `${head(`no namespace ${requested}`)}
<h1>No namespace ${escapeHtml(requested)}</h1>
${nav}
</header>
<main>${banner}<p>The exporter does not know this namespace${report.state === 'complete' ? '' : ' (yet)'}.</p></main>
${foot}`;
  const deny = (direction: 'ingress' | 'egress') => {
    const names = ns.defaultDenyPolicies[direction];
    const undone =
      ns.defaultDeny[direction] && ns.allowAll[direction].length > 0
        ? ' (undone: an allow-all policy beside it admits everything)'
        : '';
    return `${yesNo(ns.defaultDeny[direction])}${names.length > 0 ? ` <code>${escapeHtml(names.join(', '))}</code>` : ''}${undone}`;
  };
  return `${head(`${ns.name}: ${ns.verdict} (${pageTitle(report)})`)}
<h1>Namespace <span id="namespace">${escapeHtml(ns.name)}</span></h1>
<p class="sub"><span class="verdict ${ns.verdict}" id="verdict">${ns.verdict}</span>${flagBadges(ns)}${
    ns.phase !== 'Active' ? ` <span class="badge phase">${escapeHtml(ns.phase)}</span>` : ''
  }</p>
${nav}
</header>
<main>
${banner}
<section id="protection" aria-labelledby="h-protection">
<h2 id="h-protection">Policies that protect it</h2>
${policyRows(ns)}
</section>
<section id="unjudged" aria-labelledby="h-unjudged">
<h2 id="h-unjudged">Policies that could not be judged</h2>
${unjudgedRows(ns)}
</section>
<section id="facts" aria-labelledby="h-facts">
<h2 id="h-facts">Default deny, scope and exemption</h2>
<dl class="facts">
<dt>Protected by</dt><dd id="sources">${ns.sources.length > 0 ? escapeHtml(ns.sources.join(', ')) : 'no source'}</dd>
<dt>Default deny ingress</dt><dd id="deny-ingress">${deny('ingress')}</dd>
<dt>Default deny egress</dt><dd id="deny-egress">${deny('egress')}</dd>
<dt>Dangling policies</dt><dd id="dangling">${
    ns.dangling === null
      ? 'not known (pods are read only with <code>--pod-isolation</code>)'
      : ns.dangling.length > 0
        ? `<code>${escapeHtml(ns.dangling.join(', '))}</code>`
        : 'none'
  }</dd>
<dt>In scope</dt><dd id="scope">${ns.excluded ? 'no: excluded by the <code>--namespaces.*</code> flags (still listed)' : 'yes'}</dd>
<dt>Exemption</dt><dd id="exemption">${exemption(ns)}</dd>
<dt>Changed</dt><dd id="changed">${ns.changedAt ? `<time datetime="${escapeHtml(ns.changedAt)}">${escapeHtml(ns.changedAt.replace('T', ' ').slice(0, 19))}</time> (when the exporter last recomputed its verdict)` : none}</dd>
</dl>
</section>
<section id="exposure" aria-labelledby="h-exposure">
<h2 id="h-exposure">Exposure</h2>
${exposureSection(ns)}
</section>
<section id="internet-facing" aria-labelledby="h-internet-facing">
<h2 id="h-internet-facing">Internet-facing</h2>
${internetSection(ns)}
</section>
<section id="actions" aria-labelledby="h-actions">
<h2 id="h-actions">What to do</h2>
<ul>
${actions(ns)
  .map((a) => `<li>${a}</li>`)
  .join('\n')}
</ul>
</section>
</main>
${foot}`;
}
