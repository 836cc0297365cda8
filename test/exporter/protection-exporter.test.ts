// Cluster-scoped and CNI policy sources, discovery, and pod isolation, against the simulator serving the kinds:
// what a user reads on /metrics.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { SOURCES } from '../../src/core/sources/index.ts';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import { KubeApi } from '../../src/watch/kube-api.ts';
import { METADATA_ACCEPT } from '../../src/watch/pod-watch.ts';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually, parseExposition } from '../helpers/exposition.ts';

const CUSTOM_KINDS = [
  'adminnetworkpolicies.policy.networking.k8s.io',
  'baselineadminnetworkpolicies.policy.networking.k8s.io',
  'clusternetworkpolicies.policy.networking.k8s.io',
  'globalnetworkpolicies.crd.projectcalico.org',
  'networkpolicies.crd.projectcalico.org',
  'ciliumnetworkpolicies.cilium.io',
  'ciliumclusterwidenetworkpolicies.cilium.io',
];
/** A ClusterRole trimmed to the kinds deploy/base granted before it read every policy kind it counts. */
const NAMESPACES_AND_NETWORKPOLICIES = EXPORTER_PERMISSIONS.filter(
  (p) => p.resource === 'namespaces' || p.group === 'networking.k8s.io',
);
/** Everything deploy/base grants, by group; forbidClusterNetworkPolicies below takes ClusterNetworkPolicy away. */
const PERMISSIONS = [
  ...EXPORTER_PERMISSIONS,
  {
    resource: '*',
    group: 'policy.networking.k8s.io',
    verbs: ['list', 'watch'],
  },
  { resource: '*', group: 'crd.projectcalico.org', verbs: ['list', 'watch'] },
  { resource: '*', group: 'cilium.io', verbs: ['list', 'watch'] },
];
const forbidClusterNetworkPolicies = PERMISSIONS.map((p) =>
  p.group === 'policy.networking.k8s.io' ? { ...p, resource: 'adminnetworkpolicies' } : p,
).concat([
  { resource: 'baselineadminnetworkpolicies', group: 'policy.networking.k8s.io', verbs: ['list', 'watch'] },
]);

const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

async function series(exporter: TestExporter): Promise<Map<string, number>> {
  return parseExposition(await exporter.scrape());
}

