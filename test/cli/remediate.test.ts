// `netpol-exporter remediate`: its YAML is valid NetworkPolicy, ordered as the control advises, and closes the gap:
// auditing the manifests together with it passes.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { parseAllDocuments } from 'yaml';
import { auditMain } from '../../src/cli/audit.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { remediateMain } from '../../src/cli/remediate.ts';
import { ROOT } from '../helpers/exporter.ts';
import { runMain } from '../helpers/run.ts';

const REPO = join(ROOT, 'test/fixtures/audit/uncovered-repo');
const SYSTEM_REPO = join(ROOT, 'test/fixtures/audit/system-repo');

function policies(yaml: string): Record<string, unknown>[] {
  return parseAllDocuments(yaml).map((doc) => {
    expect(doc.errors).to.deep.equal([]);
    return doc.toJS() as Record<string, unknown>;
  });
}

const nameAndNamespace = (p: Record<string, unknown>) => {
  const m = p.metadata as { name: string; namespace: string };
  return `${m.namespace}/${m.name}`;
};

describe('remediate', () => {
  it('writes valid NetworkPolicies for each uncovered namespace, internet-facing then production first', async () => {
    const result = await runMain(remediateMain, ['--manifests', REPO]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.contain('warning: a default deny blocks all traffic');
    const docs = policies(result.stdout);
    for (const doc of docs) expect(() => new NetworkPolicy(doc as never).validate()).not.to.throw();
    expect(docs.map(nameAndNamespace)).to.deep.equal([
      'payments/default-deny-all',
      'payments/allow-dns-egress',
      'reports/default-deny-all',
      'reports/allow-dns-egress',
      'batch/default-deny-all',
      'batch/allow-dns-egress',
    ]);
    expect(docs[0]?.spec).to.deep.equal({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(docs[1]?.spec).to.deep.equal({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    });
    expect(result.stdout).to.match(
      /^# netpol-exporter remediate: namespace payments, 1 of 3 in rollout order \(priority label internet-facing=true\)/,
    );
  });

  it('closes the gap: the manifests plus the remediation audit as covered (exit 0), default deny both ways', async () => {
    const remediation = await runMain(remediateMain, ['--manifests', REPO]);
    const audit = await runMain(
      auditMain,
      ['--manifests', REPO, '--manifests', '-', '--output=json'],
      remediation.stdout,
    );
    expect(audit.code).to.equal(0);
    const report = JSON.parse(audit.stdout);
    expect(report.summary).to.include({ uncovered: 0, covered: 4 });
    for (const ns of ['batch', 'payments', 'reports'])
      expect(report.namespaces.find((n: { name: string }) => n.name === ns).defaultDeny).to.deep.equal({
        ingress: true,
        egress: true,
      });
  });

  it('--out-dir writes one file per namespace; the DNS allow and the priority labels are configurable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-remediate-'));
    try {
      const result = await runMain(remediateMain, [
        '--manifests',
        REPO,
        `--out-dir=${dir}`,
        '--allow-dns=false',
        '--priority-labels=environment=production',
      ]);
      expect(result.code).to.equal(0);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.contain(`1. reports (environment=production): ${join(dir, 'reports.yaml')}`);
      expect(result.stderr).to.contain(`2. batch: ${join(dir, 'batch.yaml')}`);
      expect(result.stderr).to.contain(`3. payments: ${join(dir, 'payments.yaml')}`);
      expect((await readdir(dir)).sort()).to.deep.equal(['batch.yaml', 'payments.yaml', 'reports.yaml']);
      const docs = policies(await readFile(join(dir, 'payments.yaml'), 'utf8'));
      expect(docs.map(nameAndNamespace)).to.deep.equal(['payments/default-deny-all']);
      const audit = await runMain(auditMain, ['--manifests', `${REPO},${dir}`]);
      expect(audit.code).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves exempt and excluded namespaces alone, and says when there is nothing to do', async () => {
    const partial = await runMain(remediateMain, [
      '--manifests',
      REPO,
      '--namespaces.exclude=batch,payments',
    ]);
    expect(policies(partial.stdout).map(nameAndNamespace)).to.deep.equal([
      'reports/default-deny-all',
      'reports/allow-dns-egress',
    ]);
    const none = await runMain(remediateMain, [
      '--manifests',
      join(ROOT, 'test/fixtures/audit/covered-repo'),
    ]);
    expect(none.code).to.equal(0);
    expect(none.stdout).to.equal('');
    expect(none.stderr).to.contain('nothing to remediate');
  });

  it('rejects a bad label list with exit 2', async () => {
    const result = await runMain(remediateMain, ['--manifests', REPO, '--priority-labels=production']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      'netpol-exporter remediate: --priority-labels: expected key=value, not "production"\n',
    );
  });

  it('skips the namespaces the Kyverno baseline skips, says so, and writes them with --include-system', async () => {
    const result = await runMain(remediateMain, ['--manifests', SYSTEM_REPO]);
    expect(result.code).to.equal(0);
    expect(policies(result.stdout).map(nameAndNamespace)).to.deep.equal([
      'default/default-deny-all',
      'default/allow-dns-egress',
      'shop/default-deny-all',
      'shop/allow-dns-egress',
    ]);
    expect(result.stderr).to.contain(
      "netpol-exporter: skipped kube-node-lease, kube-public, kube-system, kyverno (the cluster's and its policy " +
        "engine's); legacy-vpn (labelled netpol-exporter.io/baseline=skip), as the bundled Kyverno baseline does",
    );
    expect(result.stderr).to.contain('--include-system writes them too');

    const all = await runMain(remediateMain, ['--manifests', SYSTEM_REPO, '--include-system']);
    expect(all.stderr).not.to.contain('skipped');
    expect(all.stderr).to.contain(
      'netpol-exporter: warning: --include-system: kube-node-lease, kube-public, kube-system, kyverno, legacy-vpn get ' +
        'policies too;',
    );
    const docs = policies(all.stdout);
    for (const doc of docs) expect(() => new NetworkPolicy(doc as never).validate()).not.to.throw();
    expect(
      docs.filter((d) => nameAndNamespace(d).startsWith('kube-system/')).map(nameAndNamespace),
    ).to.deep.equal([
      'kube-system/default-deny-all',
      'kube-system/allow-dns-egress',
      'kube-system/allow-dns-ingress',
      'kube-system/allow-dns-server-egress',
    ]);
    // Applied together, every namespace still resolves names: the audit sees them all covered.
    const audit = await runMain(auditMain, ['--manifests', SYSTEM_REPO, '--manifests', '-'], all.stdout);
    expect(audit.code).to.equal(0);
  });

  it('lists, before writing, what each file takes away from which workload of the manifests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-remediate-'));
    try {
      const result = await runMain(remediateMain, [
        '--manifests',
        SYSTEM_REPO,
        '--include-system',
        `--out-dir=${dir}`,
      ]);
      expect(result.code).to.equal(0);
      const lines = result.stderr.split('\n');
      const from = lines.indexOf(
        'netpol-exporter: what each file takes away, before anything is written (workloads from the manifests):',
      );
      expect(from).to.be.greaterThan(-1);
      const system = lines.indexOf(`4. kube-system: ${join(dir, 'kube-system.yaml')}`);
      expect(lines.slice(system, system + 4)).to.deep.equal([
        `4. kube-system: ${join(dir, 'kube-system.yaml')}`,
        '   Writes default-deny-all, allow-dns-egress, allow-dns-ingress, allow-dns-server-egress.',
        '   Deployment coredns (test/fixtures/audit/system-repo/workloads.yaml:1) loses all ingress except from ' +
          'every namespace on UDP/TCP 53',
        '   Deployment metrics-server (test/fixtures/audit/system-repo/workloads.yaml:15) loses all ingress, and ' +
          'all egress except to pods k8s-app=kube-dns in kube-system on UDP/TCP 53',
      ]);
      expect(lines).to.include(
        '   No workload of this namespace is in the input: nothing known loses traffic.',
      );
      // The file says the same to whoever reviews it.
      const written = await readFile(join(dir, 'shop.yaml'), 'utf8');
      expect(written).to.contain(
        '# Deployment web (test/fixtures/audit/system-repo/workloads.yaml:29) loses all ingress, and all egress',
      );
      expect(written).to.contain(
        '# StatefulSet db (test/fixtures/audit/system-repo/workloads.yaml:43) loses all',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the namespace that serves DNS from the workloads, and keeps DNS open there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-remediate-'));
    try {
      await writeFile(
        join(dir, 'dns.yaml'),
        `apiVersion: v1
kind: Namespace
metadata: { name: dns }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: node-dns, namespace: dns }
spec:
  template:
    metadata:
      labels: { k8s-app: kube-dns }
---
apiVersion: v1
kind: Namespace
metadata: { name: shop }
`,
      );
      const result = await runMain(remediateMain, ['--manifests', dir]);
      expect(result.stderr).to.contain(
        'netpol-exporter: the cluster DNS (pods k8s-app=kube-dns) runs in dns, as the input shows',
      );
      const docs = policies(result.stdout);
      expect(docs.map(nameAndNamespace)).to.include('dns/allow-dns-ingress');
      const egress = docs.find((d) => nameAndNamespace(d) === 'shop/allow-dns-egress')?.spec as {
        egress: { to: { namespaceSelector: unknown }[] }[];
      };
      expect(egress.egress[0]?.to[0]?.namespaceSelector).to.deep.equal({
        matchLabels: { 'kubernetes.io/metadata.name': 'dns' },
      });
      // --dns.namespace says where it is, whatever the input shows.
      const told = await runMain(remediateMain, ['--manifests', dir, '--dns.namespace=kube-system']);
      expect(policies(told.stdout).map(nameAndNamespace)).not.to.include('dns/allow-dns-ingress');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--mode=same-namespace writes an allow from the namespace itself, which covers it without a default deny', async () => {
    const result = await runMain(remediateMain, ['--manifests', SYSTEM_REPO, '--mode=same-namespace']);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.contain(
      'warning: allow-same-namespace blocks all traffic between the namespace',
    );
    expect(result.stderr).to.contain(
      'Deployment web (test/fixtures/audit/system-repo/workloads.yaml:29) loses all ingress except from its own ' +
        'namespace, and all egress except to its own namespace; to pods k8s-app=kube-dns in kube-system on UDP/TCP 53',
    );
    const docs = policies(result.stdout);
    expect(docs.map(nameAndNamespace)).to.deep.equal([
      'default/allow-same-namespace',
      'default/allow-dns-egress',
      'shop/allow-same-namespace',
      'shop/allow-dns-egress',
    ]);
    const audit = await runMain(
      auditMain,
      ['--manifests', SYSTEM_REPO, '--manifests', '-', '--output=json', '--namespaces.include=default,shop'],
      result.stdout,
    );
    const report = JSON.parse(audit.stdout);
    const shop = report.namespaces.find((n: { name: string }) => n.name === 'shop');
    expect(shop).to.deep.include({ verdict: 'covered', defaultDeny: { ingress: false, egress: false } });
    expect((await runMain(remediateMain, ['--manifests', REPO, '--mode=all'])).stderr).to.equal(
      'netpol-exporter remediate: --mode takes one of deny-all, same-namespace, not "all"\n',
    );
  });
});

describe('remediate against a cluster', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;

  before(async () => {
    sim = await SimulatedCluster.start();
    sim.addToken('no-pods', EXPORTER_PERMISSIONS);
    sim.addToken('pods', [...EXPORTER_PERMISSIONS, { resource: 'pods', verbs: ['list'] }]);
    dir = await mkdtemp(join(tmpdir(), 'netpol-remediate-'));
    await sim.writeKubeconfig(join(dir, 'no-pods'), { token: 'no-pods' });
    await sim.writeKubeconfig(join(dir, 'pods'), { token: 'pods' });
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
    const owned = (name: string, namespace: string, owner: string, labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        labels,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true },
        ],
      },
      spec: { containers: [{ name: 'c', image: 'example/c:1' }] },
    });
    sim.create(owned('coredns-1', 'kube-system', 'coredns-5d78c9869d', { 'k8s-app': 'kube-dns' }));
    sim.create(owned('coredns-2', 'kube-system', 'coredns-5d78c9869d', { 'k8s-app': 'kube-dns' }));
    for (const i of [1, 2, 3]) sim.create(owned(`front-${i}`, 'web', 'front-7f9c', { app: 'front' }));
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("with --pod-isolation lists the cluster's pods, by owner, that lose traffic; without pod access it says so", async () => {
    const result = await runMain(remediateMain, [
      '--kubeconfig',
      join(dir, 'pods'),
      '--pod-isolation',
      '--include-system',
    ]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.contain(
      "what each file takes away, before anything is written (workloads from the cluster's pods):",
    );
    expect(result.stderr).to.contain(
      '   ReplicaSet front-7f9c [3 pods] loses all ingress, and all egress except',
    );
    expect(result.stderr).to.contain(
      '   ReplicaSet coredns-5d78c9869d [2 pods] loses all ingress except from every namespace on UDP/TCP 53\n',
    );
    expect(result.stderr).to.contain(
      'the cluster DNS (pods k8s-app=kube-dns) runs in kube-system, as the input shows',
    );

    const blind = await runMain(remediateMain, ['--kubeconfig', join(dir, 'no-pods'), '--pod-isolation']);
    expect(blind.code).to.equal(0);
    expect(blind.stderr).to.contain(
      'netpol-exporter: warning: not permitted to list pods; which workloads would lose traffic is unknown\n',
    );
    expect(blind.stderr).to.contain('   Which workloads lose traffic is unknown (no pods were listed).');
    expect(blind.stderr).to.contain(
      '(workloads unknown: read the cluster with --pod-isolation to list them)',
    );
  });
});
