// The whole pipeline with real parts on loopback: the simulated API server seeded with the demo cluster, the
// exporter as its own process (HTTPS, a token with exactly the ClusterRole's permissions), a real Prometheus scraping
// it with the bundled rules (`for:` shortened) and a real Alertmanager notifying a webhook run by this test.
// What a user would notice: the right namespaces page someone, fixing one stops its alert, Terminating namespaces
// stay quiet, a dead exporter is reported, and every dashboard panel and recording rule has data.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { rulesPath } from '../../deploy/rules/generate.ts';
import { queries } from '../../grafana/queries.ts';
import { expandVariables } from '../../grafana/variables.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { demoCluster } from '../../src/cli/demo-cluster.ts';
import { exitOf, killSpawned, listeningAddress, spawnExporter } from '../helpers/exporter.ts';
import {
  Alertmanager,
  dashboardQueryResults,
  type NotifiedAlert,
  Prometheus,
  type PrometheusAlert,
  recordingRuleResults,
  type Stoppable,
  WebhookReceiver,
  waitFor,
  withAlertFor,
} from '../helpers/prometheus.ts';

const CLUSTER = 'e2e';
const JOB = 'netpol-exporter';
const UNCOVERED = 'NetpolNamespaceUncovered';
const INTERNET_UNCOVERED = 'NetpolInternetFacingNamespaceUncovered';
const OPEN_TO_ALL = 'NetpolNamespaceReachableFromAllNamespaces';
// A namespace whose default deny is undone by an allow-all beside it: open to every namespace until narrowed.
const OPEN_DOOR = 'open-door';
// Uncovered in the demo cluster: one is deleted (and stays Terminating), one gets an approved exemption, one
// gets a policy during the test.
const TERMINATING = 'experiments';
const EXEMPT = 'sandbox-bob';
const FIXED = 'sandbox-alice';
const EXEMPTION = 'netpol-exporter.io/';