describe('protection by cluster-scoped and CNI policies', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  const exporters: TestExporter[] = [];

  before(async () => {
    sim = await SimulatedCluster.start({ enabledKinds: CUSTOM_KINDS, bookmarkIntervalMs: 500 });
    for (const name of ['calico-only', 'cilium-only', 'anp-only', 'nothing']) sim.create(namespace(name));
    sim.create({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'default-deny' },
      spec: { namespaceSelector: "projectcalico.org/name == 'calico-only'", types: ['Ingress', 'Egress'] },
    });
    sim.create({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: { name: 'lockdown' },
      spec: {
        endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'cilium-only' } },
        ingress: [{ fromEntities: ['cluster'] }],
      },
    });
    sim.create({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: 'sensitive-deny' },
      spec: {
        priority: 10,
        subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'anp-only' } } },
        ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }],
      },
    });
  });
  after(async () => {
    for (const e of exporters) await e.dispose();
    await sim?.stop();
  });

  async function start(args: string[] = [], permissions = PERMISSIONS): Promise<TestExporter> {
    const token = `protection-${Math.random().toString(36).slice(2)}`;
    sim.addToken(token, permissions);
    const exporter = await exporterFor(sim, { token, args });
    exporters.push(exporter);
    await eventually(() => expect(exporter.exporter.readiness()).to.include({ ready: true }), 60_000);
    return exporter;
  }

  it('reports a namespace covered by the source that protects it', async () => {
    const exporter = await start();
    const s = await series(exporter);
    for (const [ns, source] of [
      ['calico-only', 'calico_globalnetworkpolicy'],
      ['cilium-only', 'cilium_clusterwidenetworkpolicy'],
      ['anp-only', 'adminnetworkpolicy'],
    ]) {
      expect(s.get(`netpol_namespace_covered{namespace="${ns}"}`), ns).to.equal(1);
      expect(s.get(`netpol_namespace_network_policies{namespace="${ns}"}`), ns).to.equal(0);
      expect(s.get(`netpol_namespace_protected{namespace="${ns}",source="${source}"}`), ns).to.equal(1);
    }
    expect(s.get('netpol_namespace_covered{namespace="nothing"}')).to.equal(0);
    expect(
      [...s.keys()].filter((k) => k.startsWith('netpol_namespace_protected{namespace="nothing"')),
    ).to.deep.equal([]);
    expect(
      s.get('netpol_exporter_source_status{source="calico_globalnetworkpolicy",state="watching"}'),
    ).to.equal(1);
    expect(
      s.get('netpol_exporter_cache_synced{resource="globalnetworkpolicies.crd.projectcalico.org"}'),
    ).to.equal(1);
  });

  it('the default install (deploy/base permissions) reads every kind: complete data, no namespace misjudged', async () => {
    const exporter = await start([], EXPORTER_PERMISSIONS);
    await eventually(async () => {
      const s = await series(exporter);
      for (const source of SOURCES.filter((id) => id !== 'networkpolicy'))
        expect(s.get(`netpol_exporter_source_status{source="${source}",state="watching"}`), source).to.equal(
          1,
        );
    }, 60_000);
    expect(exporter.exporter.dataStatus()).to.deep.equal({ state: 'complete', reasons: [] });
    const report = (await (await fetch(`${exporter.http.url}/api/v1/namespaces`)).json()) as CoverageReport;
    const calico = report.namespaces.find((n) => n.name === 'calico-only');
    expect(calico?.verdict).to.equal('covered');
    expect(calico?.protectedByPolicies.map((p) => `${p.kind}/${p.name}`)).to.deep.equal([
      'GlobalNetworkPolicy/default-deny',
    ]);
    expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200);
  });

  it('follows a cluster-scoped policy as it changes and goes', async () => {
    const exporter = await start();
    sim.patch('globalnetworkpolicies.crd.projectcalico.org', undefined, 'default-deny', {
      spec: { namespaceSelector: "projectcalico.org/name in {'calico-only', 'nothing'}" },
    });
    await eventually(async () => {
      expect((await series(exporter)).get('netpol_namespace_covered{namespace="nothing"}')).to.equal(1);
    }, 60_000);
    sim.patch('globalnetworkpolicies.crd.projectcalico.org', undefined, 'default-deny', {
      spec: { namespaceSelector: "projectcalico.org/name == 'calico-only'" },
    });
    await eventually(async () => {
      expect((await series(exporter)).get('netpol_namespace_covered{namespace="nothing"}')).to.equal(0);
    }, 60_000);
  });

  it('with --coverage-sources=networkpolicy, the same namespaces are uncovered but still show their protection', async () => {
    const exporter = await start(['--coverage-sources=networkpolicy']);
    const s = await series(exporter);
    for (const ns of ['calico-only', 'cilium-only', 'anp-only'])
      expect(s.get(`netpol_namespace_covered{namespace="${ns}"}`), ns).to.equal(0);
    expect(
      s.get('netpol_namespace_protected{namespace="calico-only",source="calico_globalnetworkpolicy"}'),
    ).to.equal(1);
  });

  it('reports a forbidden kind, is not stopped by it, and stays ready', async () => {
    const exporter = await start([], forbidClusterNetworkPolicies);
    await eventually(async () => {
      const s = await series(exporter);
      expect(
        s.get('netpol_exporter_source_status{source="clusternetworkpolicy",state="forbidden"}'),
      ).to.equal(1);
      expect(s.get('netpol_exporter_source_status{source="adminnetworkpolicy",state="watching"}')).to.equal(
        1,
      );
      expect(s.get('netpol_namespace_covered{namespace="anp-only"}')).to.equal(1);
    }, 60_000);
    expect(exporter.exporter.readiness().ready).to.equal(true);
    expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200);
  });
});

describe('policy kinds the API server does not serve', function () {
  this.timeout(120_000);
  it('are reported not_served, and the exporter is ready', async () => {
    const sim = await SimulatedCluster.start();
    const exporter = await exporterFor(sim);
    try {
      await eventually(() => expect(exporter.exporter.readiness()).to.include({ ready: true }), 60_000);
      const s = await series(exporter);
      for (const source of [
        'adminnetworkpolicy',
        'calico_globalnetworkpolicy',
        'cilium_clusterwidenetworkpolicy',
      ])
        expect(
          s.get(`netpol_exporter_source_status{source="${source}",state="not_served"}`),
          source,
        ).to.equal(1);
      expect(s.get('netpol_namespace_protected{namespace="kube-system",source="networkpolicy"}')).to.equal(
        undefined,
      );
    } finally {
      await exporter.dispose();
      await sim.stop();
    }
  });

  it('are picked up at the next discovery once served (--discovery.interval)', async () => {
    // Two simulators on the same state are not possible, so: a cluster that serves the kinds, watched by an
    // exporter whose first discovery is made while the token cannot list them, then can.
    const sim = await SimulatedCluster.start({ enabledKinds: CUSTOM_KINDS });
    const token = 'late-grant';
    sim.addToken(token, NAMESPACES_AND_NETWORKPOLICIES);
    sim.create(namespace('team'));
    sim.create({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'l3-rule', namespace: 'team' },
      spec: { endpointSelector: { matchLabels: { role: 'backend' } }, ingress: [{}] },
    });
    const exporter = await exporterFor(sim, { token, args: ['--discovery.interval=1s'] });
    try {
      await eventually(async () => {
        const s = await series(exporter);
        expect(
          s.get('netpol_exporter_source_status{source="cilium_networkpolicy",state="forbidden"}'),
        ).to.equal(1);
      }, 60_000);
      // While the source it counts is forbidden, 'team' is not judged uncovered: no covered series, the source named.
      const blind = await series(exporter);
      expect(blind.has('netpol_namespace_covered{namespace="team"}')).to.equal(false);
      expect(
        blind.get('netpol_namespace_protection_unknown{namespace="team",source="cilium_networkpolicy"}'),
      ).to.equal(1);
      sim.setPermissions(token, PERMISSIONS);
      await eventually(async () => {
        const s = await series(exporter);
        expect(
          s.get('netpol_exporter_source_status{source="cilium_networkpolicy",state="watching"}'),
        ).to.equal(1);
        expect(s.get('netpol_namespace_protected{namespace="team",source="cilium_networkpolicy"}')).to.equal(
          1,
        );
        expect(s.get('netpol_namespace_covered{namespace="team"}')).to.equal(1);
      }, 60_000);
    } finally {
      await exporter.dispose();
      await sim.stop();
    }
  });
});

