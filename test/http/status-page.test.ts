// The status page's pure parts: hostile values stay text, hand-edited URLs fall back to defaults, the result never
// reads PASS without complete data, a namespace's own page, and the manifests reader's positions and List handling.
import { expect } from 'chai';
import express from 'express';
import { parseManifests } from '../../src/audit/manifests.ts';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { ExposureState } from '../../src/core/exposure/exposure-state.ts';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import type { NamespaceRow } from '../../src/core/namespace-row.ts';
import { renderNamespacePage } from '../../src/http/namespace-page.ts';
import { listen } from '../../src/http/server.ts';
import { statusReport } from '../../src/http/status-data.ts';
import {
  mountStatusPage,
  parseStatusQuery,
  renderStatusPage,
  selectNamespaces,
} from '../../src/http/status-page.ts';
import { type CoverageReport, coverageReport, type DataStatus } from '../../src/report/coverage-report.ts';
import { netpol, ns } from '../helpers/reachability.ts';

const HOSTILE = `"><img src=x onerror=alert(1)>&amp;'`;

const row = (name: string, verdict: 'covered' | 'uncovered', policies: number): NamespaceRow => ({
  name,
  phase: 'Active',
  verdict,
  policies,
  defaultDeny: { ingress: policies > 1, egress: false },
  sources: policies > 0 ? ['networkpolicy'] : [],
  excluded: false,
  exemption: null,
  unknown: [],
  protectedByPolicies: [],
  unjudgedPolicies: [],
  defaultDenyPolicies: { ingress: [], egress: [] },
  allowAll: { ingress: [], egress: [] },
  dangling: null,
});

function report(): CoverageReport {
  return coverageReport({
    rows: [
      row('alpha', 'covered', 2),
      row(HOSTILE, 'uncovered', 0),
      {
        ...row('gamma', 'uncovered', 0),
        exemption: { state: 'invalid', owner: '', reason: '', expires: null, problems: ['missing_owner'] },
      },
    ],
    source: { mode: 'exporter', ready: true },
    version: '1.0.0',
    now: new Date('2026-01-01T00:00:00Z'),
  });
}

describe('status page rendering', () => {
  it('escapes namespace names and query text everywhere', () => {
    const html = renderStatusPage(report(), parseStatusQuery({ q: HOSTILE }), { telemetryPath: '/metrics' });
    expect(html).not.to.contain('<img');
    expect(html).to.contain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;&#39;');
    expect(html).not.to.match(/<script/i);
    expect(html).not.to.match(/ style=/i);
  });

  it('falls back to defaults on unknown query values and takes the first of repeated ones', () => {
    expect(
      parseStatusQuery({ verdict: 'bogus', sort: 'nope', dir: 'sideways', q: ['a', 'b'] }),
    ).to.deep.equal({
      text: 'a',
      verdict: 'all',
      sort: 'name',
      descending: false,
      refresh: 0,
    });
  });

  it('reloads itself only when asked, at one of the offered intervals, and keeps that choice in every link', () => {
    const off = renderStatusPage(report(), parseStatusQuery({}), { telemetryPath: '/metrics' });
    expect(off).not.to.contain('http-equiv="refresh"');
    expect(parseStatusQuery({ refresh: '7' }).refresh).to.equal(0);
    const on = renderStatusPage(report(), parseStatusQuery({ refresh: '30', verdict: 'uncovered' }), {
      telemetryPath: '/metrics',
    });
    expect(on).to.contain('<meta http-equiv="refresh" content="30">');
    expect(on).to.contain('href="/?verdict=covered&amp;refresh=30"');
    expect(on).to.match(/<option value="30" selected>30 s<\/option>/);
  });

  it('shows when each namespace last changed, and sorts by it', () => {
    const r = report();
    const [alpha, hostile, gamma] = r.namespaces;
    if (!alpha || !hostile || !gamma) throw new Error('three rows');
    alpha.changedAt = '2026-01-01T00:00:03.000Z';
    gamma.changedAt = '2026-01-01T00:00:01.000Z';
    const html = renderStatusPage(r, parseStatusQuery({}), { telemetryPath: '/metrics' });
    expect(html).to.contain(
      '<td data-label="Changed"><time datetime="2026-01-01T00:00:03.000Z" title="2026-01-01T00:00:03.000Z">2026-01-01 <span class="clock">00:00</span></time></td>',
    );
    const names = selectNamespaces(r, parseStatusQuery({ sort: 'changed', dir: 'desc' })).map((n) => n.name);
    expect(names).to.deep.equal([HOSTILE, 'alpha', 'gamma']);
  });

  it('filters by verdict and text, and sorts with the name as tie-breaker', () => {
    const r = report();
    const names = (q: Record<string, string>) => selectNamespaces(r, parseStatusQuery(q)).map((n) => n.name);
    expect(names({ verdict: 'uncovered', sort: 'name' })).to.deep.equal([HOSTILE, 'gamma']);
    expect(names({ q: 'GAM' })).to.deep.equal(['gamma']);
    expect(names({ sort: 'policies', dir: 'desc' })).to.deep.equal(['alpha', HOSTILE, 'gamma']);
    expect(names({ sort: 'verdict' })).to.deep.equal([HOSTILE, 'gamma', 'alpha']);
  });

  it('says why an invalid exemption does not count', () => {
    const html = renderStatusPage(report(), parseStatusQuery({}), { telemetryPath: '/metrics' });
    expect(html).to.match(
      /<span class="badge invalid">invalid<\/span> <span class="detail">missing_owner<\/span>/,
    );
  });
});

