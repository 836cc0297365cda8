// /metrics in OpenMetrics for a scraper that asks (Prometheus does), the text format for everyone else; gzip for
// both. A full exporter against the simulator, so every family (exemptions, exposure, the exporter's own, the HTTP
// edge's, the process metrics) goes through the strict OpenMetrics reader.
import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';
import { lintOpenMetrics } from '../helpers/openmetrics-lint.ts';

const OPENMETRICS = 'application/openmetrics-text;version=1.0.0';
const PROMETHEUS_2_ACCEPT = `${OPENMETRICS},application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`;
const EXPIRES = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

/** A scrape with exactly these headers (fetch would add its own Accept-Encoding and inflate for us). */
async function scrape(exporter: TestExporter, headers: Record<string, string>) {
  const res = await new Promise<{ headers: IncomingHttpHeaders; bytes: Buffer }>((resolve, reject) => {
    get(`${exporter.http.url}/metrics`, { headers }, (r) => {
      expect(r.statusCode).to.equal(200);
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ headers: r.headers, bytes: Buffer.concat(chunks) }));
      r.on('error', reject);
    }).on('error', reject);
  });
  const gzipped = res.headers['content-encoding'] === 'gzip';
  return {
    headers: res.headers,
    gzipped,
    body: (gzipped ? gunzipSync(res.bytes) : res.bytes).toString('utf8'),
  };
}

const namespaceSamples = (body: string) =>
  body
    .split('\n')
    .filter((line) => line.startsWith('netpol_namespace_'))
    .sort();

describe('/metrics in OpenMetrics and in the text format', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;

  before(async () => {
    sim = await SimulatedCluster.start();
    const namespace = (name: string, annotations: Record<string, string> = {}) =>
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations } });
    namespace('payments');
    namespace('shop');
    namespace('legacy', {
      'netpol-exporter.io/exempt': 'true',
      'netpol-exporter.io/owner': 'team "platform"',
      'netpol-exporter.io/reason': 'a reason with a \\ and a\nline break',
      'netpol-exporter.io/expires': EXPIRES,
    });
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-all', namespace: 'shop' },
      spec: { podSelector: {}, ingress: [{}] },
    });
    exporter = await exporterFor(sim);
    await eventually(() => expect(exporter.exporter.readiness().ready).to.equal(true), 60_000);
  });
  after(async () => {
    await exporter?.dispose();
    await sim?.stop();
  });

  it("answers Prometheus' Accept with valid OpenMetrics: counters without _total, units, # EOF", async () => {
    const { headers, body } = await scrape(exporter, { accept: PROMETHEUS_2_ACCEPT });
    expect(headers['content-type']).to.equal('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(headers.vary).to.equal('Accept, Accept-Encoding');
    expect(lintOpenMetrics(body)).to.deep.equal([]);
    expect(body.endsWith('\n# EOF\n')).to.equal(true);
    expect(body).to.contain(
      '# TYPE netpol_exporter_events counter\n# HELP netpol_exporter_events Watch events handled, by type.\n',
    );
    expect(body).to.match(
      /\nnetpol_exporter_api_requests_total\{resource="namespaces",verb="list",code="200"\} \d+\n/,
    );
    expect(body).to.contain(
      '# TYPE netpol_namespace_created_timestamp_seconds gauge\n# UNIT netpol_namespace_created_timestamp_seconds seconds\n',
    );
    expect(body).to.contain('# TYPE netpol_exporter_http_refused counter\n');
    // HELP text with quotes is escaped as OpenMetrics requires.
    expect(body).to.contain('(direction=\\"ingress\\")');
    expect(body).to.contain('owner="team \\"platform\\""');
  });

  it('gives everyone else the text format 0.0.4, which has no # EOF and keeps _total in its headers', async () => {
    for (const headers of [{}, { accept: '*/*' }, { accept: 'text/plain' }] as Record<string, string>[]) {
      const scraped = await scrape(exporter, headers);
      const body = scraped.body;
      expect(scraped.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
      expect(body).to.not.contain('# EOF');
      expect(body).to.not.contain('# UNIT');
      expect(body).to.contain('# TYPE netpol_exporter_events_total counter\n');
    }
  });

  it('serves the same per-namespace samples in both formats, gzipped or not', async () => {
    const text = await scrape(exporter, {});
    const om = await scrape(exporter, { accept: OPENMETRICS });
    const expected = namespaceSamples(text.body);
    expect(expected.length).to.be.greaterThan(20);
    expect(namespaceSamples(om.body)).to.deep.equal(expected);
    // Alternate formats under gzip: the cached deflate of the sample runs serves both, and each body stays whole.
    for (let i = 0; i < 2; i++) {
      const zippedOm = await scrape(exporter, { accept: OPENMETRICS, 'accept-encoding': 'gzip' });
      expect(zippedOm.gzipped).to.equal(true);
      expect(lintOpenMetrics(zippedOm.body)).to.deep.equal([]);
      expect(namespaceSamples(zippedOm.body)).to.deep.equal(expected);
      const zippedText = await scrape(exporter, { 'accept-encoding': 'gzip' });
      expect(zippedText.gzipped).to.equal(true);
      expect(zippedText.body).to.not.contain('# EOF');
      expect(namespaceSamples(zippedText.body)).to.deep.equal(expected);
    }
  });
});
