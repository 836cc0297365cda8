// The exporter's watches against the simulated API server, as a user reads them on /metrics and in the log:
// a stalled watch and a hung list read as stale, a hung list is given up on, and a failure says its cause.

import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { demoCluster } from '../../src/cli/demo-cluster.ts';
import { exporterFor, namespaceSeries, type TestExporter, truth } from '../helpers/exporter.ts';
import { eventually, parseExposition } from '../helpers/exposition.ts';

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

async function series(exporter: TestExporter, name: string): Promise<number | undefined> {
  return parseExposition(await exporter.scrape()).get(name);
}

describe('cluster watches as /metrics reports them', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;

  beforeEach(async () => {
    sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100, bookmarkIntervalMs: 500 });
    for (const obj of demoCluster()) sim.create(obj);
    // The stall timeout is 2 s (test tuning); lists get 1 s.
    exporter = await exporterFor(sim, { args: ['--watch.list-timeout=1s'] });
    await eventually(async () => {
      expect(await namespaceSeries(exporter)).to.deep.equal(truth(sim));
      expect(await series(exporter, 'netpol_exporter_watch_up{resource="namespaces"}')).to.equal(1);
    }, 60_000);
  });
  afterEach(async () => {
    await exporter?.dispose();
    await sim?.stop();
  });

  it('reads a watch that never delivers a byte as down and stale, however often it reconnects', async () => {
    const stalled = 'netpol_exporter_watch_restarts_total{resource="namespaces",reason="stalled"}';
    const before = (await series(exporter, stalled)) ?? 0;
    sim.faults.stallWatches(true);
    await eventually(async () => expect(await series(exporter, stalled)).to.be.greaterThan(before), 60_000);
    // From the first stall on, until two more reconnects have stalled too, watch_up is never 1.
    const ups: number[] = [];
    let stale = 0;
    await eventually(
      async () => {
        const text = parseExposition(await exporter.scrape());
        ups.push(text.get('netpol_exporter_watch_up{resource="namespaces"}') ?? -1);
        stale = text.get('netpol_exporter_cache_stale_seconds{resource="namespaces"}') ?? 0;
        expect(text.get(stalled)).to.be.at.least(before + 3);
      },
      60_000,
      50,
    );
    expect(
      ups.filter((up) => up !== 0),
      'watch_up while stalled',
    ).to.deep.equal([]);
    expect(stale).to.be.greaterThan(2);
    sim.faults.stallWatches(false);
    sim.create(namespace('after-stall'));
    await eventually(async () => {
      expect(await namespaceSeries(exporter)).to.deep.equal(truth(sim));
      expect(await series(exporter, 'netpol_exporter_watch_up{resource="namespaces"}')).to.equal(1);
      expect(await series(exporter, 'netpol_exporter_cache_stale_seconds{resource="namespaces"}')).to.equal(
        0,
      );
    }, 60_000);
  });

  it('gives up on a hung relist after --watch.list-timeout, reports staleness meanwhile, and recovers', async () => {
    sim.faults.hangLists(true);
    sim.faults.forgetHistory();
    sim.faults.closeWatches();
    const timeouts = 'netpol_exporter_watch_restarts_total{resource="namespaces",reason="list_timeout"}';
    await eventually(async () => {
      const text = parseExposition(await exporter.scrape());
      expect(text.get(timeouts)).to.be.at.least(2);
      expect(text.get('netpol_exporter_watch_up{resource="namespaces"}')).to.equal(0);
      expect(text.get('netpol_exporter_cache_stale_seconds{resource="namespaces"}')).to.be.greaterThan(1);
    }, 60_000);
    expect(exporter.logs.join('')).to.contain('no complete answer within 1s');
    sim.create(namespace('made-while-hung'));
    sim.faults.hangLists(false);
    await eventually(async () => {
      expect(await namespaceSeries(exporter)).to.deep.equal(truth(sim));
      expect(await series(exporter, 'netpol_exporter_watch_up{resource="namespaces"}')).to.equal(1);
    }, 60_000);
  });

  it('logs the cause of a failed watch (the refused address), not just "fetch failed"', async () => {
    const { port } = sim;
    await sim.stop();
    await eventually(() =>
      expect(exporter.logs.join('')).to.contain(
        `watch failed: fetch failed (connect ECONNREFUSED 127.0.0.1:${port})`,
      ),
    );
  });
});
