// `netpol-exporter simulate`: the simulated Kubernetes API server on its own, seeded from a scenario and/or a
// generated scale, with a kubeconfig written for kubectl and the exporter. Flag parsing lives in simulate-main.ts.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';

export interface SimulateOptions {
  scenario?: string;
  scale?: { namespaces: number; policiesPerNamespace: number };
  port?: number;
  /** Changes per second (0/undefined = none). */
  churn?: number;
  kubeconfigOut?: string;
  enabledKinds?: string[];
}

export async function runSimulate(
  opts: SimulateOptions,
  log: (line: string) => void,
): Promise<SimulatedCluster> {
  const sim = await SimulatedCluster.start({
    port: opts.port ?? 0,
    ...(opts.enabledKinds ? { enabledKinds: opts.enabledKinds } : {}),
  });
  try {
    if (opts.scenario) {
      const started = performance.now();
      const r = await sim.loadManifests(opts.scenario);
      log(
        `loaded ${r.objects} objects from ${opts.scenario} in ${Math.round(performance.now() - started)} ms`,
      );
    }
    if (opts.scale && opts.scale.namespaces > 0) {
      const started = performance.now();
      const r = sim.seedScale(opts.scale);
      log(
        `generated ${r.namespaces} namespaces (${r.uncovered.length} without policies), ${r.policies} network policies ` +
          `in ${Math.round(performance.now() - started)} ms`,
      );
    }
    const kubeconfig = opts.kubeconfigOut
      ? resolve(opts.kubeconfigOut)
      : join(await mkdtemp(join(tmpdir(), 'netpol-sim-')), 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    if (opts.churn && opts.churn > 0) sim.startChurn({ eventsPerSecond: opts.churn, seed: 1 });
    log(
      `simulated Kubernetes API server listening on ${sim.url}${opts.churn ? ` (churn: ${opts.churn}/s)` : ''}`,
    );
    log(`kubeconfig (admin token, CA included): ${kubeconfig}`);
    log(`  kubectl --kubeconfig ${kubeconfig} get namespaces`);
    log(`  kubectl --kubeconfig ${kubeconfig} get networkpolicies -A`);
    log(`  KUBECONFIG=${kubeconfig} netpol-exporter serve`);
    return sim;
  } catch (e) {
    await sim.stop();
    throw e;
  }
}
