// `netpol-exporter demo`: the simulated API server seeded with a realistic cluster and steady churn, and the
// exporter connected to it through the same client code a real cluster uses (HTTPS, bearer token).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { createLogger } from '../support/log.ts';
import { DEMO_EXTRA_KINDS, demoCluster, demoOutsideProtection } from './demo-cluster.ts';
import type { ServeConfig } from './flags.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { startExporter, stopOnSignals } from './serve.ts';

/** The exporter's token gets exactly what its ClusterRole grants in a real cluster. */
export const EXPORTER_PERMISSIONS = [
  { resource: 'namespaces', verbs: ['list', 'watch'] },
  { resource: 'networkpolicies', group: 'networking.k8s.io', verbs: ['list', 'watch'] },
];

/** The demo's exporter may also read the Calico kind its simulator serves (deploy/components/cni-policies). */
export const DEMO_PERMISSIONS = [
  ...EXPORTER_PERMISSIONS,
  { resource: 'globalnetworkpolicies', group: 'crd.projectcalico.org', verbs: ['list', 'watch'] },
];

export async function runDemo(config: ServeConfig): Promise<void> {
  const log = createLogger(config.logLevel, config.logFormat);
  const dir = await mkdtemp(join(tmpdir(), 'netpol-demo-'));
  const sim = await SimulatedCluster.start({ port: 0, enabledKinds: DEMO_EXTRA_KINDS });
  for (const obj of [...demoCluster(), ...demoOutsideProtection()]) sim.create(obj);
  sim.addToken('demo-exporter-token', DEMO_PERMISSIONS);
  const exporterKubeconfig = join(dir, 'exporter.kubeconfig');
  const adminKubeconfig = join(dir, 'admin.kubeconfig');
  await sim.writeKubeconfig(exporterKubeconfig, { token: 'demo-exporter-token' });
  await sim.writeKubeconfig(adminKubeconfig);

  const running = await startExporter(config, loadKubeConfig(exporterKubeconfig, ''), log);
  // Policies and namespaces come and go every few seconds, as in a busy cluster.
  sim.startChurn({ eventsPerSecond: 0.5, seed: Date.now() % 100000 });

  const url = running.http.url;
  process.stdout.write(`
netpol-exporter demo is running against a simulated cluster (${sim.url}).

  Status page   ${url}/
  Metrics       ${url}${config.telemetryPath}
  Readiness     ${url}/readyz

  Look at the cluster:  kubectl --kubeconfig ${adminKubeconfig} get netpol -A
  Remove a policy:      kubectl --kubeconfig ${adminKubeconfig} delete netpol -n payments default-deny-all

Press Ctrl-C to stop.
`);
  stopOnSignals(async () => {
    sim.stopChurn();
    await running.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }, log);
}
