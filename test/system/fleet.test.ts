// A fleet as platform teams run it: one exporter per cluster, one Prometheus-compatible store for all of them. Two
// simulated clusters, two exporter processes, and one real Prometheus that labels each target with its `cluster`
// (as a Thanos or Mimir global view sees the series, through external labels) and runs the bundled rules (`for:`
// shortened). Both clusters hold a namespace called `payments`, covered in one and not in the other, so a rule or
// panel that forgot `cluster` in a `by` or `on` mixes them up and fails here.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { rulesPath } from '../../deploy/rules/generate.ts';
import { expandVariables } from '../../grafana/variables.ts';
import { EXPORTER_PERMISSIONS, POD_ISOLATION_PERMISSIONS } from '../../src/cli/demo.ts';
import { demoCluster, demoPods } from '../../src/cli/demo-cluster.ts';
import { exitOf, killSpawned, listeningAddress, spawnExporter } from '../helpers/exporter.ts';
import {
  dashboardQueryResults,
  Prometheus,
  type PrometheusAlert,
  recordingRuleResults,
  type Sample,
  waitFor,
  withAlertFor,
} from '../helpers/prometheus.ts';

const JOB = 'netpol-exporter';
const UNCOVERED = 'NetpolNamespaceUncovered';
const EXEMPTION = 'netpol-exporter.io/';
const DASHBOARD = new URL('../../grafana/netpol-exporter.json', import.meta.url);

type Obj = {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
};

const namespace = (name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(annotations ? { annotations } : {}) },
});
const denyAll = (ns: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'default-deny-all', namespace: ns },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
});
const pod = (ns: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
});

/**
 * A second, smaller cluster: its `payments` has no policy (the demo's has three), its `ci-runners` is exempt (the
 * demo's is not, and alerts), and pods run in two namespaces, so every panel has data for it too.
 */
