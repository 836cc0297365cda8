// The demo cluster's whole /metrics against a golden file (node_exporter's e2e-output.txt way): every netpol_ family,
// its HELP, TYPE and every series, so any change to what users scrape shows up as a diff to review.
// Regenerate after an intended change with `npm run update-golden`, and read the diff before committing it.
// Values that depend on the clock or on timing are normalised: timestamps, the request and event counters, watch
// health (up and staleness hang on when the last bookmark came), and the bookmark and restart series.
import { readFileSync, writeFileSync } from 'node:fs';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { DEMO_PERMISSIONS } from '../../src/cli/demo.ts';
import { DEMO_EXTRA_KINDS, demoCluster, demoOutsideProtection } from '../../src/cli/demo-cluster.ts';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';

const GOLDEN = new URL('../fixtures/demo/metrics.golden.prom', import.meta.url);
const VOLATILE_VALUE =
  /^(netpol_namespace_created_timestamp_seconds|netpol_namespace_exemption_expiry_timestamp_seconds|netpol_exporter_api_requests_total|netpol_exporter_events_total|netpol_exporter_watch_up|netpol_exporter_cache_stale_seconds)\{/;

/** Our families only, with the values and labels that vary from run to run replaced by placeholders. */
function normalise(body: string): string {
  return (
    body
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?netpol_/.test(line))
      // Bookmarks, restarts and watch requests (made or not yet when the caches are ready) depend on timing; their
      // HELP and TYPE lines stay.
      .filter(
        (line) =>
          !line.includes('type="bookmark"') &&
          !line.startsWith('netpol_exporter_watch_restarts_total{') &&
          !/^netpol_exporter_api_requests_total\{.*verb="watch"/.test(line),
      )
      .map((line) => (VOLATILE_VALUE.test(line) ? line.replace(/ \S+$/, ' <varies>') : line))
      .map((line) =>
        line.startsWith('netpol_exporter_build_info{')
          ? 'netpol_exporter_build_info{version="<version>",revision="<revision>",nodejs_version="<node>"} 1'
          : line,
      )
      .join('\n')
      .concat('\n')
  );
}

describe('demo cluster /metrics (golden)', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;

  before(async () => {
    sim = await SimulatedCluster.start({ port: 0, enabledKinds: DEMO_EXTRA_KINDS });
    for (const obj of [...demoCluster(), ...demoOutsideProtection()]) sim.create(obj);
    sim.addToken('golden-token', DEMO_PERMISSIONS);
    exporter = await exporterFor(sim, { token: 'golden-token' });
  });

  after(async () => {
    await exporter?.dispose();
    await sim?.stop();
  });

  it('serves exactly the golden exposition once ready', async () => {
    await eventually(async () => {
      const res = await fetch(`${exporter.http.url}/readyz`);
      if (res.status !== 200) throw new Error(`not ready: ${await res.text()}`);
    }, 60_000);
    const got = normalise(await exporter.scrape());
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, got);
    const want = readFileSync(GOLDEN, 'utf8');
    expect(got, 'the demo exposition changed: run `npm run update-golden` and review the diff').to.equal(
      want,
    );
  });
});
