// The status page marks internet-facing namespaces beside the verdict and sorts them first within a verdict; the
// namespace page lists each way in with its object and rule.
import { expect } from 'chai';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import { classifyInternetFacing } from '../../src/core/internet-facing/classify.ts';
import { serviceFacts } from '../../src/core/internet-facing/facts.ts';
import { renderNamespacePage } from '../../src/http/namespace-page.ts';
import { parseStatusQuery, renderStatusPage, selectNamespaces } from '../../src/http/status-page.ts';
import { coverageReport, internetFacingOf, rowsFrom } from '../../src/report/coverage-report.ts';

/** alpha, public and zeta uncovered, covered-web covered; public and covered-web reached through a load balancer. */
function report(internetFacing = true) {
  const state = new CoverageState();
  for (const name of ['alpha', 'covered-web', 'public', 'zeta'])
    state.upsertNamespace(namespaceFacts({ metadata: { name } }) ?? expect.fail('namespace'));
  state.upsertPolicy(
    policyFacts({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny', namespace: 'covered-web' },
      spec: { podSelector: {} },
    }) ?? expect.fail('policy'),
  );
  const answer = classifyInternetFacing({
    services: [
      serviceFacts({ metadata: { namespace: 'public', name: 'web' }, spec: { type: 'LoadBalancer' } }),
      serviceFacts({ metadata: { namespace: 'covered-web', name: 'web' }, spec: { type: 'LoadBalancer' } }),
      serviceFacts({ metadata: { namespace: 'public', name: 'debug' }, spec: { type: 'NodePort' } }),
    ].filter((s) => s !== undefined),
    ingresses: [],
    routes: [],
    referenceGrants: [],
  });
  return coverageReport({
    rows: rowsFrom(
      state,
      undefined,
      internetFacing
        ? { internetFacing: (name) => internetFacingOf(answer.byNamespace.get(name) ?? []) }
        : {},
    ),
    source: { mode: 'exporter', ready: true },
    version: 'test',
    now: new Date(0),
  });
}

const rowOf = (html: string, name: string) =>
  html.split('<tr').find((r) => r.includes(`data-namespace="${name}"`)) ?? expect.fail(`no row ${name}`);
const cellOf = (row: string, label: string) =>
  new RegExp(`<td data-label="${label}"[^>]*>(.*?)</td>`).exec(row)?.[1] ?? expect.fail(`no ${label} cell`);
const names = (r: ReturnType<typeof report>, query: Record<string, string>) =>
  selectNamespaces(r, parseStatusQuery(query)).map((n) => n.name);

describe('internet-facing on the pages', () => {
  it('the status page marks the namespace in a column beside its verdict, with each way in', () => {
    const html = renderStatusPage(report(), parseStatusQuery({}), { telemetryPath: '/metrics' });
    const publicRow = rowOf(html, 'public');
    // The Internet-facing cell follows the Verdict cell, and the verdict cell does not repeat the mark.
    expect(publicRow).to.match(/<td data-label="Verdict">.*?<\/td>\n<td data-label="Internet-facing"/);
    expect(cellOf(publicRow, 'Verdict')).not.to.contain('internet');
    expect(cellOf(publicRow, 'Internet-facing')).to.equal(
      '<span class="internet" data-flag="internet-facing" title="internet-facing via load_balancer, node_port">' +
        '<span class="via"><abbr title="load balancer">LB</abbr></span>, <span class="via">NodePort</span></span>',
    );
    expect(publicRow).to.contain('data-vias="load_balancer node_port"');
    expect(cellOf(rowOf(html, 'alpha'), 'Internet-facing')).to.equal('<span class="no">no</span>');
    expect(html).to.contain(
      '<th scope="col" aria-sort="none" data-key="internet"><a href="/?sort=internet">Internet-facing</a></th>',
    );
    expect(html).to.contain('<option value="internet">internet-facing</option>');
  });

  it('sorting by it puts the uncovered internet-facing namespaces first, then the other internet-facing ones', () => {
    expect(names(report(), { sort: 'internet' })).to.deep.equal(['public', 'covered-web', 'alpha', 'zeta']);
    expect(names(report(), { sort: 'internet', dir: 'desc' })).to.deep.equal([
      'alpha',
      'zeta',
      'covered-web',
      'public',
    ]);
    const html = renderStatusPage(report(), parseStatusQuery({ sort: 'internet' }), {
      telemetryPath: '/metrics',
    });
    expect(html).to.contain(
      '<th scope="col" aria-sort="ascending" data-key="internet"><a href="/?sort=internet&amp;dir=desc">Internet-facing ▲</a></th>',
    );
    // Sorting by verdict keeps internet-facing first within each verdict.
    expect(names(report(), { sort: 'verdict' })).to.deep.equal(['public', 'alpha', 'zeta', 'covered-web']);
  });

  it('with --internet-facing=false the column says not known, and sorting by it falls back to the name', () => {
    const off = report(false);
    const html = renderStatusPage(off, parseStatusQuery({}), { telemetryPath: '/metrics' });
    expect(cellOf(rowOf(html, 'public'), 'Internet-facing')).to.equal(
      '<span class="none" title="not known: the exporter runs with --internet-facing=false">–</span>',
    );
    expect(names(off, { sort: 'internet' })).to.deep.equal(['alpha', 'covered-web', 'public', 'zeta']);
  });

  it('the namespace page lists each way in with the object and the rule', () => {
    const r = report();
    const html = renderNamespacePage(
      r,
      r.namespaces.find((n) => n.name === 'public'),
      'public',
      {
        telemetryPath: '/metrics',
      },
    );
    expect(html).to.contain('id="internet-facing-table"');
    expect(html).to.contain(
      '<td data-label="Via"><code>load_balancer</code></td><td data-label="Object">Service public/web</td>',
    );
    const quiet = renderNamespacePage(
      r,
      r.namespaces.find((n) => n.name === 'alpha'),
      'alpha',
      {
        telemetryPath: '/metrics',
      },
    );
    expect(quiet).to.contain('Nothing known opens it to the internet');
  });
});
