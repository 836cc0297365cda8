// `netpol-exporter demo`: the simulated API server seeded with a realistic cluster and steady churn, and the
// exporter connected to it through the same client code a real cluster uses (HTTPS, bearer token).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { POLICY_SOURCES } from '../core/sources/index.ts';
import { createLogger } from '../support/log.ts';
import { DEMO_EXTRA_KINDS, demoCluster, demoOutsideProtection } from './demo-cluster.ts';
import type { ServeConfig } from './flags.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { startExporter, stopOnSignals } from './serve.ts';

/**
 * The exporter's token gets exactly what its ClusterRole (deploy/base) grants in a real cluster: Namespaces and
 * every policy kind it counts (a test holds the two together).
 */
export const EXPORTER_PERMISSIONS = [
  { resource: 'namespaces', group: '', verbs: ['list', 'watch'] },
  ...POLICY_SOURCES.map((s) => ({ resource: s.resource, group: s.group, verbs: ['list', 'watch'] })),
];

/** The demo's exporter runs as the default install does. */
export const DEMO_PERMISSIONS = EXPORTER_PERMISSIONS;

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
