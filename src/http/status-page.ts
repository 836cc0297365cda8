// The status page at `/`: server-rendered HTML from the exporter's cache, filtered and sorted on the server
// (plain links and a GET form), so it needs no script at all and runs under a CSP that allows none. Every value
// from the cluster is escaped: namespace names and annotation values are hostile input. Each row links to the
// namespace's own page (namespace-page.ts).
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type express from 'express';
import { WIDEST_FIRST } from '../core/exposure/peer-classes.ts';
import type { InternetVia } from '../core/internet-facing/classify.ts';
import { isUnknown, ROW_VERDICTS, type RowVerdict } from '../core/namespace-row.ts';
import type { CoverageReport, ReportNamespace } from '../report/coverage-report.ts';
import { renderNamespacePage } from './namespace-page.ts';
import { escapeHtml, flagBadges, namespaceHref, pageTitle, peerClass, resultHeader } from './page-parts.ts';
import { FAVICON_SVG, STATUS_CSS } from './status-assets.ts';
import { type NamesFor, type StatusView, statusReport } from './status-data.ts';

export const SORT_KEYS = [
  'name',
  'verdict',
  'internet',
  'policies',
  'deny',
  'reachable',
  'exemption',
  'changed',
  // No longer columns (the namespace's page has them), still sorted by for links made before.
  'ingress',
  'egress',
  'sources',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** The verdicts a row can have, and `unknown`: uncovered rows with a policy that could not be judged. */
export type VerdictFilter = RowVerdict | 'unknown' | 'all';
const FILTERS: readonly VerdictFilter[] = ['all', ...ROW_VERDICTS, 'unknown'];

export interface StatusQuery {
  /** Case-insensitive substring of the namespace name, sources or exemption owner. */
  text: string;
  verdict: VerdictFilter;
  sort: SortKey;
  descending: boolean;
  /** Seconds between automatic reloads (`<meta http-equiv="refresh">`); 0, the default, is off. */
  refresh: number;
}

/** The reload intervals offered; any other value in a URL means off. */
export const REFRESH_CHOICES = [0, 10, 30, 60, 300] as const;

function first(value: unknown): string {
  if (Array.isArray(value)) return first(value[0]);
  return typeof value === 'string' ? value : '';
}

/** Unknown values fall back to the defaults: a hand-edited URL never errors. */
export function parseStatusQuery(query: Record<string, unknown>): StatusQuery {
  const verdict = first(query.verdict);
  const sort = first(query.sort);
  return {
    text: first(query.q).slice(0, 200),
    verdict: (FILTERS as readonly string[]).includes(verdict) ? (verdict as VerdictFilter) : 'all',
    sort: (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : 'name',
    descending: first(query.dir) === 'desc',
    refresh: (REFRESH_CHOICES as readonly number[]).includes(Number(first(query.refresh)))
      ? Number(first(query.refresh))
      : 0,
  };
}

/** Most urgent first when sorting by verdict. */
const VERDICT_ORDER: Record<RowVerdict, number> = { uncovered: 0, exempt: 1, excluded: 2, covered: 3 };
const VERDICTS = Object.keys(VERDICT_ORDER).length;

const facesInternet = (ns: ReportNamespace) => (ns.internetFacing?.vias.length ?? 0) > 0;

function sortValue(ns: ReportNamespace, key: SortKey): string | number {
  switch (key) {
    case 'verdict':
      // Within a verdict, internet-facing first: an uncovered namespace the internet reaches is the most urgent.
      return 2 * VERDICT_ORDER[ns.verdict] + (facesInternet(ns) ? 0 : 1);
    case 'internet':
      // Internet-facing first, most urgent verdict first among them (uncovered: the control's first batch); then the
      // rest by verdict; not known (--internet-facing=false) last.
      if (!ns.internetFacing) return 2 * VERDICTS;
      return (facesInternet(ns) ? 0 : VERDICTS) + VERDICT_ORDER[ns.verdict];
    case 'policies':
      return ns.policies;
    case 'deny':
      // Neither direction first (the most to do), then egress only, ingress only, both.
      return (ns.defaultDeny.ingress ? 2 : 0) + (ns.defaultDeny.egress ? 1 : 0);
    case 'ingress':
      return ns.defaultDeny.ingress ? 1 : 0;
    case 'egress':
      return ns.defaultDeny.egress ? 1 : 0;
    case 'sources':
      return ns.sources.join(',');
    case 'exemption':
      // Soonest expiry first; no exemption last.
      return ns.exemption?.expires ?? '\uffff';
    case 'reachable': {
      // Widest class first (anywhere, all_namespaces, ...), then none, then not computed; unknown after known.
      const e = ns.exposure?.ingress;
      if (!e) return 2 * WIDEST_FIRST.length + 2;
      const rank = e.widest === null ? WIDEST_FIRST.length : WIDEST_FIRST.indexOf(e.widest);
      return 2 * rank + (e.unknown ? 1 : 0);
    }
    case 'changed':
      // Oldest change first, so descending shows what changed last; unknown last.
      return ns.changedAt ?? '\uffff';
    default:
      return ns.name;
  }
}

export function selectNamespaces(report: CoverageReport, query: StatusQuery): ReportNamespace[] {
  const needle = query.text.trim().toLowerCase();
  const shown = report.namespaces.filter((ns) => {
    if (
      query.verdict === 'unknown' ? !isUnknown(ns) : query.verdict !== 'all' && ns.verdict !== query.verdict
    )
      return false;
    if (!needle) return true;
    const haystack = [ns.name, ...ns.sources, ns.exemption?.owner ?? ''].join('\n').toLowerCase();
    return haystack.includes(needle);
  });
  const sign = query.descending ? -1 : 1;
  return shown.sort((a, b) => {
    const x = sortValue(a, query.sort);
    const y = sortValue(b, query.sort);
    if (x !== y) return (x < y ? -1 : 1) * sign;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

function href(query: StatusQuery, change: Partial<StatusQuery>): string {
  const q = { ...query, ...change };
  const params = new URLSearchParams();
  if (q.text) params.set('q', q.text);
  if (q.verdict !== 'all') params.set('verdict', q.verdict);
  if (q.sort !== 'name') params.set('sort', q.sort);
  if (q.descending) params.set('dir', 'desc');
  if (q.refresh) params.set('refresh', String(q.refresh));
  const search = params.toString();
  return escapeHtml(search ? `/?${search}` : '/');
}

// Few and narrow enough for a laptop (1280 px): what each policy is and which sources protect it, the exemption's
// reason and egress exposure are on the namespace's own page. Internet-facing sits beside the verdict: the mark of
// the control's first batch, sortable on its own.
const COLUMNS: { key: SortKey; title: string; numeric?: boolean }[] = [
  { key: 'name', title: 'Namespace' },
  { key: 'verdict', title: 'Verdict' },
  { key: 'internet', title: 'Internet-facing' },
  { key: 'policies', title: 'Policies', numeric: true },
  { key: 'deny', title: 'Default deny' },
  { key: 'reachable', title: 'Reachable from' },
  { key: 'exemption', title: 'Exemption' },
  { key: 'changed', title: 'Changed' },
];

function headerCell(column: (typeof COLUMNS)[number], query: StatusQuery): string {
  const active = query.sort === column.key;
  const descending = active && !query.descending;
  const sorted = active ? (query.descending ? 'descending' : 'ascending') : 'none';
  const arrow = active ? (query.descending ? ' ▼' : ' ▲') : '';
  return `<th scope="col" aria-sort="${sorted}" data-key="${column.key}"><a href="${href(query, { sort: column.key, descending })}">${column.title}${arrow}</a></th>`;
}

/** The directions with a default deny, in words; none in the muted colour. */
function denyCell(ns: ReportNamespace): string {
  const { ingress, egress } = ns.defaultDeny;
  if (!ingress && !egress) return '<span class="no">none</span>';
  return `<span class="yes">${ingress && egress ? 'both' : ingress ? 'ingress' : 'egress'}</span>`;
}

function exemptionCell(ns: ReportNamespace): string {
  const e = ns.exemption;
  if (!e) return '<span class="none">–</span>';
  if (e.state === 'invalid')
    return `<span class="badge invalid">invalid</span> <span class="detail">${escapeHtml(e.problems.join(', '))}</span>`;
  const expires = e.expires
    ? `<time datetime="${escapeHtml(e.expires)}">${escapeHtml(e.expires.slice(0, 10))}</time>`
    : '?';
  const state = e.state === 'expired' ? '<span class="badge expired">expired</span> ' : '';
  // The reason is on the namespace's page (and in the tooltip): a sentence per row made the column wide.
  return `${state}<span class="owner" title="${escapeHtml(e.reason)}">${escapeHtml(e.owner)}</span><span class="detail">until ${expires}</span>`;
}

/**
 * The widest class that can reach the namespace (ingress), coloured by its risk; `unknown` when some class could
 * not be judged. Reachable from none is the good answer.
 */
function reachableCell(ns: ReportNamespace): string {
  const e = ns.exposure?.ingress;
  if (!e) return '<span class="none">–</span>';
  const widest = e.widest === null ? '<span class="exposure risk-none">none</span>' : peerClass(e.widest);
  return `${widest}${e.unknown ? ' <span class="badge unknown" title="some class could not be judged: a lower bound">unknown</span>' : ''}`;
}

/** Each way in, short (the metric's `via` values in the title); a long list wraps between them. */
const VIA_WORDS: Record<InternetVia, string> = {
  load_balancer: '<abbr title="load balancer">LB</abbr>',
  node_port: 'NodePort',
  external_ip: 'external IP',
  ingress: 'Ingress',
  gateway_route: 'route',
};

/** How the internet reaches the namespace; `no` when nothing known opens it, `–` when not known at all. */
function internetCell(ns: ReportNamespace): string {
  const f = ns.internetFacing;
  if (!f)
    return '<span class="none" title="not known: the exporter runs with --internet-facing=false">–</span>';
  if (f.vias.length === 0) return '<span class="no">no</span>';
  const ways = f.vias.map((v) => `<span class="via">${VIA_WORDS[v]}</span>`).join(', ');
  return `<span class="internet" data-flag="internet-facing" title="${escapeHtml(`internet-facing via ${f.vias.join(', ')}`)}">${ways}</span>`;
}

/** Date and time to the minute, on one line each; the seconds are in the datetime attribute. */
function changedCell(ns: ReportNamespace): string {
  if (!ns.changedAt) return '<span class="none">–</span>';
  const at = escapeHtml(ns.changedAt);
  return `<time datetime="${at}" title="${at}">${at.slice(0, 10)} <span class="clock">${at.slice(11, 16)}</span></time>`;
}

function row(ns: ReportNamespace): string {
  const terminating = ns.phase === 'Terminating' ? ' <span class="badge phase">Terminating</span>' : '';
  const excluded = ns.excluded && ns.verdict !== 'excluded' ? ' <span class="badge">excluded</span>' : '';
  return `<tr data-namespace="${escapeHtml(ns.name)}" data-verdict="${ns.verdict}"${isUnknown(ns) ? ' data-unknown="true"' : ''}>
<th scope="row" data-label="Namespace"><a href="${namespaceHref(ns.name)}">${escapeHtml(ns.name)}</a>${terminating}</th>
<td data-label="Verdict"><span class="verdict ${ns.verdict}">${ns.verdict}</span>${excluded}${flagBadges(ns, { internetFacing: false })}</td>
<td data-label="Internet-facing"${ns.internetFacing ? ` data-vias="${ns.internetFacing.vias.join(' ')}"` : ''}>${internetCell(ns)}</td>
<td data-label="Policies" class="num">${ns.policies}</td>
<td data-label="Default deny">${denyCell(ns)}</td>
<td data-label="Reachable from"${ns.exposure ? ` data-widest="${ns.exposure.ingress.widest ?? 'none'}"` : ''}>${reachableCell(ns)}</td>
<td data-label="Exemption">${exemptionCell(ns)}</td>
<td data-label="Changed">${changedCell(ns)}</td>
</tr>`;
}

export function renderStatusPage(
  report: CoverageReport,
  query: StatusQuery,
  links: { telemetryPath: string },
): string {
  const s = report.summary;
  const shown = selectNamespaces(report, query);
  const card = (verdict: RowVerdict | 'unknown', count: number) =>
    `<a class="card ${verdict}${query.verdict === verdict ? ' selected' : ''}" data-summary="${verdict}" href="${href(query, { verdict: query.verdict === verdict ? 'all' : verdict })}"><span class="n">${count}</span> ${verdict}</a>`;
  const options = FILTERS.map(
    (v) => `<option value="${v}"${query.verdict === v ? ' selected' : ''}>${v}</option>`,
  ).join('');
  const sortOptions = COLUMNS.map(
    (c) =>
      `<option value="${c.key}"${query.sort === c.key ? ' selected' : ''}>${c.title.toLowerCase()}</option>`,
  ).join('');
  const { badge, banner } = resultHeader(report);
  const refreshOptions = REFRESH_CHOICES.map(
    (n) =>
      `<option value="${n}"${query.refresh === n ? ' selected' : ''}>${n === 0 ? 'off' : n < 60 ? `${n} s` : `${n / 60} min`}</option>`,
  ).join('');
  const refresh = query.refresh ? `\n<meta http-equiv="refresh" content="${query.refresh}">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>netpol-exporter: ${escapeHtml(pageTitle(report))}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/status.css">
</head>
<body>
<header>
<h1>NetworkPolicy coverage</h1>
<p class="sub">${badge}
CIS Kubernetes Benchmark 5.3.2: every namespace has a network policy.
As of <time datetime="${report.generatedAt}">${report.generatedAt.replace('T', ' ').slice(0, 19)} UTC</time>.</p>
<nav class="links"><a href="${escapeHtml(links.telemetryPath)}">Metrics</a> <a href="/api/v1/namespaces">JSON</a> <a href="/healthz">Health</a> <a href="/readyz">Readiness</a></nav>
</header>
<main>
${banner}
<section class="summary" aria-label="Summary">
${card('covered', s.covered)}
${card('uncovered', s.uncovered)}
${card('exempt', s.exempt)}
${card('excluded', s.excluded)}
${card('unknown', s.unknown)}
<div class="card deny" data-summary="default-deny-ingress"><span class="n">${s.defaultDeny.ingress}</span> default deny ingress</div>
<div class="card deny" data-summary="default-deny-egress"><span class="n">${s.defaultDeny.egress}</span> default deny egress</div>
<div class="card flag" data-summary="allow-all-ingress"><span class="n">${s.allowAll.ingress}</span> allow-all ingress</div>
<div class="card flag" data-summary="allow-all-egress"><span class="n">${s.allowAll.egress}</span> allow-all egress</div>
<div class="card flag" data-summary="dangling"><span class="n">${s.dangling}</span> with dangling policies</div>
</section>
<form class="filters" method="get" action="/" role="search">
<label>Filter <input type="search" name="q" id="filter-text" value="${escapeHtml(query.text)}" placeholder="namespace, source or owner"></label>
<label>Verdict <select name="verdict" id="filter-verdict">${options}</select></label>
<label>Sort by <select name="sort" id="sort-key">${sortOptions}</select></label>
<label>Order <select name="dir" id="sort-dir"><option value="asc">ascending</option><option value="desc"${query.descending ? ' selected' : ''}>descending</option></select></label>
<label>Auto-refresh <select name="refresh" id="refresh">${refreshOptions}</select></label>
<button type="submit" id="filter-apply">Apply</button>
<a href="/" class="reset">Reset</a>
</form>
<p class="shown" id="shown">Showing ${shown.length} of ${s.namespaces} namespaces</p>
<div class="table-wrap">
<table id="namespaces">
<thead><tr>${COLUMNS.map((c) => headerCell(c, query)).join('')}</tr></thead>
<tbody>
${shown.length > 0 ? shown.map(row).join('\n') : `<tr class="empty"><td colspan="${COLUMNS.length}">No namespace matches.</td></tr>`}
</tbody>
</table>
</div>
</main>
<footer><p>netpol-exporter ${escapeHtml(report.tool.version)}. Data from the exporter's watch cache; reload to refresh${query.refresh ? `, or wait: this page reloads every ${query.refresh} s` : ''}. "Changed" is when the exporter last saw the namespace's verdict recomputed (since it started).</p></footer>
</body>
</html>
`;
}

const gzipAsync = promisify(gzip);

/**
 * The page and its JSON grow with the cluster (megabytes at 10,000 namespaces): gzipped for a client that asks, off
 * the event loop (zlib's thread pool); small bodies as they are. Never cached: they are the cluster as it is now.
 */
async function sendPage(req: express.Request, res: express.Response, body: string): Promise<void> {
  res.set('Cache-Control', 'no-store').set('Vary', 'Accept-Encoding');
  if (body.length < 1024 || req.acceptsEncodings('gzip', 'identity') !== 'gzip') {
    res.send(body);
    return;
  }
  res.set('Content-Encoding', 'gzip').send(await gzipAsync(body));
}

export function mountStatusPage(
  app: express.Express,
  source: StatusView,
  options: { telemetryPath: string; version: string; now?: () => Date },
): void {
  const report = (names: NamesFor) =>
    statusReport(source, options.version, options.now?.() ?? new Date(), names);
  app.get('/', (req, res) => {
    const page = renderStatusPage(report('none'), parseStatusQuery(req.query as Record<string, unknown>), {
      telemetryPath: options.telemetryPath,
    });
    return sendPage(req, res.type('html'), page);
  });
  app.get('/namespaces/:name', (req, res) => {
    const r = report({ namespace: req.params.name });
    const ns = r.namespaces.find((n) => n.name === req.params.name);
    const page = renderNamespacePage(r, ns, req.params.name, { telemetryPath: options.telemetryPath });
    return sendPage(req, res.status(ns ? 200 : 404).type('html'), page);
  });
  // The names behind other_namespaces for every namespace cost seconds of CPU at 10,000 namespaces (docs/exposure.md,
  // "Cost"): a scrape must not wait behind them, so the whole-cluster JSON carries them only when asked.
  app.get('/api/v1/namespaces', (req, res) => {
    const names: NamesFor = req.query.names === 'true' ? 'all' : 'none';
    return sendPage(req, res.type('application/json'), `${JSON.stringify(report(names), null, 2)}\n`);
  });
  app.get('/static/status.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('text/css').send(STATUS_CSS);
  });
  app.get('/static/favicon.svg', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON_SVG);
  });
}
