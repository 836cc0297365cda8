// `netpol-exporter demo`: the simulated API server seeded with a realistic cluster and steady churn, and the
// exporter connected to it through the same client code a real cluster uses (HTTPS, bearer token).
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { stringify } from 'yaml';
import { classifyInternetFacing } from '../core/internet-facing/classify.ts';
import { ingressFacts, serviceFacts } from '../core/internet-facing/facts.ts';
import { POLICY_SOURCES } from '../core/sources/index.ts';
import { entryPointAllows } from '../remediate/entry-points.ts';
import { remediationPolicies } from '../remediate/policies.ts';
import { createLogger } from '../support/log.ts';
import {
  DEMO_EXTRA_KINDS,
  DEMO_WALKTHROUGH,
  demoCluster,
  demoOutsideProtection,
  demoPods,
} from './demo-cluster.ts';
import type { ServeConfig } from './flags.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { startExporter, stopOnSignals } from './serve.ts';

/**
 * The exporter's token gets exactly what its ClusterRole (deploy/base) grants in a real cluster: Namespaces and
 * every policy kind it counts (a test holds the two together).
 */
export const EXPORTER_PERMISSIONS = [
  { resource: 'namespaces', group: '', verbs: ['list', 'watch'] },
  // What opens a namespace to the internet (--internet-facing): objects without secrets, read by list and watch.
  { resource: 'services', group: '', verbs: ['list', 'watch'] },
  { resource: 'ingresses', group: 'networking.k8s.io', verbs: ['list', 'watch'] },
  ...POLICY_SOURCES.map((s) => ({ resource: s.resource, group: s.group, verbs: ['list', 'watch'] })),
];

/** What deploy/components/gateway-api adds to the ClusterRole. */
const GATEWAY_API_PERMISSIONS = [
  'httproutes',
  'grpcroutes',
  'tlsroutes',
  'tcproutes',
  'udproutes',
  'referencegrants',
].map((resource) => ({ resource, group: 'gateway.networking.k8s.io', verbs: ['list', 'watch'] }));

/**
 * The demo's exporter runs as the default install does on a cluster with the Gateway API installed (its simulator
 * serves HTTPRoutes): deploy/base plus components/gateway-api.
 */
export const DEMO_PERMISSIONS = [...EXPORTER_PERMISSIONS, ...GATEWAY_API_PERMISSIONS];

/**
 * What deploy/components/pod-isolation adds to the ClusterRole. The demo grants it only with --pod-isolation, so
 * its token always holds what a real install with the same flags would.
 */
export const POD_ISOLATION_PERMISSIONS = [{ resource: 'pods', group: '', verbs: ['list', 'watch'] }];

/** A word of a printed command, quoted for a POSIX shell when it needs it (a temporary folder may hold spaces). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function runDemo(config: ServeConfig): Promise<void> {
  const log = createLogger(config.logLevel, config.logFormat);
  const dir = await mkdtemp(join(tmpdir(), 'netpol-demo-'));
  // The folder holds an admin token: it goes on every way out. The exit hook covers a failed start and the
  // shutdown deadline's forced exit; the signal handlers are installed first, so a Ctrl-C during start-up also
  // stops what has started so far.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const started: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopPart of started.splice(0).reverse()) await stopPart().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  stopOnSignals(stop, log);

  try {
    const sim = await SimulatedCluster.start({ port: 0, enabledKinds: DEMO_EXTRA_KINDS });
    started.push(() => sim.stop());
    const objects = [...demoCluster(), ...demoOutsideProtection(), ...demoPods()];
    for (const obj of objects) sim.create(obj);
    sim.addToken('demo-exporter-token', [
      ...DEMO_PERMISSIONS,
      ...(config.podIsolation ? POD_ISOLATION_PERMISSIONS : []),
    ]);
    const exporterKubeconfig = join(dir, 'exporter.kubeconfig');
    const adminKubeconfig = join(dir, 'admin.kubeconfig');
    await sim.writeKubeconfig(exporterKubeconfig, { token: 'demo-exporter-token' });
    await sim.writeKubeconfig(adminKubeconfig);
    const { remove, protect } = DEMO_WALKTHROUGH;
    // What `netpol-exporter remediate --ingress-controller-namespaces=ingress-nginx` would write for the namespace,
    // ready for `kubectl create -f`: the default deny, and the allow that keeps its Ingress backend reachable.
    const services = objects
      .flatMap((o) => (o.kind === 'Service' ? [serviceFacts(o)] : []))
      .filter((f) => !!f);
    const internet = classifyInternetFacing({
      services,
      ingresses: objects.flatMap((o) => (o.kind === 'Ingress' ? [ingressFacts(o)] : [])).filter((f) => !!f),
      routes: [],
      referenceGrants: [],
    });
    const entry = entryPointAllows(protect, internet.byNamespace.get(protect) ?? [], {
      services: new Map(services.map((f) => [`${f.namespace}/${f.name}`, f])),
      controllerNamespaces: ['ingress-nginx'],
      controllersForward: true,
    });
    const protectFile = join(dir, `protect-${protect}.yaml`);
    await writeFile(
      protectFile,
      [
        ...remediationPolicies(protect, {
          mode: 'deny-all',
          allowDns: true,
          dnsNamespaces: ['kube-system'],
          dnsPodLabels: { 'k8s-app': 'kube-dns' },
        }),
        ...entry.policies,
      ]
        .map((p) => stringify(p))
        .join('---\n'),
    );

    const running = await startExporter(config, loadKubeConfig(exporterKubeconfig, ''), log);
    started.push(() => running.stop());
    // Policies and namespaces come and go every few seconds, as in a busy cluster; the walkthrough's namespaces
    // hold still, so the commands below change exactly the verdicts they say.
    sim.startChurn({
      eventsPerSecond: 0.5,
      seed: Date.now() % 100000,
      spareNamespaces: [remove.namespace, protect],
    });
    started.push(async () => sim.stopChurn());

    const url = running.http.url;
    const kubectl = `kubectl --kubeconfig ${shellWord(adminKubeconfig)}`;
    const covered = `netpol_namespace_covered\\{namespace="(${remove.namespace}|${protect})"`;
    process.stdout.write(`
netpol-exporter demo is running against a simulated cluster (${sim.url}).

  Status page   ${url}/
  Metrics       ${url}${config.telemetryPath}
  Readiness     ${url}/readyz

  Look at the cluster:  ${kubectl} get netpol -A
  Watch two verdicts:   curl -s ${url}${config.telemetryPath} | grep -E '${covered}'

  Remove a policy:      ${kubectl} delete netpol -n ${remove.namespace} ${remove.policy}
                        (the only policy of ${remove.namespace}: its netpol_namespace_covered goes from 1 to 0)
  Protect a namespace:  ${kubectl} create -f ${shellWord(protectFile)}
                        (a default deny for ${protect}, which has none, and the allow that keeps its Ingress
                        backend reachable from ingress-nginx: covered goes from 0 to 1)

  Internet-facing:      curl -s ${url}${config.telemetryPath} | grep netpol_namespace_internet_facing
                        (${protect} is reached through Ingress ${protect}/billing and has no policy: the first
                        namespace to remediate, and NetpolInternetFacingNamespaceUncovered is critical for it)

Churn leaves ${remove.namespace} and ${protect} alone. Press Ctrl-C to stop.
`);
  } catch (err) {
    await stop();
    throw err;
  }
}
