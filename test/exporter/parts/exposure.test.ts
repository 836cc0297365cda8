// Exposure against the simulator: one namespace of each kind, read from /metrics as a user reads it, following
// label and policy changes live; --pod-isolation answering for the pods there are; --exposure=false.

import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { EXPORTER_PERMISSIONS } from '../../../src/cli/demo.ts';
import { exporterFor, type TestExporter } from '../../helpers/exporter.ts';
import { eventually, parseExposition } from '../../helpers/exposition.ts';

type Obj = Record<string, unknown>;

const KINDS = [
  'adminnetworkpolicies.policy.networking.k8s.io',
  'globalnetworkpolicies.crd.projectcalico.org',
];
const PERMISSIONS = [
  ...EXPORTER_PERMISSIONS,
  { resource: '*', group: 'policy.networking.k8s.io', verbs: ['list', 'watch'] },
  { resource: '*', group: 'crd.projectcalico.org', verbs: ['list', 'watch'] },
  { resource: 'pods', group: '', verbs: ['list', 'watch'] },
];
const CLASSES = ['same_namespace', 'other_namespaces', 'all_namespaces', 'ip_blocks', 'anywhere'];

const namespace = (name: string, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});
const policy = (ns: string, name: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const denyAll = (ns: string) =>
  policy(ns, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const allowIngress = (ns: string, name: string, from?: Obj[]) =>
  policy(ns, name, { podSelector: {}, policyTypes: ['Ingress'], ingress: [from ? { from } : {}] });

/** `same other all ip any | unknown` for one namespace and direction, as /metrics says. */
function row(s: Map<string, number>, ns: string, direction = 'ingress'): string {
  const bits = CLASSES.map((peer) =>
    s.get(`netpol_namespace_reachable{namespace="${ns}",direction="${direction}",peer="${peer}"}`),
  );
  const unknown = s.get(`netpol_namespace_reachability_unknown{namespace="${ns}",direction="${direction}"}`);
  return `${bits.join(' ')} | ${unknown}`;
}

describe('exposure part: who can reach each namespace, against the simulator', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  const exporters: TestExporter[] = [];

  before(async () => {
    sim = await SimulatedCluster.start({ enabledKinds: KINDS });
    const objects: Obj[] = [
      namespace('open'),
      namespace('closed'),
      denyAll('closed'),
      namespace('undone'),
      denyAll('undone'),
      allowIngress('undone', 'allow-all'),
      namespace('same-only'),
      denyAll('same-only'),
      allowIngress('same-only', 'allow-same', [{ podSelector: {} }]),
      namespace('from-ops'),
      denyAll('from-ops'),
      allowIngress('from-ops', 'allow-ops', [{ namespaceSelector: { matchLabels: { team: 'ops' } } }]),
      namespace('tools', { team: 'dev' }),
      namespace('external'),
      denyAll('external'),
      allowIngress('external', 'allow-internet', [{ ipBlock: { cidr: '0.0.0.0/0' } }]),
      namespace('anp-guarded'),
      {
        apiVersion: 'policy.networking.k8s.io/v1alpha1',
        kind: 'AdminNetworkPolicy',
        metadata: { name: 'guard' },
        spec: {
          priority: 10,
          subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'anp-guarded' } } },
          ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
        },
      },
      namespace('calico', { tier: 'restricted' }),
      {
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'GlobalNetworkPolicy',
        metadata: { name: 'restricted' },
        spec: { namespaceSelector: "tier == 'restricted'", types: ['Ingress'] },
      },
      namespace('with-pod'),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1', namespace: 'with-pod', labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
      },
    ];
    for (const obj of objects) sim.create(obj);
  });

  after(async () => {
    for (const e of exporters) await e.dispose();
    await sim?.stop();
  });

  async function start(args: string[] = []): Promise<TestExporter> {
    const token = `exposure-${Math.random().toString(36).slice(2)}`;
    sim.addToken(token, PERMISSIONS);
    const exporter = await exporterFor(sim, { token, args });
    exporters.push(exporter);
    await eventually(() => expect(exporter.exporter.readiness()).to.include({ ready: true }), 60_000);
    // Ready means listed; the optional kinds are discovered and listed right after.
    await eventually(async () => {
      const s = parseExposition(await exporter.scrape());
      for (const kind of KINDS)
        expect(s.get(`netpol_exporter_cache_synced{resource="${kind}"}`), kind).to.equal(1);
    }, 60_000);
    return exporter;
  }

  it('answers for a namespace of each kind', async () => {
    const exporter = await start();
    const s = parseExposition(await exporter.scrape());
    expect(row(s, 'open')).to.equal('1 1 1 1 1 | 0');
    expect(row(s, 'open', 'egress')).to.equal('1 1 1 1 1 | 0');
    expect(row(s, 'closed')).to.equal('0 0 0 0 0 | 0');
    expect(row(s, 'closed', 'egress')).to.equal('0 0 0 0 0 | 0');
    expect(row(s, 'undone')).to.equal('1 1 1 1 1 | 0');
    expect(s.get('netpol_namespace_default_deny_undone{namespace="undone",direction="ingress"}')).to.equal(1);
    expect(s.get('netpol_namespace_default_deny_undone{namespace="closed",direction="ingress"}')).to.equal(
      undefined,
    );
    expect(row(s, 'same-only')).to.equal('1 0 0 0 0 | 0');
    expect(row(s, 'from-ops')).to.equal('0 0 0 0 0 | 0');
    expect(row(s, 'external')).to.equal('0 0 0 1 1 | 0');
    expect(row(s, 'anp-guarded')).to.equal('0 0 0 1 1 | 0');
    expect(row(s, 'calico')).to.equal('0 0 0 0 0 | 1');
    expect(row(s, 'calico', 'egress')).to.equal('1 1 1 1 1 | 0');
  });

  it('follows a label change of another namespace and a policy that narrows', async () => {
    const exporter = await start();
    sim.patch('namespaces', undefined, 'tools', { metadata: { labels: { team: 'ops' } } });
    await eventually(async () => {
      expect(row(parseExposition(await exporter.scrape()), 'from-ops')).to.equal('0 1 0 0 0 | 0');
    }, 60_000);
    sim.patch('networkpolicies', 'undone', 'allow-all', {
      spec: { ingress: [{ from: [{ podSelector: {} }] }] },
    });
    await eventually(async () => {
      const s = parseExposition(await exporter.scrape());
      expect(row(s, 'undone')).to.equal('1 0 0 0 0 | 0');
      expect(s.get('netpol_namespace_default_deny_undone{namespace="undone",direction="ingress"}')).to.equal(
        undefined,
      );
    }, 60_000);
    sim.patch('networkpolicies', 'undone', 'allow-all', { spec: { ingress: [{}] } });
    sim.patch('namespaces', undefined, 'tools', { metadata: { labels: { team: 'dev' } } });
    await eventually(async () => {
      expect(row(parseExposition(await exporter.scrape()), 'from-ops')).to.equal('0 0 0 0 0 | 0');
    }, 60_000);
  });

  it('with --pod-isolation, a namespace without pods is reached by nothing; one with a pod no policy selects, by everything', async () => {
    const exporter = await start(['--pod-isolation']);
    await eventually(async () => {
      const s = parseExposition(await exporter.scrape());
      expect(row(s, 'open')).to.equal('0 0 0 0 0 | 0');
      expect(row(s, 'with-pod')).to.equal('1 1 1 1 1 | 0');
    }, 60_000);
    sim.delete('pods', 'with-pod', 'web-1');
    await eventually(async () => {
      expect(row(parseExposition(await exporter.scrape()), 'with-pod')).to.equal('0 0 0 0 0 | 0');
    }, 60_000);
  });

  it('an AdminNetworkPolicy Pass ahead of a Deny-all hands the passed namespace on (here: to the default allow)', async () => {
    const exporter = await start();
    const anp = (name: string, priority: number, rule: Obj): Obj => ({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name },
      spec: {
        priority,
        subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'passed' } } },
        ingress: [rule],
      },
    });
    const created = [
      namespace('passed'),
      namespace('monitoring', { team: 'monitoring' }),
      anp('pass-monitoring', 20, {
        action: 'Pass',
        from: [{ namespaces: { matchLabels: { team: 'monitoring' } } }],
      }),
      anp('deny-the-rest', 21, { action: 'Deny', from: [{ namespaces: {} }] }),
    ];
    for (const obj of created) sim.create(obj);
    await eventually(async () => {
      expect(row(parseExposition(await exporter.scrape()), 'passed')).to.equal('0 1 0 1 1 | 0');
    }, 60_000);
    // Without the Pass, the Deny takes monitoring too.
    sim.delete('adminnetworkpolicies', undefined, 'pass-monitoring');
    await eventually(async () => {
      expect(row(parseExposition(await exporter.scrape()), 'passed')).to.equal('0 0 0 1 1 | 0');
    }, 60_000);
    sim.delete('adminnetworkpolicies', undefined, 'deny-the-rest');
    sim.delete('namespaces', undefined, 'monitoring');
    sim.delete('namespaces', undefined, 'passed');
  });

  it('with --exposure=false, serves no exposure series', async () => {
    const token = `exposure-off-${Math.random().toString(36).slice(2)}`;
    sim.addToken(token, PERMISSIONS);
    const exporter = await exporterFor(sim, { token, args: ['--exposure=false'] });
    exporters.push(exporter);
    await eventually(() => expect(exporter.exporter.readiness()).to.include({ ready: true }), 60_000);
    const body = await exporter.scrape();
    expect(body).to.include('netpol_namespace_covered{namespace="open"}');
    expect(body).to.not.include('netpol_namespace_reachable');
    expect(exporter.exporter.exposure).to.equal(undefined);
  });
});
