// `audit --manifests` takes a repository as part of a cluster by default: namespaces it does not declare may exist
// and custom resources may make pods it does not declare; `--whole-cluster` takes the input as all there is. Also:
// Cilium leaves the pods it does not select to the NetworkPolicies, and the table's counts agree with its lines.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { auditMain } from '../../src/cli/audit.ts';
import type { CoverageReport, ReportNamespace } from '../../src/report/coverage-report.ts';
import { ROOT } from '../helpers/exporter.ts';
import { validate } from '../helpers/json-schema.ts';
import { type Result, runMain } from '../helpers/run.ts';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs/coverage-report.schema.json'), 'utf8'));
const BASE = join(ROOT, 'deploy/base');
const OPERATOR_REPO = join(ROOT, 'test/fixtures/audit/operator-repo');

const audit = (args: string[], stdin = '') => runMain(auditMain, args, stdin);

function json(result: Result): Record<string, ReportNamespace> {
  const report = JSON.parse(result.stdout) as CoverageReport;
  expect(validate(schema, report), 'schema errors').to.deep.equal([]);
  return Object.fromEntries(report.namespaces.map((n) => [n.name, n]));
}

/** The table's last line's counts, and the namespaces that have lines of each kind above it. */
function countsAndLines(table: string, kinds: string[]) {
  const last = table.split('\n').find((l) => /^(PASS|FAIL|UNKNOWN): /.test(l)) ?? '';
  // A count the line leaves out (open world, with --whole-cluster) is no line.
  const counted = Object.fromEntries(
    kinds.map((k) => [k, Number(new RegExp(`; ${k} (\\d+)`).exec(last)?.[1] ?? 0)]),
  );
  const listed = Object.fromEntries(
    kinds.map((k) => {
      const names = new Set(
        table
          .split('\n')
          .map((l) => new RegExp(`^  (\\S+): ${k}: `).exec(l)?.[1])
          .filter((n) => n !== undefined),
      );
      return [k, names.size];
    }),
  );
  return { counted, listed };
}

