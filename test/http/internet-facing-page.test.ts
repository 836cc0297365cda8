// The status page marks internet-facing namespaces beside the verdict and sorts them first within a verdict; the
// namespace page lists each way in with its object and rule.
import { expect } from 'chai';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { namespaceFacts } from '../../src/core/facts.ts';
import { classifyInternetFacing } from '../../src/core/internet-facing/classify.ts';
import { serviceFacts } from '../../src/core/internet-facing/facts.ts';
import { renderNamespacePage } from '../../src/http/namespace-page.ts';
import { parseStatusQuery, renderStatusPage, selectNamespaces } from '../../src/http/status-page.ts';
import { coverageReport, internetFacingOf, rowsFrom } from '../../src/report/coverage-report.ts';

function report() {
  const state = new CoverageState();
  for (const name of ['alpha', 'public', 'zeta'])
    state.upsertNamespace(namespaceFacts({ metadata: { name } }) ?? expect.fail('namespace'));
  const answer = classifyInternetFacing({
    services: [
      serviceFacts({ metadata: { namespace: 'public', name: 'web' }, spec: { type: 'LoadBalancer' } }),
    ].filter((s) => s !== undefined),
    ingresses: [],
    routes: [],
    referenceGrants: [],
  });
  return coverageReport({
    rows: rowsFrom(state, undefined, {
      internetFacing: (name) => internetFacingOf(answer.byNamespace.get(name) ?? []),
    }),
    source: { mode: 'exporter', ready: true },
    version: 'test',
    now: new Date(0),
  });
}

describe('internet-facing on the pages', () => {
  it('the status page marks the namespace beside its verdict, and sorting by verdict puts it first', () => {
    const html = renderStatusPage(report(), parseStatusQuery({}), { telemetryPath: '/metrics' });
    const publicRow = html.split('<tr').find((r) => r.includes('data-namespace="public"')) ?? '';
    expect(publicRow).to.contain('data-flag="internet-facing" title="internet-facing via load_balancer"');
    const alphaRow = html.split('<tr').find((r) => r.includes('data-namespace="alpha"')) ?? '';
    expect(alphaRow).not.to.contain('internet-facing');
    const byVerdict = selectNamespaces(report(), parseStatusQuery({ sort: 'verdict' })).map((n) => n.name);
    expect(byVerdict).to.deep.equal(['public', 'alpha', 'zeta']);
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