type Obj = {
  metadata?: {
    name?: string;
    namespace?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
};

/** A well-formed exemption (owner, reason, expiry) that has not expired. */
function validlyExempt(ns: Obj): boolean {
  const a = ns.metadata?.annotations ?? {};
  const expires = Date.parse(a[`${EXEMPTION}expires`] ?? '');
  return (
    a[`${EXEMPTION}exempt`] === 'true' &&
    !!a[`${EXEMPTION}owner`] &&
    !!a[`${EXEMPTION}reason`] &&
    expires > Date.now()
  );
}

/**
 * The literal CIS 5.3.2 answer from the simulator's own objects: Active namespaces holding no NetworkPolicy and
 * under no approved exemption. Deliberately not the exporter's core, so the pipeline is checked against an
 * independent truth.
 */
function uncoveredActiveNamespaces(sim: SimulatedCluster): string[] {
  const withPolicy = new Set((sim.list('networkpolicies') as Obj[]).map((p) => p.metadata?.namespace));
  return (sim.list('namespaces') as Obj[])
    .filter((ns) => !ns.metadata?.deletionTimestamp && !validlyExempt(ns))
    .map((ns) => ns.metadata?.name as string)
    .filter((name) => !withPolicy.has(name))
    .sort();
}

/**
 * Namespaces the internet reaches, from the simulator's own objects (the demo's are plain: a LoadBalancer Service
 * without a cloud's internal annotation, an Ingress): their uncovered ones alert as the critical
 * NetpolInternetFacingNamespaceUncovered instead of NetpolNamespaceUncovered.
 */
function internetFacingNamespaces(sim: SimulatedCluster): Set<string> {
  const names = new Set<string>();
  for (const svc of sim.list('services') as (Obj & { spec?: { type?: string } })[])
    if (svc.spec?.type === 'LoadBalancer' || svc.spec?.type === 'NodePort')
      names.add(svc.metadata?.namespace ?? '');
  for (const ingress of sim.list('ingresses') as Obj[]) names.add(ingress.metadata?.namespace ?? '');
  return names;
}

/** The uncovered Active namespaces each alert names: the internet-facing ones, and the rest. */
function uncoveredByAlert(sim: SimulatedCluster): { internetFacing: string[]; rest: string[] } {
  const internet = internetFacingNamespaces(sim);
  const uncovered = uncoveredActiveNamespaces(sim);
  return {
    internetFacing: uncovered.filter((n) => internet.has(n)),
    rest: uncovered.filter((n) => !internet.has(n)),
  };
}

/**
 * Active, protected, not exempt namespaces that pods of every namespace can reach, from the simulator's own objects
 * and deliberately not the exporter's core: with --pod-isolation, a namespace is open when one of its pods is
 * selected by no ingress policy, or by one whose rule admits every namespace (no `from`, or `namespaceSelector: {}`).
 * The pipeline's policies use matchLabels only, which is all this reads.
 */
function openToAllNamespaces(sim: SimulatedCluster): string[] {
  type Spec = {
    podSelector?: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: { from?: { namespaceSelector?: Record<string, unknown>; podSelector?: unknown }[] }[];
  };
  const policies = (sim.list('networkpolicies') as Obj[]).map((p) => ({
    namespace: p.metadata?.namespace,
    spec: (p.spec ?? {}) as Spec,
  }));
  const selects = (spec: Spec, labels: Record<string, string>) =>
    Object.entries(spec.podSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const ingressApplies = (spec: Spec) => !spec.policyTypes?.length || spec.policyTypes.includes('Ingress');
  const admitsEveryNamespace = (spec: Spec) =>
    (spec.ingress ?? []).some(
      (rule) =>
        !rule.from?.length ||
        rule.from.some((peer) => peer.namespaceSelector && Object.keys(peer.namespaceSelector).length === 0),
    );
  const pods = sim.list('pods') as Obj[];
  return (sim.list('namespaces') as Obj[])
    .filter((ns) => !ns.metadata?.deletionTimestamp && !validlyExempt(ns))
    .map((ns) => ns.metadata?.name as string)
    .filter((name) => policies.some((p) => p.namespace === name))
    .filter((name) =>
      pods
        .filter((pod) => pod.metadata?.namespace === name)
        .some((pod) => {
          const selecting = policies.filter(
            (p) =>
              p.namespace === name && ingressApplies(p.spec) && selects(p.spec, pod.metadata?.labels ?? {}),
          );
          return selecting.length === 0 || selecting.some((p) => admitsEveryNamespace(p.spec));
        }),
    )
    .sort();
}

const pod = (namespace: string, name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
});

const firing = (alerts: PrometheusAlert[], name: string) =>
  alerts.filter((a) => a.labels.alertname === name && a.state === 'firing');

describe('pipeline: simulator -> exporter -> Prometheus -> Alertmanager', function () {
  // Each stage takes a few seconds (1 s scrape and evaluation, `for: 2s`, 2 s resend delay); the whole file ~30 s.
  this.timeout(120_000);
  const started: Stoppable[] = [];
  let dir: string;
  let sim: SimulatedCluster;
  let exporter: ReturnType<typeof spawnExporter>;
  let exporterAddress: string;
  let webhook: WebhookReceiver;
  let alertmanager: Alertmanager;
  let prometheus: Prometheus;

  /** Adds Prometheus' and Alertmanager's view to a timeout, so a failure explains itself. */
  const explain = async (err: Error): Promise<never> => {
    const alerts = await prometheus.alerts().catch(() => []);
    throw new Error(
      `${err.message}\nPrometheus alerts: ${JSON.stringify(alerts)}\n` +
        `Webhook: ${JSON.stringify(webhook.alerts.map((a) => [a.status, a.labels]))}\n` +
        `--- prometheus ---\n${prometheus.logs.slice(-3000)}\n--- exporter ---\n${exporter.output().slice(-3000)}`,
    );
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-pipeline-'));
    // Deleted namespaces stay Terminating for the whole test, as one with a stuck finalizer does.
    sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 10 * 60_000 });
    for (const obj of demoCluster()) sim.create(obj);
    sim.delete('namespaces', undefined, TERMINATING);
    const exempt = sim.get('namespaces', undefined, EXEMPT) as Obj & Record<string, unknown>;
    sim.update({
      ...exempt,
      metadata: {
        ...exempt.metadata,
        annotations: {
          [`${EXEMPTION}exempt`]: 'true',
          [`${EXEMPTION}owner`]: 'team-dev',
          [`${EXEMPTION}reason`]: 'sandbox, no production data',
          [`${EXEMPTION}expires`]: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        },
      },
    });
    // Pods for --pod-isolation (the dashboard's isolated-share panel): isolated in payments (default deny), not in
    // search (its only policy selects no pod).
    sim.create(pod('payments', 'api-1', { app: 'api' }));
    sim.create(pod('search', 'elasticsearch-1', { app: 'elasticsearch' }));
    // Exposure: a default deny undone by an allow-all beside it (narrowed during the test).
    sim.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: OPEN_DOOR, labels: { team: 'web' } },
    });
    for (const [name, spec] of [
      ['default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }],
      ['allow-all', { podSelector: {}, ingress: [{}] }],
    ] as const)
      sim.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, namespace: OPEN_DOOR },
        spec,
      });
    sim.create(pod(OPEN_DOOR, 'web-1', { app: 'web' }));
    sim.addToken('pipeline-exporter', [
      ...EXPORTER_PERMISSIONS,
      { resource: 'pods', group: '', verbs: ['list', 'watch'] },
    ]);
    const kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { token: 'pipeline-exporter' });

    exporter = spawnExporter(['--web.listen-address=127.0.0.1:0', '--pod-isolation'], {
      KUBECONFIG: kubeconfig,
    });
    const url = await listeningAddress(exporter);
    exporterAddress = url;
    await waitFor('the exporter ready', async () =>
      (await fetch(`http://${url}/readyz`)).ok ? true : undefined,
    );
    // A watch restart, so netpol_exporter_watch_restarts_total has a series for the dashboard's restart panel.
    // Ready means listed, not yet watching: close the watches until one of them has been open.
    await waitFor('a watch restart counted by the exporter', async () => {
      sim.faults.closeWatches();
      const metrics = await (await fetch(`http://${url}/metrics`)).text();
      return /^netpol_exporter_watch_restarts_total\{/m.test(metrics) ? true : undefined;
    });

    webhook = await WebhookReceiver.start();
    started.push(webhook);
    alertmanager = await Alertmanager.start({ webhookUrl: webhook.url });
    started.push(alertmanager);
    prometheus = await Prometheus.start({
      job: JOB,
      targets: [exporterAddress],
      // As a Thanos/Mimir global view sees it: every series carries `cluster`, so the rules' joins are exercised.
      targetLabels: { cluster: CLUSTER },
      rules: [withAlertFor(await readFile(rulesPath, 'utf8'), '2s')],
      alertmanager: alertmanager.address,
      scrapeInterval: '1s',
      evaluationInterval: '1s',
    });
    started.push(prometheus);
  });

  after(async () => {
    // Prometheus stops sending before Alertmanager and the receiver go; the exporter and simulator last.
    for (const s of started.reverse()) await s.stop();
    await killSpawned(exporter);
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fires NetpolNamespaceUncovered for exactly the uncovered Active namespaces, up to Alertmanager', async () => {
    const { internetFacing, rest: expected } = uncoveredByAlert(sim);
    expect(expected).to.include(FIXED).and.not.include.members([TERMINATING, EXEMPT]);
    expect(expected).to.include.members(['default', 'kube-system']); // CIS 5.3.2 spares no namespace
    // The demo's Ingress makes legacy-billing internet-facing: it alerts as critical, under its own name.
    expect(internetFacing).to.deep.equal(['legacy-billing']);
    const critical = await waitFor(
      'the internet-facing uncovered namespace to fire in Prometheus',
      async () => {
        const names = firing(await prometheus.alerts(), INTERNET_UNCOVERED)
          .map((a) => a.labels.namespace as string)
          .sort();
        return JSON.stringify(names) === JSON.stringify(internetFacing) ? names : undefined;
      },
    ).catch(explain);
    expect(critical).to.deep.equal(internetFacing);

    const inPrometheus = await waitFor('the uncovered namespaces to fire in Prometheus', async () => {
      const names = firing(await prometheus.alerts(), UNCOVERED)
        .map((a) => a.labels.namespace as string)
        .sort();
      return JSON.stringify(names) === JSON.stringify(expected) ? names : undefined;
    }).catch(explain);
    expect(inPrometheus).to.deep.equal(expected);

    const notified = (ns: string) => (a: NotifiedAlert) =>
      a.labels.alertname === UNCOVERED && a.labels.namespace === ns && a.status === 'firing';
    await waitFor('a notification per uncovered namespace at the webhook', async () =>
      expected.every((ns) => webhook.alerts.some(notified(ns))) ? true : undefined,
    ).catch(explain);
    const notifiedDefault = webhook.alerts.find(notified('default'));
    expect(notifiedDefault?.labels).to.deep.equal({
      alertname: UNCOVERED,
      cluster: CLUSTER,
      namespace: 'default',
      severity: 'warning',
    });
    expect(notifiedDefault?.annotations).to.deep.equal({
      summary: 'A namespace is not protected by any network policy (CIS 5.3.2).',
      description:
        'Namespace default in cluster e2e is Active and has had no network policy protecting it for ' +
        'longer than its grace period: all traffic into and out of its pods is allowed.',
      runbook_url:
        'https://github.com/netpol-exporter/netpol-exporter/blob/main/docs/runbooks/netpolnamespaceuncovered.md',
    });
    // Nothing else was notified for this alert: no namespace outside the truth.
    const notifiedNamespaces = new Set(
      webhook.alerts.filter((a) => a.labels.alertname === UNCOVERED).map((a) => a.labels.namespace),
    );
    expect([...notifiedNamespaces].sort()).to.deep.equal(expected);

    const inAlertmanager = (await alertmanager.alerts())
      .filter((a) => a.labels.alertname === UNCOVERED)
      .map((a) => a.labels.namespace)
      .sort();
    expect(inAlertmanager).to.deep.equal(expected);
  });

  it('stays quiet for a Terminating namespace and an exempt one, both without policies', async () => {
    const [phase] = await prometheus.query(
      `netpol_namespace_status_phase{namespace="${TERMINATING}", phase="Terminating"} == 1`,
    );
    expect(phase?.metric, 'the exporter reports the namespace as Terminating').to.include({
      cluster: CLUSTER,
    });
    const [covered] = await prometheus.query(`netpol_namespace_covered{namespace="${TERMINATING}"}`);
    expect(covered?.value[1], 'it is uncovered').to.equal('0');
    // Checked after the alert above fired for every Active namespace: pending or firing would both be wrong.
    const alerts = (await prometheus.alerts()).filter((a) => a.labels.namespace === TERMINATING);
    expect(alerts).to.deep.equal([]);
    expect(webhook.alerts.filter((a) => a.labels.namespace === TERMINATING)).to.deep.equal([]);

    const [exempt] = await prometheus.query(`netpol_namespace_exempt{namespace="${EXEMPT}"}`);
    expect(exempt?.value[1], 'the exporter reports the exemption').to.equal('1');
    const uncoveredExempt = (await prometheus.alerts()).filter(
      (a) => a.labels.alertname === UNCOVERED && a.labels.namespace === EXEMPT,
    );
    expect(uncoveredExempt).to.deep.equal([]);
  });

  it('returns data for every recording rule and every dashboard query, matching the cluster', async () => {
    const expected = uncoveredActiveNamespaces(sim);
    const namespaces = (sim.list('namespaces') as Obj[]).filter((ns) => !ns.metadata?.deletionTimestamp);
    const active = namespaces.length;
    const exempt = namespaces.filter(validlyExempt).length;
    const uncovered = expected.length + exempt; // an exempt namespace is still uncovered, only not alerted on

    const records = await recordingRuleResults(prometheus);
    for (const [record, samples] of records) {
      for (const s of samples) expect(s.metric.cluster, record).to.equal(CLUSTER);
    }
    const value = (record: string) => Number(records.get(record)?.[0]?.value[1]);
    expect(value('cluster:netpol_namespaces:count')).to.equal(active);
    expect(value('cluster:netpol_namespaces_uncovered:count')).to.equal(uncovered);
    expect(value('cluster:netpol_namespaces_covered:count')).to.equal(active - uncovered);
    expect(value('cluster:netpol_namespace_coverage:ratio')).to.be.closeTo(
      (active - uncovered) / active,
      1e-9,
    );
    expect(value('cluster:netpol_namespaces_exempt:count')).to.equal(exempt);
    // The demo's legacy-billing, uncovered behind its Ingress (none of the exempt namespaces faces the internet).
    const internet = internetFacingNamespaces(sim);
    const internetUncovered = [
      ...expected,
      ...namespaces.filter(validlyExempt).map((ns) => ns.metadata?.name),
    ]
      .filter((name) => internet.has(name ?? ''))
      .sort();
    expect(internetUncovered).to.deep.equal(['legacy-billing']);
    expect(value('cluster:netpol_namespaces_internet_facing_uncovered:count')).to.equal(
      internetUncovered.length,
    );

    const panels = await dashboardQueryResults(prometheus);
    const table = (panels.get('uncoveredNamespaceAge') ?? []).map((s) => s.metric.namespace).sort();
    // The table lists every uncovered namespace, exempt ones included (the demo's and the test's own).
    const exemptNames = namespaces.filter(validlyExempt).map((ns) => ns.metadata?.name as string);
    expect(exemptNames).to.include(EXEMPT);
    expect(table, 'the "uncovered namespaces" table').to.deep.equal([...expected, ...exemptNames].sort());
    expect(Number(panels.get('uncoveredCount')?.[0]?.value[1])).to.equal(uncovered);
    expect(Number(panels.get('internetFacingUncoveredCount')?.[0]?.value[1])).to.equal(
      internetUncovered.length,
    );
  });

  it('resolves the alert of a namespace once it gets a NetworkPolicy', async () => {
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-ingress', namespace: FIXED },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    await waitFor('a resolved notification at the webhook', async () =>
      webhook.alerts.find(
        (a) => a.labels.alertname === UNCOVERED && a.labels.namespace === FIXED && a.status === 'resolved',
      ),
    ).catch(explain);
    const stillInPrometheus = (await prometheus.alerts()).filter(
      (a) => a.labels.alertname === UNCOVERED && a.labels.namespace === FIXED,
    );
    expect(stillInPrometheus).to.deep.equal([]);
    await waitFor('Alertmanager to drop the resolved alert', async () =>
      (await alertmanager.alerts()).some(
        (a) => a.labels.alertname === UNCOVERED && a.labels.namespace === FIXED,
      )
        ? undefined
        : true,
    );
    // The others keep firing.
    const rest = firing(await prometheus.alerts(), UNCOVERED).map((a) => a.labels.namespace);
    expect(rest.sort()).to.deep.equal(uncoveredByAlert(sim).rest);
  });

  it('fires NetpolNamespaceReachableFromAllNamespaces for exactly the protected namespaces open to every namespace', async () => {
    const expected = openToAllNamespaces(sim);
    // search: its only policy selects no pod; open-door: its default deny is undone by an allow-all; wiki: its only
    // policy allows all ingress.
    expect(expected).to.deep.equal([OPEN_DOOR, 'search', 'wiki']);
    const inPrometheus = await waitFor('the open namespaces to fire in Prometheus', async () => {
      const names = firing(await prometheus.alerts(), OPEN_TO_ALL)
        .map((a) => a.labels.namespace as string)
        .sort();
      return JSON.stringify(names) === JSON.stringify(expected) ? names : undefined;
    }).catch(explain);
    expect(inPrometheus).to.deep.equal(expected);
    const notified = await waitFor('a notification for open-door at the webhook', async () =>
      webhook.alerts.find(
        (a) =>
          a.labels.alertname === OPEN_TO_ALL && a.labels.namespace === OPEN_DOOR && a.status === 'firing',
      ),
    ).catch(explain);
    expect(notified.labels).to.deep.equal({
      alertname: OPEN_TO_ALL,
      cluster: CLUSTER,
      namespace: OPEN_DOOR,
      severity: 'warning',
    });
    expect(notified.annotations.runbook_url).to.match(
      /docs\/runbooks\/netpolnamespacereachablefromallnamespaces\.md$/,
    );
    const [undone] = await prometheus.query(
      `netpol_namespace_default_deny_undone{namespace="${OPEN_DOOR}", direction="ingress"}`,
    );
    expect(undone?.value[1], 'the undone default deny is flagged').to.equal('1');
    // The dashboard's table lists the same namespaces among those open to every namespace, as protected.
    const table = (await dashboardQueryResults(prometheus)).get('openToAllNamespaces') ?? [];
    const protectedOpen = table
      .filter((s) => s.value[1] === '1')
      .map((s) => s.metric.namespace)
      .sort();
    expect(protectedOpen).to.include.members(expected);
  });

  it('resolves NetpolNamespaceReachableFromAllNamespaces once a policy narrows', async () => {
    sim.patch('networkpolicies', OPEN_DOOR, 'allow-all', {
      spec: { ingress: [{ from: [{ podSelector: {} }] }] },
    });
    await waitFor('a resolved notification for open-door at the webhook', async () =>
      webhook.alerts.find(
        (a) =>
          a.labels.alertname === OPEN_TO_ALL && a.labels.namespace === OPEN_DOOR && a.status === 'resolved',
      ),
    ).catch(explain);
    const rest = firing(await prometheus.alerts(), OPEN_TO_ALL).map((a) => a.labels.namespace);
    expect(rest.sort()).to.deep.equal(openToAllNamespaces(sim));
    expect(rest).to.not.include(OPEN_DOOR);
  });

  it('once the internet-facing namespace is covered, its critical alert resolves and its count reads 0, not absent', async () => {
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-ingress', namespace: 'legacy-billing' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    expect(uncoveredByAlert(sim).internetFacing).to.deep.equal([]);
    const record = 'cluster:netpol_namespaces_internet_facing_uncovered:count';
    const zero = await waitFor(`${record} to read 0`, async () => {
      const samples = await prometheus.query(record);
      return samples.length === 1 && samples[0]?.value[1] === '0' ? samples : undefined;
    }).catch(explain);
    expect(zero[0]?.metric).to.deep.equal({ __name__: record, cluster: CLUSTER });
    await waitFor(`${INTERNET_UNCOVERED} to stop firing`, async () =>
      firing(await prometheus.alerts(), INTERNET_UNCOVERED).length === 0 ? true : undefined,
    ).catch(explain);
    // The dashboard's stat shows 0 for the cluster, not "No data" (its table beside it is empty now).
    const stat = await prometheus.query(expandVariables(queries.internetFacingUncoveredCount));
    expect(stat.map((s) => [s.metric.cluster, s.value[1]])).to.deep.equal([[CLUSTER, '0']]);
  });

  it('fires NetpolExporterDown when the exporter process stops', async () => {
    const down = (a: { labels: Record<string, string> }) => a.labels.alertname === 'NetpolExporterDown';
    expect((await prometheus.alerts()).filter(down), 'not before it stops').to.deep.equal([]);

    process.kill(exporter.pid as number, 'SIGTERM');
    expect((await exitOf(exporter)).code, 'a clean exit on SIGTERM').to.equal(0);

    const alert = await waitFor('NetpolExporterDown at the webhook', async () =>
      webhook.alerts.find((a) => down(a) && a.status === 'firing'),
    ).catch(explain);
    expect(alert.labels).to.deep.equal({
      alertname: 'NetpolExporterDown',
      cluster: CLUSTER,
      instance: exporterAddress,
      job: JOB,
      severity: 'warning',
    });
    expect(alert.annotations.description).to.equal(
      `Target ${exporterAddress} of job ${JOB} in cluster ${CLUSTER} has failed its scrapes for 15 minutes ` +
        '(a 5xx means its data is stale; a timeout or refusal means it is not running).',
    );
    expect(alert.annotations.runbook_url).to.match(/docs\/runbooks\/netpolexporterdown\.md$/);
    // The target is still configured, so this is "down", not "absent".
    expect(firing(await prometheus.alerts(), 'NetpolExporterAbsent')).to.deep.equal([]);
  });
});