describe('audit --manifests: an open world, or --whole-cluster', function () {
  this.timeout(120_000);

  it('deploy/base: its policy admits monitoring, which it does not declare: unknown, and --fail-on-exposure fails', async () => {
    const args = ['--manifests', BASE, '-n', 'netpol-exporter', '--fail-on-exposure=other_namespaces'];
    const open = await audit(args);
    expect(open.code).to.equal(1);
    expect(open.stdout).to.match(/^netpol-exporter\s+covered\s.*none \(unknown\)/m);
    expect(open.stdout).to.contain(
      'EXPOSURE UNKNOWN: 0 namespaces reachable from other_namespaces (ingress); could not be judged: netpol-exporter',
    );
    expect(open.stdout).to.contain(
      'netpol-exporter: open world: namespaces the input does not declare may match kubernetes.io/metadata.name=kube-system; kubernetes.io/metadata.name=monitoring',
    );
    const row = json(await audit([...args, '--output=json']))['netpol-exporter'];
    expect(row?.exposure?.ingress).to.deep.include({ reachable: [], unknownClasses: ['other_namespaces'] });
    expect(row?.exposure?.egress.unknownClasses).to.deep.equal(['other_namespaces']);
    expect(row?.openWorld?.undeclaredPeers).to.deep.equal([
      'kubernetes.io/metadata.name=kube-system',
      'kubernetes.io/metadata.name=monitoring',
    ]);

    // The whole cluster: monitoring does not exist, so nothing reaches it.
    const whole = await audit([...args, '--whole-cluster']);
    expect(whole.code).to.equal(0);
    expect(whole.stdout).to.match(/^netpol-exporter\s+covered\s.*\snone\s/m);
    expect(whole.stdout).to.contain('EXPOSURE PASS: 0 namespaces reachable from other_namespaces (ingress)');
    expect(
      json(await audit([...args, '--whole-cluster', '--output=json']))['netpol-exporter']?.openWorld,
    ).to.equal(undefined);
  });

  it('a declared namespace the selector names is reachable, not unknown; a selector only declared names satisfy stays exact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-open-'));
    try {
      await writeFile(
        join(dir, 'm.yaml'),
        `apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: scrape, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
`,
      );
      const rows = json(await audit(['--manifests', dir, '--output=json']));
      expect(rows.app?.exposure?.ingress).to.deep.include({
        reachable: ['other_namespaces'],
        unknown: false,
      });
      expect(rows.app?.openWorld).to.equal(undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('custom resources an operator turns into pods: their policies are dangling unknown, not dangling; a typo stays dangling', async () => {
    const open = await audit(['--manifests', OPERATOR_REPO]);
    expect(open.code).to.equal(0);
    const warnings = open.stderr.trimEnd().split('\n');
    expect(warnings).to.have.length(3);
    expect(warnings[0]).to.match(
      /^netpol-exporter: warning: \S+monitoring\.yaml:45: NetworkPolicy monitoring\/prometheus-k8s selects none of the 1 workload in monitoring, but may select the pods that Prometheus k8s \(\S+monitoring\.yaml:8\), Alertmanager main \(\S+monitoring\.yaml:19\) make, which the input does not declare: not judged dangling/,
    );
    expect(warnings[2]).to.match(/shop\.yaml:42: NetworkPolicy shop\/allow-web is dangling: /);
    expect(open.stdout).to.contain(
      '  monitoring: open world: NetworkPolicy prometheus-k8s selects none of the declared workloads but may select those pods: dangling unknown',
    );
    expect(open.stdout).to.contain(
      '  monitoring: open world: pods the input does not declare may run here: Prometheus k8s (test/fixtures/audit/operator-repo/monitoring.yaml:8): an operator turns it into pods',
    );
    // Those pods count: nothing isolates them, so the namespace is reachable from anywhere.
    expect(open.stdout).to.match(/^monitoring\s+covered\s.*\sanywhere\s/m);
    const rows = json(await audit(['--manifests', OPERATOR_REPO, '--output=json']));
    expect(rows.monitoring?.dangling).to.equal(null);
    expect(rows.monitoring?.openWorld?.danglingUnknown).to.deep.equal([
      'alertmanager-main',
      'prometheus-k8s',
    ]);
    expect(rows.monitoring?.exposure?.ingress.openedBy.anywhere).to.deep.equal(['(pods no policy isolates)']);
    expect(rows.shop?.dangling).to.deep.equal(['allow-web']);
    expect(rows.shop?.openWorld).to.equal(undefined);

    // The whole cluster: the declared workloads are all the pods there are.
    const whole = json(await audit(['--manifests', OPERATOR_REPO, '--whole-cluster', '--output=json']));
    expect(whole.monitoring?.dangling).to.deep.equal(['alertmanager-main', 'prometheus-k8s']);
    expect(whole.monitoring?.exposure?.ingress.reachable).to.deep.equal([]);
  });

  it("the table's counts agree with the lines it lists", async () => {
    const kinds = ['dangling', 'exposure unknown', 'open world'];
    for (const args of [
      ['--manifests', OPERATOR_REPO],
      ['--manifests', OPERATOR_REPO, '--whole-cluster'],
      ['--manifests', BASE, '-n', 'netpol-exporter'],
    ]) {
      const { counted, listed } = countsAndLines((await audit(args)).stdout, kinds);
      expect(counted, args.join(' ')).to.deep.equal(listed);
    }
    const { counted } = countsAndLines((await audit(['--manifests', OPERATOR_REPO])).stdout, kinds);
    expect(counted).to.deep.equal({ dangling: 1, 'exposure unknown': 0, 'open world': 1 });
  });

  it('--whole-cluster needs --manifests: a live cluster is always whole', async () => {
    const result = await audit(['--whole-cluster', '--kubeconfig', join(ROOT, 'no-such-kubeconfig')]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(
      /--whole-cluster says the manifests are a whole cluster and needs --manifests/,
    );
  });
});

describe('audit --manifests: Cilium', () => {
  it('pods no Cilium rule selects are reachable from anywhere for certain, not "none (unknown)"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-cilium-'));
    try {
      const policy = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: db-only, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: db}}
  ingress:
    - fromEndpoints: [{matchLabels: {app: web}}]
`;
      const workload = (app: string) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}, namespace: shop}
spec: {template: {metadata: {labels: {app: ${app}}}}}
`;
      await writeFile(join(dir, 'both.yaml'), policy + workload('web') + workload('db'));
      await writeFile(join(dir, 'db.yaml'), policy + workload('db'));
      const both = await audit(['--manifests', join(dir, 'both.yaml')]);
      expect(both.stdout).to.match(/^shop\s+covered\s.*\sanywhere\s/m);
      expect(both.stdout).not.to.contain('exposure unknown:');
      // Pods not known (no workload): those the rule does not pick may exist.
      const none = await audit(['--manifests', '-'], policy);
      expect(none.stdout).to.match(/^shop\s+covered\s.*\sanywhere\s/m);
      // Only pods the rule selects: Cilium decides, which the exporter does not evaluate.
      const db = await audit(['--manifests', join(dir, 'db.yaml')]);
      expect(db.stdout).to.match(/^shop\s+covered\s.*\snone \(unknown\)\s/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('audit --manifests: progress on a terminal', () => {
  it('rewrites one progress line on stderr while reading (files, objects, namespaces), and clears it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-progress-'));
    try {
      const many = Array.from(
        { length: 1500 },
        (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: ns${i % 3}}\n`,
      ).join('---\n');
      await writeFile(join(dir, 'many.yaml'), many);
      let stderr = '';
      let stdout = '';
      const code = await auditMain(
        ['--manifests', dir],
        {},
        {
          stdout: (t) => {
            stdout += t;
          },
          stderr: (t) => {
            stderr += t;
          },
          stderrIsTerminal: true,
        },
      );
      expect(code).to.equal(1);
      expect(stdout).to.contain('FAIL: 3 namespaces');
      expect(stderr.startsWith('\r\x1b[Kreading manifests: 0 files, 1,000 objects, 3 namespaces')).to.equal(
        true,
      );
      expect(stderr.endsWith('\r\x1b[K')).to.equal(true);
      // Not a terminal (CI logs): no progress at all.
      const quiet = await audit(['--manifests', dir]);
      expect(quiet.stderr).to.equal('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
