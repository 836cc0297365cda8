// One Prometheus per cluster, the other common layout: the exporter's series carry no `cluster` label, and the
// cluster's name is the Prometheus's external_labels (added to what it sends to Alertmanager and remote storage).
// The bundled rules' descriptions must name the cluster from there, not read "in cluster  is Active". A simulated
// cluster, the real exporter, a real Prometheus with external_labels and the bundled rules (`for:` shortened).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { rulesPath } from '../../deploy/rules/generate.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { killSpawned, listeningAddress, spawnExporter } from '../helpers/exporter.ts';
import { Prometheus, type PrometheusAlert, waitFor, withAlertFor } from '../helpers/prometheus.ts';

const CLUSTER = 'eu-west-1';

describe('one Prometheus per cluster: the cluster named by external_labels', function () {
  this.timeout(120_000);
  let dir: string;
  let sim: SimulatedCluster;
  let exporter: ReturnType<typeof spawnExporter>;
  let prometheus: Prometheus;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-cluster-prometheus-'));
    sim = await SimulatedCluster.start({ port: 0 });
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy' } });
    sim.addToken('exporter', EXPORTER_PERMISSIONS);
    const kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { token: 'exporter' });
    exporter = spawnExporter(['--web.listen-address=127.0.0.1:0'], { KUBECONFIG: kubeconfig });
    const address = await listeningAddress(exporter);
    prometheus = await Prometheus.start({
      job: 'netpol-exporter',
      targets: [address],
      externalLabels: { cluster: CLUSTER },
      rules: [withAlertFor(await readFile(rulesPath, 'utf8'), '1s')],
    });
  });

  after(async () => {
    await prometheus?.stop();
    await killSpawned(exporter);
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('NetpolNamespaceUncovered says which cluster, though its labels have no `cluster`', async () => {
    const alert = await waitFor('NetpolNamespaceUncovered for legacy', async () =>
      (await prometheus.alerts()).find(
        (a: PrometheusAlert) =>
          a.labels.alertname === 'NetpolNamespaceUncovered' &&
          a.labels.namespace === 'legacy' &&
          a.state === 'firing',
      ),
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\n${JSON.stringify(await prometheus.alerts())}\n${prometheus.logs.slice(-2000)}`,
      );
    });
    expect(alert.labels, 'external labels are added on the way out, not to the rule').to.not.have.property(
      'cluster',
    );
    expect(alert.annotations.description).to.equal(
      `Namespace legacy in cluster ${CLUSTER} is Active and has had no network policy protecting it for longer ` +
        'than its grace period: all traffic into and out of its pods is allowed.',
    );
  });
});