/** Rows of each kind the issue names: unknown, dangling, allow-all, protected by another source, exempt. */
function kinds(data?: DataStatus): CoverageReport {
  const ref = (kind: string, name: string, namespace: string | null, selects: string) => ({
    source: kind === 'NetworkPolicy' ? 'networkpolicy' : 'calico_globalnetworkpolicy',
    kind,
    namespace,
    name,
    selects,
  });
  return coverageReport({
    rows: [
      {
        ...row('payroll', 'uncovered', 0),
        unknown: ['calico_globalnetworkpolicy'],
        unjudgedPolicies: [
          {
            ...ref('GlobalNetworkPolicy', HOSTILE, null, "serviceAccountSelector: role == 'api'"),
            reason: `serviceAccountSelector ${HOSTILE} is not evaluated`,
          },
        ],
      },
      {
        ...row('search', 'covered', 1),
        protectedByPolicies: [ref('NetworkPolicy', 'allow-elastic', 'search', 'podSelector: app=retired')],
        dangling: ['allow-elastic'],
      },
      {
        ...row('shop', 'covered', 1),
        protectedByPolicies: [ref('NetworkPolicy', 'allow-all', 'shop', 'podSelector: {} (every pod)')],
        allowAll: { ingress: ['allow-all'], egress: [] },
      },
      {
        ...row('vault', 'covered', 0),
        sources: ['calico_globalnetworkpolicy'],
        protectedByPolicies: [
          ref('GlobalNetworkPolicy', 'restricted', null, "namespaceSelector: tier == 'x'"),
        ],
      },
    ],
    source: { mode: 'exporter', ready: data?.state !== 'unknown' },
    version: '1.0.0',
    now: new Date('2026-01-01T00:00:00Z'),
    ...(data ? { data } : {}),
  });
}

