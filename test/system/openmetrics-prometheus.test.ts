// A real Prometheus (Debian's 2.42, which asks for OpenMetrics first, and gzip) scraping the exporter: the target is
// up, the series arrive, and the metadata Prometheus keeps shows it read OpenMetrics (a counter's family is named
// without `_total` and has a unit, which only OpenMetrics' TYPE and UNIT lines can tell it).
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { exposureFamilies } from '../../src/exposition/families/exposure.ts';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';
import { Prometheus, waitFor } from '../helpers/prometheus.ts';

interface TargetMetadata {
  metric: string;
  type: string;
  help: string;
  unit: string;
}

describe('a real Prometheus scrapes /metrics as OpenMetrics', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;
  let prometheus: Prometheus;

  before(async () => {
    sim = await SimulatedCluster.start();
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy' } });
    exporter = await exporterFor(sim);
    await eventually(() => expect(exporter.exporter.readiness().ready).to.equal(true), 60_000);
    prometheus = await Prometheus.start({ targets: [new URL(exporter.http.url).host] });
  });
  after(async () => {
    await prometheus?.stop();
    await exporter?.dispose();
    await sim?.stop();
  });

  async function metadata(metric: string): Promise<TargetMetadata | undefined> {
    const res = await fetch(
      `${prometheus.url}/api/v1/targets/metadata?match_target=${encodeURIComponent('{job="netpol-exporter"}')}&metric=${metric}`,
    );
    const body = (await res.json()) as { status: string; data?: TargetMetadata[] };
    return body.data?.[0];
  }

  it('scrapes it without error and keeps the OpenMetrics metadata', async () => {
    await waitFor('the exporter target to be up', async () =>
      (await prometheus.targetsUp()) ? true : undefined,
    );
    const legacy = await waitFor(
      'netpol_namespace_covered for legacy',
      async () => (await prometheus.query('netpol_namespace_covered{namespace="legacy"}'))[0],
    );
    expect(legacy.value[1]).to.equal('0');
    // Samples keep `_total`...
    expect(await prometheus.query('netpol_exporter_api_requests_total')).to.not.be.empty;
    // ...while the family (what the TYPE line named) has none, and the unit came from a UNIT line.
    expect(await metadata('process_cpu_seconds')).to.deep.include({ type: 'counter', unit: 'seconds' });
    expect(await metadata('netpol_exporter_api_requests')).to.deep.include({ type: 'counter', unit: '' });
    expect(await metadata('netpol_namespace_created_timestamp_seconds')).to.deep.include({
      type: 'gauge',
      unit: 'seconds',
    });
    // HELP with escaped quotes reads back as written.
    const reachable = exposureFamilies.find((f) => f.name === 'netpol_namespace_reachable');
    expect((await metadata('netpol_namespace_reachable'))?.help).to.equal(reachable?.help);
  });
});