describe('--pod-isolation', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;
  let exporterKubeconfig = '';
  const pod = (name: string, labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  });

  before(async () => {
    sim = await SimulatedCluster.start({ bookmarkIntervalMs: 500 });
    sim.create(namespace('shop'));
    sim.create(pod('web-1', { app: 'web' }));
    sim.create(pod('db-1', { app: 'db' }));
    // The namespace "has a policy" (CIS is satisfied), but it selects no pod at all.
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'typo', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { app: 'wbe' } }, policyTypes: ['Ingress'] },
    });
    const token = 'pods-reader';
    sim.addToken(token, [...EXPORTER_PERMISSIONS, { resource: 'pods', group: '', verbs: ['list', 'watch'] }]);
    exporterKubeconfig = join(await mkdtemp(join(tmpdir(), 'netpol-pods-')), 'kubeconfig');
    await sim.writeKubeconfig(exporterKubeconfig, { token });
    exporter = await exporterFor(sim, { token, args: ['--pod-isolation'] });
    await eventually(() => expect(exporter.exporter.readiness()).to.include({ ready: true }), 60_000);
  });
  after(async () => {
    await exporter?.dispose();
    await sim?.stop();
    if (exporterKubeconfig) await rm(dirname(exporterKubeconfig), { recursive: true, force: true });
  });

  it('shows 0 isolated pods where the only NetworkPolicy selects none, though the namespace is covered', async () => {
    const s = await series(exporter);
    expect(s.get('netpol_namespace_covered{namespace="shop"}')).to.equal(1);
    expect(s.get('netpol_namespace_pods{namespace="shop"}')).to.equal(2);
    expect(s.get('netpol_namespace_pods_isolated{namespace="shop",direction="ingress"}')).to.equal(0);
    expect(s.get('netpol_namespace_pods_isolated{namespace="shop",direction="egress"}')).to.equal(0);
  });

  it('names the dangling policy in the metrics, the JSON and the status page', async () => {
    expect((await series(exporter)).get('netpol_namespace_dangling_policies{namespace="shop"}')).to.equal(1);
    const report = (await (await fetch(`${exporter.http.url}/api/v1/namespaces`)).json()) as CoverageReport;
    expect(report.namespaces.find((n) => n.name === 'shop')?.dangling).to.deep.equal(['typo']);
    expect(
      report.namespaces.find((n) => n.name === 'default')?.dangling,
      'no pods, nothing dangling',
    ).to.deep.equal([]);
    expect(report.summary.dangling).to.equal(1);
    const page = await (await fetch(`${exporter.http.url}/`)).text();
    expect(page).to.contain('data-flag="dangling">1 dangling</span>');
    const detail = await (await fetch(`${exporter.http.url}/namespaces/shop`)).text();
    expect(detail).to.contain('<dd id="dangling"><code>typo</code></dd>');
  });

  it('follows pod and policy events', async () => {
    sim.patch('networkpolicies', 'shop', 'typo', { spec: { podSelector: { matchLabels: { app: 'web' } } } });
    await eventually(async () => {
      const s = await series(exporter);
      expect(s.get('netpol_namespace_pods_isolated{namespace="shop",direction="ingress"}')).to.equal(1);
      expect(s.get('netpol_namespace_dangling_policies{namespace="shop"}')).to.equal(0);
    }, 60_000);
    sim.create(pod('web-2', { app: 'web' }));
    await eventually(async () => {
      const s = await series(exporter);
      expect(s.get('netpol_namespace_pods{namespace="shop"}')).to.equal(3);
      expect(s.get('netpol_namespace_pods_isolated{namespace="shop",direction="ingress"}')).to.equal(2);
    }, 60_000);
  });

  it('asks for pods as metadata only: the answer the pod informer gets carries no pod spec', async () => {
    const api = new KubeApi(loadKubeConfig(exporterKubeconfig, ''));
    const list = await api.listAll('/api/v1/pods', 500, METADATA_ACCEPT.list);
    expect(list.items).to.have.length(3);
    for (const item of list.items as Record<string, unknown>[]) {
      expect(item).to.not.have.property('spec');
      expect(item).to.have.nested.property('metadata.labels.app');
    }
  });
});