describe('status page: never a pass without evidence', () => {
  const page = (r: CoverageReport) =>
    renderStatusPage(r, parseStatusQuery({}), { telemetryPath: '/metrics' });

  it('caches never synced: UNKNOWN with the reason, not PASS, though no namespace is uncovered', () => {
    const r = coverageReport({
      rows: [],
      source: { mode: 'exporter', ready: false },
      version: '1',
      now: new Date(0),
      data: { state: 'unknown', reasons: ['namespaces cache not synced (last error: fetch failed)'] },
    });
    const html = page(r);
    expect(html).to.contain('<span class="result unknown" id="result">UNKNOWN</span>');
    expect(html).to.contain('namespaces cache not synced (last error: fetch failed).');
    expect(html).to.contain('data-state="unknown"');
    expect(html).not.to.contain('PASS');
    expect(html).to.contain('<title>netpol-exporter: unknown, 0 uncovered</title>');
  });

  it('incomplete data: INCOMPLETE, with every reason in the banner', () => {
    const html = page(kinds({ state: 'incomplete', reasons: ['a watch is down', 'a source is forbidden'] }));
    expect(html).to.contain('<span class="result incomplete" id="result">INCOMPLETE</span>');
    expect(html).to.contain('<li>a watch is down</li><li>a source is forbidden</li>');
  });

  it('flags unknown, allow-all and dangling namespaces in their rows and links each row to its page', () => {
    const html = page(kinds());
    expect(html).to.contain('<span class="result unknown" id="result">UNKNOWN</span>');
    expect(html).to.match(/data-namespace="payroll" data-verdict="uncovered" data-unknown="true"/);
    expect(html).to.contain('<span class="badge unknown" data-flag="unknown"');
    expect(html).to.contain('data-flag="allow-all-ingress">allow-all ingress</span>');
    expect(html).to.contain('data-flag="dangling">1 dangling</span>');
    expect(html).to.contain('<a href="/namespaces/vault">vault</a>');
    expect(html).to.match(/data-summary="unknown"[^>]*><span class="n">1<\/span> unknown/);
    expect(
      selectNamespaces(kinds(), parseStatusQuery({ verdict: 'unknown' })).map((n) => n.name),
    ).to.deep.equal(['payroll']);
  });
});

describe('a namespace page', () => {
  const page = (name: string) => {
    const r = kinds();
    return renderNamespacePage(
      r,
      r.namespaces.find((n) => n.name === name),
      name,
      { telemetryPath: '/metrics' },
    );
  };

  it('unknown: lists the policy that could not be judged and why, escaped, and what to do', () => {
    const html = page('payroll');
    expect(html).to.contain('<span class="verdict uncovered" id="verdict">uncovered</span>');
    expect(html).to.contain('id="unjudged-table"');
    expect(html).not.to.contain('<img');
    expect(html).to.contain('serviceAccountSelector &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).to.contain(
      '<code id="remediate">netpol-exporter remediate --namespaces.include=payroll</code>',
    );
    expect(html).to.contain('docs/runbooks/netpolnamespaceuncovered.md');
    expect(html).to.contain('<section id="exposure"');
    expect(html).not.to.match(/<script/i);
  });

  it('protected by another source: names the policy, its kind and what it selects', () => {
    const html = page('vault');
    expect(html).to.match(
      /<tr data-policy="GlobalNetworkPolicy\/restricted" data-source="calico_globalnetworkpolicy">\s*<td data-label="Kind">GlobalNetworkPolicy<\/td>\s*<th scope="row" data-label="Name">restricted<\/th>\s*<td data-label="Scope">cluster-wide<\/td>/,
    );
    expect(html).to.contain('Nothing to do.');
  });

  it('allow-all and dangling policies are named with what to do about each', () => {
    expect(page('shop')).to.contain('allows all ingress: protects nothing');
    expect(page('shop')).to.contain('<code>allow-all</code> allows all ingress to every pod');
    expect(page('search')).to.contain('dangling: selects none of the pods');
    expect(page('search')).to.contain('docs/runbooks/netpolnamespacepodsnotisolated.md');
  });

  it('an unknown namespace gets a page that says so', () => {
    const html = renderNamespacePage(kinds(), undefined, HOSTILE, { telemetryPath: '/metrics' });
    expect(html).to.contain('The exporter does not know this namespace');
    expect(html).not.to.contain('<img');
  });
});

