// The status page's pure parts: hostile values stay text, hand-edited URLs fall back to defaults, and the
// manifests reader's positions and List handling.
import { expect } from 'chai';
import { parseManifests } from '../../src/audit/manifests.ts';
import { parseStatusQuery, renderStatusPage, selectNamespaces } from '../../src/http/status-page.ts';
import { type CoverageReport, coverageReport } from '../../src/report/coverage-report.ts';

const HOSTILE = `"><img src=x onerror=alert(1)>&amp;'`;

function report(): CoverageReport {
  const row = (name: string, verdict: 'covered' | 'uncovered', policies: number) => ({
    name,
    phase: 'Active',
    verdict,
    policies,
    defaultDeny: { ingress: policies > 1, egress: false },
    sources: policies > 0 ? ['networkpolicy'] : [],
    excluded: false,
    exemption: null,
  });
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
    });
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