function westCluster(): Record<string, unknown>[] {
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  return [
    namespace('payments'),
    pod('payments', 'api-0'),
    namespace('checkout'),
    denyAll('checkout'),
    pod('checkout', 'web-0'),
    namespace('data-lake'),
    // An Ingress into data-lake, which has no policy: west's uncovered internet-facing namespace.
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'lake-ui', namespace: 'data-lake' },
      spec: {
        rules: [
          {
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'ui', port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    },
    namespace('ci-runners', {
      [`${EXEMPTION}exempt`]: 'true',
      [`${EXEMPTION}owner`]: 'west-platform@example.com',
      [`${EXEMPTION}reason`]: 'Scratch space, no production data',
      [`${EXEMPTION}expires`]: expires,
    }),
  ];
}

function validlyExempt(ns: Obj): boolean {
  const a = ns.metadata?.annotations ?? {};
  return (
    a[`${EXEMPTION}exempt`] === 'true' &&
    !!a[`${EXEMPTION}owner`] &&
    !!a[`${EXEMPTION}reason`] &&
    Date.parse(a[`${EXEMPTION}expires`] ?? '') > Date.now()
  );
}

/** One cluster's answers from the simulator's own objects (not the exporter's core): the independent truth. */
function truthOf(sim: SimulatedCluster) {
  const withPolicy = new Set((sim.list('networkpolicies') as Obj[]).map((p) => p.metadata?.namespace));
  const active = (sim.list('namespaces') as Obj[]).filter((ns) => !ns.metadata?.deletionTimestamp);
  const uncovered = active.filter((ns) => !withPolicy.has(ns.metadata?.name));
  const names = (list: Obj[]) => list.map((ns) => ns.metadata?.name as string).sort();
  // Reached from the internet (these clusters' entry points are plain: a LoadBalancer Service, an Ingress): their
  // uncovered namespaces alert as the critical NetpolInternetFacingNamespaceUncovered instead.
  const internet = new Set<string | undefined>();
  for (const svc of sim.list('services') as (Obj & { spec?: { type?: string } })[])
    if (svc.spec?.type === 'LoadBalancer' || svc.spec?.type === 'NodePort')
      internet.add(svc.metadata?.namespace);
  for (const ingress of sim.list('ingresses') as Obj[]) internet.add(ingress.metadata?.namespace);
  const alerting = uncovered.filter((ns) => !validlyExempt(ns));
  return {
    active: active.length,
    uncovered: names(uncovered),
    alerting: names(alerting.filter((ns) => !internet.has(ns.metadata?.name))),
    internetAlerting: names(alerting.filter((ns) => internet.has(ns.metadata?.name))),
    // Exempt ones included, as the coverage figures count them.
    internetUncovered: names(uncovered.filter((ns) => internet.has(ns.metadata?.name))),
    exempt: active.filter(validlyExempt).length,
  };
}

const clusters = ['east', 'west'] as const;
type Cluster = (typeof clusters)[number];

const clustersIn = (samples: { metric: Record<string, string> }[]) =>
  [...new Set(samples.map((s) => s.metric.cluster))].sort();
/** An answer counts as complete once both clusters are in it. */
const everyCluster = (samples: Sample[]) =>
  JSON.stringify(clustersIn(samples)) === JSON.stringify([...clusters]);
const labelNames = (s: Sample) =>
  Object.keys(s.metric)
    .filter((k) => k !== '__name__')
    .sort();
const inCluster = (samples: Sample[], cluster: Cluster) =>
  samples.filter((s) => s.metric.cluster === cluster);
const firing = (alerts: PrometheusAlert[], name: string) =>
  alerts.filter((a) => a.labels.alertname === name && a.state === 'firing');

describe('fleet: two clusters, two exporters, one Prometheus', function () {
  // Each stage takes a few seconds (1 s scrape and evaluation, `for: 2s`); the whole file about 30 s.
  this.timeout(120_000);
  let dir: string;
  const sims = new Map<Cluster, SimulatedCluster>();
  const exporters = new Map<Cluster, ReturnType<typeof spawnExporter>>();
  const addresses = new Map<Cluster, string>();
  let prometheus: Prometheus;

  const explain = async (err: Error): Promise<never> => {
    const alerts = await prometheus.alerts().catch(() => []);
    throw new Error(
      `${err.message}\nPrometheus alerts: ${JSON.stringify(alerts.map((a) => [a.state, a.labels]))}\n` +
        `--- prometheus ---\n${prometheus.logs.slice(-3000)}`,
    );
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-fleet-'));
    for (const cluster of clusters) {
      const sim = await SimulatedCluster.start({ port: 0 });
      sims.set(cluster, sim);
      const objects = cluster === 'east' ? [...demoCluster(), ...demoPods()] : westCluster();
      for (const obj of objects) sim.create(obj);
      sim.addToken(`${cluster}-exporter`, [...EXPORTER_PERMISSIONS, ...POD_ISOLATION_PERMISSIONS]);
      const kubeconfig = join(dir, `${cluster}.kubeconfig`);
      await sim.writeKubeconfig(kubeconfig, { token: `${cluster}-exporter` });
      const exporter = spawnExporter(['--web.listen-address=127.0.0.1:0', '--pod-isolation'], {
        KUBECONFIG: kubeconfig,
      });
      exporters.set(cluster, exporter);
      const address = await listeningAddress(exporter);
      addresses.set(cluster, address);
      await waitFor(`the ${cluster} exporter ready`, async () =>
        (await fetch(`http://${address}/readyz`)).ok ? true : undefined,
      );
      // A watch restart, so the dashboard's restart panel has a series for this cluster too.
      await waitFor(`a watch restart counted in ${cluster}`, async () => {
        sim.faults.closeWatches();
        const metrics = await (await fetch(`http://${address}/metrics`)).text();
        return /^netpol_exporter_watch_restarts_total\{/m.test(metrics) ? true : undefined;
      });
    }
    prometheus = await Prometheus.start({
      job: JOB,
      // One static group per cluster, each with its `cluster` label: what external_labels give a global view.
      targetGroups: clusters.map((cluster) => ({
        targets: [addresses.get(cluster) as string],
        labels: { cluster },
      })),
      rules: [withAlertFor(await readFile(rulesPath, 'utf8'), '2s')],
      scrapeInterval: '1s',
      evaluationInterval: '1s',
    });
  });

  after(async () => {
    await prometheus?.stop();
    for (const exporter of exporters.values()) await killSpawned(exporter);
    for (const sim of sims.values()) await sim.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const truth = (cluster: Cluster) => truthOf(sims.get(cluster) as SimulatedCluster);

  it('fires NetpolNamespaceUncovered with `cluster` for exactly each cluster’s uncovered namespaces', async () => {
    const expected = clusters.flatMap((c) => truth(c).alerting.map((ns) => `${c}/${ns}`)).sort();
    expect(expected).to.include('west/payments').and.not.include('east/payments');
    expect(expected).to.include.members(['east/default', 'west/kube-system']);
    const critical = clusters.flatMap((c) => truth(c).internetAlerting.map((ns) => `${c}/${ns}`)).sort();
    expect(critical).to.deep.equal(['east/legacy-billing', 'west/data-lake']);
    expect(expected).to.include('east/ci-runners').and.not.include('west/ci-runners'); // exempt in west only

    const key = (a: PrometheusAlert) => `${a.labels.cluster}/${a.labels.namespace}`;
    await waitFor('each cluster’s uncovered namespaces to fire', async () => {
      const got = firing(await prometheus.alerts(), UNCOVERED)
        .map(key)
        .sort();
      return JSON.stringify(got) === JSON.stringify(expected) ? true : undefined;
    }).catch(explain);
    await waitFor('each cluster’s uncovered internet-facing namespaces to fire as critical', async () => {
      const got = firing(await prometheus.alerts(), 'NetpolInternetFacingNamespaceUncovered')
        .map(key)
        .sort();
      return JSON.stringify(got) === JSON.stringify(critical) ? true : undefined;
    }).catch(explain);

    const west = firing(await prometheus.alerts(), UNCOVERED).find((a) => key(a) === 'west/payments');
    expect(west?.labels).to.deep.equal({
      alertname: UNCOVERED,
      cluster: 'west',
      namespace: 'payments',
      severity: 'warning',
    });
    expect(west?.annotations.description).to.match(/^Namespace payments in cluster west is Active/);

    // Every alert that fires names its cluster, so a fleet's Alertmanager can route and group by it.
    // (NetpolExporterAbsent's absent() may fire without one for a moment before the first scrape: wait it out.)
    await waitFor('every firing alert to carry a cluster', async () =>
      (await prometheus.alerts()).filter((a) => a.state === 'firing').every((a) => a.labels.cluster)
        ? true
        : undefined,
    ).catch(explain);
  });

  it('every recording rule returns one series per cluster (and per its other labels), matching that cluster', async () => {
    const records = await recordingRuleResults(prometheus, everyCluster);
    for (const [record, samples] of records) {
      // `cluster_direction:...` is one series per cluster and direction: the level names the labels.
      const level = (record.split(':')[0] as string).split('_').sort();
      for (const s of samples) expect(labelNames(s), record).to.deep.equal(level);
      expect(clustersIn(samples), record).to.deep.equal([...clusters]);
      if (level.length === 1)
        for (const c of clusters) expect(inCluster(samples, c), `${record} in ${c}`).to.have.length(1);
    }
    const value = (record: string, c: Cluster) =>
      Number(inCluster(records.get(record) ?? [], c)[0]?.value[1]);
    for (const c of clusters) {
      const t = truth(c);
      expect(value('cluster:netpol_namespaces:count', c), c).to.equal(t.active);
      expect(value('cluster:netpol_namespaces_uncovered:count', c), c).to.equal(t.uncovered.length);
      expect(value('cluster:netpol_namespaces_covered:count', c), c).to.equal(t.active - t.uncovered.length);
      expect(value('cluster:netpol_namespaces_exempt:count', c), c).to.equal(t.exempt);
      expect(value('cluster:netpol_namespaces_internet_facing_uncovered:count', c), c).to.equal(
        t.internetUncovered.length,
      );
      expect(value('cluster:netpol_namespace_coverage:ratio', c), c).to.be.closeTo(
        (t.active - t.uncovered.length) / t.active,
        1e-9,
      );
    }
  });

  it('every dashboard query returns each cluster apart; the per-cluster panels one series per cluster', async () => {
    const panels = await dashboardQueryResults(prometheus, everyCluster);
    for (const [name, samples] of panels) {
      expect(clustersIn(samples), name).to.deep.equal([...clusters]);
      // A panel grouped by cluster alone (or cluster and job) shows one value per cluster.
      const grouping = [...new Set(samples.map((s) => labelNames(s).join(',')))];
      if (grouping.every((g) => g === 'cluster' || g === 'cluster,job'))
        for (const c of clusters) expect(inCluster(samples, c), `${name} in ${c}`).to.have.length(1);
    }
    for (const c of clusters) {
      const t = truth(c);
      expect(Number(inCluster(panels.get('uncoveredCount') ?? [], c)[0]?.value[1]), c).to.equal(
        t.uncovered.length,
      );
      const table = inCluster(panels.get('uncoveredNamespaceAge') ?? [], c).map((s) => s.metric.namespace);
      expect(table.sort(), `the uncovered namespaces table in ${c}`).to.deep.equal(t.uncovered);
      expect(Number(inCluster(panels.get('targetsUp') ?? [], c)[0]?.value[1]), c).to.equal(1);
      expect(Number(inCluster(panels.get('internetFacingUncoveredCount') ?? [], c)[0]?.value[1]), c).to.equal(
        t.internetUncovered.length,
      );
    }
    // The figures a fleet view reads first: one value per cluster, never one summed over the fleet.
    for (const name of [
      'coverageRatio',
      'uncoveredCount',
      'internetFacingUncoveredCount',
      'exemptCount',
      'excludedCount',
      'targetsUp',
    ] as const)
      for (const c of clusters)
        expect(inCluster(panels.get(name) ?? [], c), `${name} in ${c}`).to.have.length(1);
  });

  it('the dashboard’s cluster variable lists both clusters, and its instance variable one exporter per cluster', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      templating: { list: { name: string; query?: unknown }[] };
    };
    const variable = (name: string) => {
      const query = dashboard.templating.list.find((v) => v.name === name)?.query;
      const q = typeof query === 'string' ? query : (query as { query?: string } | undefined)?.query;
      const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q ?? '');
      if (!m) throw new Error(`variable ${name}: not label_values(selector, label): ${q}`);
      return { selector: m[1] as string, label: m[2] as string };
    };
    const values = async (name: string, overrides: Record<string, string> = {}) => {
      const { selector, label } = variable(name);
      const samples = await prometheus.query(expandVariables(selector, overrides));
      return [...new Set(samples.map((s) => s.metric[label]))].sort();
    };
    expect(await values('cluster')).to.deep.equal([...clusters]);
    for (const c of clusters)
      expect(await values('instance', { cluster: c, job: JOB }), c).to.deep.equal([addresses.get(c)]);
  });

  it('a stopped exporter is reported for its own cluster; the other cluster keeps its alerts', async () => {
    const west = exporters.get('west') as ReturnType<typeof spawnExporter>;
    process.kill(west.pid as number, 'SIGTERM');
    expect((await exitOf(west)).code, 'a clean exit on SIGTERM').to.equal(0);

    const down = await waitFor('NetpolExporterDown for west', async () => {
      const alerts = firing(await prometheus.alerts(), 'NetpolExporterDown');
      return alerts.length > 0 ? alerts : undefined;
    }).catch(explain);
    expect(down.map((a) => [a.labels.cluster, a.labels.instance])).to.deep.equal([
      ['west', addresses.get('west')],
    ]);
    const eastUncovered = firing(await prometheus.alerts(), UNCOVERED)
      .filter((a) => a.labels.cluster === 'east')
      .map((a) => a.labels.namespace)
      .sort();
    expect(eastUncovered).to.deep.equal(truth('east').alerting);
  });
});