describe('manifests reader', () => {
  it('gives each object its file and line, unpacks Lists and skips empty documents', () => {
    const objects = parseManifests(
      `# a comment
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: b}}
  - {apiVersion: v1, kind: Namespace, metadata: {name: c}}
`,
      'x.yaml',
    );
    expect(objects.map((o) => [(o.object.metadata as { name: string }).name, o.location])).to.deep.equal([
      ['a', 'x.yaml:3'],
      ['b', 'x.yaml:8'],
      ['c', 'x.yaml:8'],
    ]);
  });

  it('reports duplicate keys and bad indentation with a position, as one line', () => {
    expect(() => parseManifests('a: 1\na: 2\n', 'dup.yaml')).to.throw(/^dup\.yaml:2:1: malformed YAML: .+$/);
  });
});

describe('status page: who can reach each namespace', () => {
  /** The exporter's view as the Exporter gives it: coverage state and its ExposureState. */
  function view(withExposure = true) {
    const state = new CoverageState();
    for (const name of ['closed', 'open', 'bare', 'undone'])
      state.upsertNamespace(namespaceFacts(ns(name)) as NonNullable<ReturnType<typeof namespaceFacts>>);
    const add = (obj: Record<string, unknown>) =>
      state.upsertPolicy(policyFacts(obj) as NonNullable<ReturnType<typeof policyFacts>>);
    add(netpol('closed', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    add(
      netpol('open', 'from-every-namespace', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }] }],
      }),
    );
    add(netpol('undone', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    add(netpol('undone', 'allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }));
    const exposure = withExposure ? new ExposureState(state) : undefined;
    return { readiness: () => ({ ready: true, reason: 'synced' }), state, exposure };
  }
  const reportOf = (withExposure = true) => statusReport(view(withExposure), '1.0.0', new Date(0));
  const widest = (html: string) =>
    [
      ...html.matchAll(
        /data-namespace="([^"]+)"[\s\S]*?data-label="Reachable from"(?: data-widest="([^"]+)")?/g,
      ),
    ].map((m) => `${m[1]}:${m[2] ?? '-'}`);

  it('fills each namespace of the report from the exporter, as /api/v1/namespaces serves it', () => {
    const byName = Object.fromEntries(reportOf().namespaces.map((n) => [n.name, n.exposure]));
    expect(byName.open?.ingress.widest).to.equal('all_namespaces');
    expect(byName.open?.ingress.openedBy.all_namespaces).to.deep.equal([
      'NetworkPolicy/from-every-namespace',
    ]);
    expect(byName.closed?.ingress.reachable).to.deep.equal([]);
    expect(byName.bare?.ingress.widest).to.equal('anywhere');
    expect(byName.undone?.ingress.denyUndone).to.equal(true);
    expect(reportOf(false).namespaces.every((n) => n.exposure === undefined)).to.equal(true);
  });

  it('shows the widest ingress class in a "Reachable from" column, sortable widest first', () => {
    const html = renderStatusPage(reportOf(), parseStatusQuery({ sort: 'reachable' }), {
      telemetryPath: '/metrics',
    });
    expect(html).to.contain('data-key="reachable"');
    expect(html).to.contain('>Reachable from ▲</a></th>');
    expect(widest(html)).to.deep.equal([
      'bare:anywhere',
      'undone:anywhere',
      'open:all_namespaces',
      'closed:none',
    ]);
    const descending = renderStatusPage(reportOf(), parseStatusQuery({ sort: 'reachable', dir: 'desc' }), {
      telemetryPath: '/metrics',
    });
    expect(widest(descending)).to.deep.equal([
      'closed:none',
      'open:all_namespaces',
      'bare:anywhere',
      'undone:anywhere',
    ]);
    const nothing = renderStatusPage(reportOf(), parseStatusQuery({ q: 'no-such' }), {
      telemetryPath: '/metrics',
    });
    expect(nothing).to.contain('<td colspan="8">No namespace matches.</td>');
    const off = renderStatusPage(reportOf(false), parseStatusQuery({}), { telemetryPath: '/metrics' });
    expect(widest(off)).to.deep.equal(['bare:-', 'closed:-', 'open:-', 'undone:-']);
  });

  it('marks a namespace whose reachability could not be judged as unknown', () => {
    const r = reportOf();
    const open = r.namespaces.find((n) => n.name === 'open');
    if (!open?.exposure) throw new Error('no exposure');
    open.exposure.ingress = { ...open.exposure.ingress, unknown: true, unknownClasses: ['anywhere'] };
    const html = renderStatusPage(r, parseStatusQuery({}), { telemetryPath: '/metrics' });
    expect(html).to.match(
      /data-widest="all_namespaces"><code class="exposure risk-high">all_namespaces<\/code> <span class="badge unknown"[^>]*>unknown<\/span><\/td>/,
    );
  });

  it("fills the namespace page's Exposure section: both directions, every class, the policies that open each", () => {
    const r = reportOf();
    const page = (name: string) =>
      renderNamespacePage(
        r,
        r.namespaces.find((n) => n.name === name),
        name,
        { telemetryPath: '/metrics' },
      );
    const open = page('open');
    expect(open).not.to.contain('data-pending');
    expect(open).to.match(
      /<table id="exposure-ingress">[\s\S]*<tr data-class="all_namespaces">\s*<th scope="row" data-label="From"><code class="exposure risk-high">all_namespaces<\/code><\/th>\s*<td data-label="Reachable"><span class="exposure risk-high">yes<\/span><\/td>\s*<td data-label="Opened by"><code>NetworkPolicy\/from-every-namespace<\/code><\/td>/,
    );
    expect(open).to.match(
      /<table id="exposure-ingress">[\s\S]*<tr data-class="anywhere">[\s\S]*?<span class="no">no<\/span>/,
    );
    expect(open).to.match(
      /<table id="exposure-egress">[\s\S]*<tr data-class="anywhere">\s*<th scope="row" data-label="To"><code class="exposure risk-high">anywhere<\/code><\/th>\s*<td data-label="Reachable"><span class="exposure risk-high">yes<\/span><\/td>\s*<td data-label="Opened by"><code>\(pods no policy isolates\)<\/code>/,
    );
    expect(page('undone')).to.contain('The default deny for ingress is undone');
    const closed = page('closed');
    const section = closed.slice(
      closed.indexOf('<section id="exposure"'),
      closed.indexOf('<section id="actions"'),
    );
    expect(section.match(/<span class="no">no<\/span>/g)).to.have.length(10);
    const off = reportOf(false);
    expect(renderNamespacePage(off, off.namespaces[0], 'bare', { telemetryPath: '/metrics' })).to.contain(
      'Not computed: the exporter runs with <code>--exposure=false</code>.',
    );
  });

  it('/api/v1/namespaces carries the names only with ?names=true (they cost seconds at 10,000 namespaces)', async () => {
    const app = express();
    mountStatusPage(app, view(), { telemetryPath: '/metrics', version: '1.0.0' });
    const running = await listen(app, '127.0.0.1', 0);
    try {
      const get = async (path: string) =>
        ((await (await fetch(running.url + path)).json()) as CoverageReport).namespaces.find(
          (n) => n.name === 'open',
        )?.exposure?.ingress.otherNamespaces;
      expect(await get('/api/v1/namespaces')).to.equal(undefined);
      expect((await get('/api/v1/namespaces?names=true'))?.reachable.map((r) => r.namespace)).to.deep.equal([
        'bare',
        'closed',
        'undone',
      ]);
    } finally {
      await running.close();
    }
  });

  it('names the namespaces behind other_namespaces, with what opens each, where they are asked for', () => {
    const names = (r: CoverageReport, name: string, d: 'ingress' | 'egress') =>
      r.namespaces.find((n) => n.name === name)?.exposure?.[d].otherNamespaces;
    const all = statusReport(view(), '1.0.0', new Date(0), 'all');
    expect(names(all, 'open', 'ingress')?.reachable).to.deep.equal(
      ['bare', 'closed', 'undone'].map((n) => ({
        namespace: n,
        openedBy: ['NetworkPolicy/from-every-namespace'],
      })),
    );
    expect(names(all, 'closed', 'ingress')).to.deep.equal({
      reachable: [],
      more: 0,
      unknown: [],
      unknownMore: 0,
    });
    // `bare` has no policy: every namespace reaches it, and its own side lets it out to every one (as the egress
    // classes, the names say what the namespace's own policies allow; `closed` then drops it on its ingress side).
    expect(names(all, 'bare', 'ingress')?.reachable.map((r) => r.namespace)).to.deep.equal([
      'closed',
      'open',
      'undone',
    ]);
    expect(names(all, 'bare', 'egress')?.reachable).to.deep.equal(
      ['closed', 'open', 'undone'].map((n) => ({ namespace: n, openedBy: ['(pods no policy isolates)'] })),
    );
    // The status page's table shows classes only; a namespace's page names only its own.
    const none = statusReport(view(), '1.0.0', new Date(0), 'none');
    expect(none.namespaces.every((n) => n.exposure && !n.exposure.ingress.otherNamespaces)).to.equal(true);
    const one = statusReport(view(), '1.0.0', new Date(0), { namespace: 'open' });
    expect(
      one.namespaces.filter((n) => n.exposure?.ingress.otherNamespaces).map((n) => n.name),
    ).to.deep.equal(['open']);
    const page = renderNamespacePage(
      one,
      one.namespaces.find((n) => n.name === 'open'),
      'open',
      {
        telemetryPath: '/metrics',
      },
    );
    expect(page).to.contain('<h4>Other namespaces that can reach it (3)</h4>');
    expect(page).to.match(
      /<table id="names-ingress">[\s\S]*?<a href="bare">bare<\/a><\/th>\s*<td data-label="Opened by"><code>NetworkPolicy\/from-every-namespace<\/code><\/td>/,
    );
    const closed = renderNamespacePage(
      all,
      all.namespaces.find((n) => n.name === 'closed'),
      'closed',
      {
        telemetryPath: '/metrics',
      },
    );
    expect(closed).to.contain('<p id="names-ingress">Other namespaces that can reach it: none today.</p>');
  });

  it('caps each list with a count past it, and lists as unknown what it cannot judge', () => {
    const state = new CoverageState();
    const add = (obj: Record<string, unknown>) =>
      state.upsertPolicy(policyFacts(obj) as NonNullable<ReturnType<typeof policyFacts>>);
    for (let i = 0; i < 250; i++)
      state.upsertNamespace(
        namespaceFacts(ns(`n-${String(i).padStart(3, '0')}`)) as NonNullable<
          ReturnType<typeof namespaceFacts>
        >,
      );
    state.upsertNamespace(namespaceFacts(ns('target')) as NonNullable<ReturnType<typeof namespaceFacts>>);
    // A selector with an operator the API refuses: whether a namespace matches it cannot be judged.
    add(
      netpol('target', 'odd', {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Gt', values: ['1'] }] } },
            ],
          },
        ],
      }),
    );
    const r = statusReport(
      { readiness: () => ({ ready: true, reason: 'synced' }), state, exposure: new ExposureState(state) },
      '1.0.0',
      new Date(0),
      'all',
    );
    const target = r.namespaces.find((n) => n.name === 'target')?.exposure;
    expect(target?.ingress.otherNamespaces).to.deep.include({ reachable: [], more: 0, unknownMore: 50 });
    expect(target?.ingress.otherNamespaces?.unknown).to.have.length(200);
    expect(target?.ingress.otherNamespaces?.unknown[0]).to.equal('n-000');
    // Every namespace without a policy reaches every other: 200 named, the rest counted.
    const first = r.namespaces.find((n) => n.name === 'n-000')?.exposure?.ingress.otherNamespaces;
    expect(first?.reachable).to.have.length(200);
    expect(first?.more).to.equal(50);
  });
});
