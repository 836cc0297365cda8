// `netpol-exporter remediate`: its YAML is valid NetworkPolicy, ordered as the control advises, and closes the gap:
// auditing the manifests together with it passes.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { parseAllDocuments } from 'yaml';
import { auditMain } from '../../src/cli/audit.ts';
import { remediateMain } from '../../src/cli/remediate.ts';
import { ROOT } from '../helpers/exporter.ts';
import { runMain } from '../helpers/run.ts';

const REPO = join(ROOT, 'test/fixtures/audit/uncovered-repo');

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
});
