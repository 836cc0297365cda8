// OpenMetrics beside the text format: headers, canonical numbers, negotiation as client_golang does it, and the
// strict reader the HTTP and Prometheus tests lint with (which must itself catch what it claims to).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import type { NamespaceVerdict } from '../../src/core/verdict.ts';
import { namespaceFamilies } from '../../src/exposition/families/namespace.ts';
import { negotiateFormat } from '../../src/exposition/negotiate.ts';
import { canonicalNumber, openMetricsHeader } from '../../src/exposition/openmetrics.ts';
import { ProcessMetrics } from '../../src/exposition/process-metrics.ts';
import { RenderedStore } from '../../src/exposition/rendered-store.ts';
import { eventually } from '../helpers/exposition.ts';
import { lintOpenMetrics } from '../helpers/openmetrics-lint.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What Debian's Prometheus 2.42 sends (scrape/scrape.go, acceptHeader). */
const PROMETHEUS_2_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('OpenMetrics headers', () => {
  it('names a counter family without _total, with its unit, and escapes quotes in HELP', () => {
    expect(openMetricsHeader('process_cpu_seconds_total', 'Total CPU "time".', 'counter')).to.equal(
      '# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n# HELP process_cpu_seconds Total CPU \\"time\\".\n',
    );
    expect(openMetricsHeader('netpol_namespace_covered', 'a\\b\nc', 'gauge')).to.equal(
      '# TYPE netpol_namespace_covered gauge\n# HELP netpol_namespace_covered a\\\\b\\nc\n',
    );
  });

  it('types untyped families and counters without _total as unknown, as client_golang does', () => {
    expect(openMetricsHeader('legacy', 'x', 'untyped')).to.match(/^# TYPE legacy unknown\n/);
    expect(openMetricsHeader('requests', 'x', 'counter')).to.match(/^# TYPE requests unknown\n/);
  });

  it('renders le bounds as canonical numbers (the spec examples)', () => {
    const values = [0, 0.001, 0.01, 0.1, 0.9, 0.95, 1, 1.7, 10, 1e-10, 1e-5, 1e-4, 100_000, 1e6, 1e10];
    expect(values.map(canonicalNumber)).to.deep.equal([
      '0.0',
      '0.001',
      '0.01',
      '0.1',
      '0.9',
      '0.95',
      '1.0',
      '1.7',
      '10.0',
      '1e-10',
      '1e-05',
      '0.0001',
      '100000.0',
      '1e+06',
      '1e+10',
    ]);
    expect(canonicalNumber(Number.POSITIVE_INFINITY)).to.equal('+Inf');
  });

  it('serves the same per-namespace sample lines in both formats, only the headers differ', () => {
    const store = new RenderedStore(namespaceFamilies);
    const verdict: NamespaceVerdict = {
      name: 'a"b',
      phase: 'Active',
      createdSeconds: 1767323045,
      policies: 1,
      covered: true,
      defaultDeny: { ingress: true, egress: false },
      allowAll: { ingress: true, egress: false },
      protectedBy: ['networkpolicy'],
      protectionUnknown: [],
      unread: [],
    };
    store.set('a', verdict);
    const samples = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));
    const text = store.text();
    const om = Buffer.concat(store.pieces('openmetrics').map((p) => p.bytes)).toString('utf8');
    expect(samples(om)).to.deep.equal(samples(text));
    expect(om).to.not.equal(text);
    expect(lintOpenMetrics(`${om}# EOF\n`)).to.deep.equal([]);
  });

  it('renders the process metrics as valid OpenMetrics, histogram bounds canonical', async () => {
    const metrics = new ProcessMetrics();
    try {
      gc(); // so the GC histogram has buckets (its observer reports asynchronously: wait for it)
      await eventually(() => expect(metrics.text()).to.contain('nodejs_gc_duration_seconds_bucket'));
      const om = `${metrics.text('openmetrics')}# EOF\n`;
      expect(lintOpenMetrics(om)).to.deep.equal([]);
      expect(om).to.contain('# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n');
      expect(om).to.contain('\nprocess_cpu_seconds_total ');
      expect(om).to.contain('nodejs_gc_duration_seconds_bucket{le="1.0",');
      // The text format keeps prom-client's bounds.
      expect(metrics.text()).to.contain('nodejs_gc_duration_seconds_bucket{le="1",');
    } finally {
      metrics.stop();
    }
  });
});

describe('negotiating the exposition format', () => {
  const om1 = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
  const text = 'text/plain; version=0.0.4; charset=utf-8';
  const cases: [string | undefined, string][] = [
    [PROMETHEUS_2_ACCEPT, om1],
    [undefined, text],
    ['*/*', text],
    ['text/plain', text],
    ['application/openmetrics-text', 'application/openmetrics-text; version=0.0.1; charset=utf-8'],
    ['application/openmetrics-text; version=2.0.0', text],
    ['text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.6', om1],
    ['text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.6', text],
    ['application/openmetrics-text;version=1.0.0;q=0,text/plain', text],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', text],
    [
      `${PROMETHEUS_2_ACCEPT.replace('1.0.0,', '1.0.0;escaping=allow-utf-8,')}`,
      `${om1}; escaping=allow-utf-8`,
    ],
    ['text/plain;escaping=bogus', text],
    ['garbage', text],
  ];
  for (const [accept, expected] of cases)
    it(`Accept: ${accept ?? '(none)'}`, () => {
      expect(negotiateFormat(accept).contentType).to.equal(expected);
      expect(negotiateFormat(accept).format).to.equal(expected.startsWith('text/') ? 'text' : 'openmetrics');
    });
});

describe('the strict OpenMetrics reader used by the tests', () => {
  const valid = '# TYPE a counter\n# HELP a x\na_total 1\n# TYPE b gauge\nb{x="1"} 2\n# EOF\n';
  it('accepts a valid exposition', () => {
    expect(lintOpenMetrics(valid)).to.deep.equal([]);
  });
  const broken: [string, string, RegExp][] = [
    ['no EOF', valid.replace('# EOF\n', ''), /does not end with "# EOF"/],
    ['a counter family named with _total', valid.replace(/# (TYPE|HELP) a /g, '# $1 a_total '), /belong/],
    ['an unescaped quote in HELP', valid.replace('# HELP a x', '# HELP a "x"'), /HELP not escaped/],
    [
      'a unit that is not the suffix',
      valid.replace('# HELP a x\n', '# HELP a x\n# UNIT a seconds\n'),
      /not the suffix/,
    ],
    ['a text-format comment', valid.replace('# HELP a x', '# a comment'), /no TYPE, HELP, UNIT or EOF/],
    ['an untyped TYPE', valid.replace('b gauge', 'b untyped'), /unknown type "untyped"/],
    [
      'a non-canonical le',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n# EOF\n',
      /le="1" is not a canonical number/,
    ],
    ['interleaved families', `${valid.replace('# EOF\n', '')}a_total 2\n# EOF\n`, /appears again/],
    ['a bad value', valid.replace('b{x="1"} 2', 'b{x="1"} two'), /bad value/],
  ];
  for (const [what, body, problem] of broken)
    it(`rejects ${what}`, () => {
      expect(lintOpenMetrics(body).join('\n')).to.match(problem);
    });
});
