// `netpol-exporter audit` as CI uses it: exit codes, the three outputs, the JSON schema, manifests (files, folders,
// kustomize output on stdin), malformed YAML, a live (simulated) cluster, and an unreachable one.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PERMISSIONS, SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { inventoryFromManifests } from '../../src/audit/inventory.ts';
import { readManifests } from '../../src/audit/manifests.ts';
import { OUTPUT_FORMATS } from '../../src/audit/output-formats.ts';
import { auditMain } from '../../src/cli/audit.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import { MAIN, NODE, ROOT } from '../helpers/exporter.ts';
import { validate } from '../helpers/json-schema.ts';
import { type Result, runMain, runProcess } from '../helpers/run.ts';

const FIXTURES = join(ROOT, 'test/fixtures/audit');
const schema = JSON.parse(readFileSync(join(ROOT, 'docs/coverage-report.schema.json'), 'utf8'));

const audit = (args: string[], stdin = '') => runMain(auditMain, args, stdin);

/** The real binary through a shell, for pipes and real exit codes. */
function shell(command: string): Promise<Result> {
  return runProcess('bash', ['-o', 'pipefail', '-c', command], {
    cwd: ROOT,
    env: { ...process.env, CLI: `${NODE} --import tsx ${MAIN}`, KUBECONFIG: '' },
  });
}

function json(result: Result): CoverageReport {
  const report = JSON.parse(result.stdout) as CoverageReport;
  expect(validate(schema, report), 'schema errors').to.deep.equal([]);
  return report;
}

// Malformed on purpose (so it lives in a temporary folder, not among the linted fixtures): the flow sequence on
// line 11 is never closed.
const BROKEN_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: fine
---
apiVersion: v1
kind: Namespace
metadata:
  name: broken
  labels:
    team: [unclosed
`;

/** One namespace of each kind: unknown (a policy that cannot be judged), allow-all, protected from outside. */
const KINDS_YAML = `apiVersion: v1
kind: Namespace
metadata: {name: payroll, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: vault, labels: {tier: restricted}}
---
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: {name: api-accounts}
spec: {namespaceSelector: "env == 'prod'", serviceAccountSelector: "role == 'api'", types: [Ingress]}
---
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: {name: restricted-tier}
spec: {namespaceSelector: "tier == 'restricted'", types: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-everything, namespace: shop}
spec: {podSelector: {}, ingress: [{}]}
`;

/** An application's own NetworkPolicy, written without a namespace as upstream charts write them. */
const NETPOL_WITHOUT_NAMESPACE = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: podinfo
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: podinfo
  ingress:
    - ports:
        - port: 9898
`;

const verdicts = (report: CoverageReport) =>
  Object.fromEntries(report.namespaces.map((n) => [n.name, n.verdict]));

describe('audit --manifests', function () {
  this.timeout(120_000);
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'netpol-audit-'));
    await mkdir(join(scratch, 'malformed'));
    await writeFile(join(scratch, 'malformed/broken.yaml'), BROKEN_YAML);
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it('passes (exit 0) when every namespace is covered or validly exempt, and says so in the table', async () => {
    const result = await audit(['--manifests', join(FIXTURES, 'covered-repo')]);
    expect(result.code).to.equal(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).to.match(
      /^NAMESPACE\s+VERDICT\s+POLICIES\s+DENY-INGRESS\s+DENY-EGRESS\s+SOURCES\s+EXEMPTION\s+REACHABLE-FROM\s+LOCATION$/,
    );
    // The table names the file and line where each namespace is declared, as the JSON and JUnit outputs do.
    expect(lines.find((l) => l.startsWith('shop '))).to.match(
      /covered\s+1\s+yes\s+yes\s+networkpolicy\s+-\s+none\s+test\/fixtures\/audit\/covered-repo\/namespaces\.yaml:2$/,
    );
    expect(lines.find((l) => l.startsWith('legacy '))).to.match(
      /exempt\s+0\s+no\s+no\s+-\s+team-legacy until 2099-01-02T00:00:00Z\s+anywhere\s+test\/fixtures\/audit\/covered-repo\/namespaces\.yaml:9$/,
    );
    expect(result.stdout).to.contain('PASS: 2 namespaces: 1 covered, 0 uncovered, 1 exempt, 0 excluded');
  });

  it('fails (exit 1) on uncovered namespaces, declared or only referenced, in JSON that follows the schema', async () => {
    const result = await audit(['--manifests', join(FIXTURES, 'uncovered-repo'), '--output', 'json']);
    expect(result.code).to.equal(1);
    const report = json(result);
    expect(report.schemaVersion).to.equal(2);
    expect(report).to.deep.include({ passed: false, result: 'fail', state: 'complete', stateReasons: [] });
    expect(report.source).to.deep.equal({ mode: 'manifests', paths: [join(FIXTURES, 'uncovered-repo')] });
    expect(verdicts(report)).to.deep.equal({
      batch: 'uncovered',
      payments: 'uncovered',
      reports: 'uncovered',
      sandbox: 'covered',
    });
    expect(report.summary).to.deep.equal({
      namespaces: 4,
      covered: 1,
      uncovered: 3,
      exempt: 0,
      excluded: 0,
      defaultDeny: { ingress: 0, egress: 0 },
      unknown: 0,
      // sandbox's only policy allows all ingress: covered by the letter, flagged.
      allowAll: { ingress: 1, egress: 0 },
      dangling: 0,
    });
    const at = Object.fromEntries(report.namespaces.map((n) => [n.name, n.location]));
    // batch has no Namespace object: it is there because a ConfigMap is deployed into it.
    expect(at.batch).to.equal('test/fixtures/audit/uncovered-repo/all.yaml:31');
    expect(at.payments).to.equal('test/fixtures/audit/uncovered-repo/all.yaml:1');
  });

  it('writes JUnit XML with one failing test case per uncovered namespace', async () => {
    const result = await audit(['--manifests', join(FIXTURES, 'uncovered-repo'), '--output=junit']);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(result.stdout).to.contain('tests="4" failures="3" errors="0" skipped="0"');
    expect(result.stdout.match(/<testcase /g)).to.have.length(4);
    for (const ns of ['batch', 'payments', 'reports'])
      expect(result.stdout).to.match(
        new RegExp(`<testcase classname="namespaces" name="${ns}">\\s*<failure type="uncovered"`),
      );
    expect(result.stdout).to.match(/<testcase classname="namespaces" name="sandbox">\s*<system-out>/);
  });

  it('applies scope and exemption rules like the exporter: excluded namespaces pass but stay listed', async () => {
    const result = await audit([
      `--manifests=${join(FIXTURES, 'uncovered-repo')}`,
      '--namespaces.exclude=batch,rep*',
      '--namespaces.exclude-selector=internet-facing=true',
      '--output=json',
    ]);
    expect(result.code).to.equal(0);
    const report = json(result);
    expect(verdicts(report)).to.deep.equal({
      batch: 'excluded',
      payments: 'excluded',
      reports: 'excluded',
      sandbox: 'covered',
    });
    expect(report.summary.excluded).to.equal(3);
  });

  it('reads several --manifests (repeated or comma-separated), files and folders alike', async () => {
    const both = await audit([
      '--manifests',
      join(FIXTURES, 'covered-repo/namespaces.yaml'),
      '--manifests',
      `${join(FIXTURES, 'covered-repo/apps')},${join(FIXTURES, 'uncovered-repo/all.yaml')}`,
      '--output=json',
    ]);
    expect(Object.keys(verdicts(json(both)))).to.deep.equal([
      'batch',
      'legacy',
      'payments',
      'reports',
      'sandbox',
      'shop',
    ]);
  });

  it('counts cluster-scoped and CNI policies in manifests, narrowed by --coverage-sources like the exporter', async () => {
    const all = json(await audit(['--manifests', join(FIXTURES, 'cni-repo'), '--output=json']));
    expect(all.namespaces.map((n) => [n.name, n.verdict, n.sources.join(',')])).to.deep.equal([
      ['bare', 'uncovered', ''],
      ['cilium-app', 'covered', 'cilium_networkpolicy'],
      ['shielded', 'covered', 'calico_globalnetworkpolicy'],
    ]);
    const literal = await audit([
      '--manifests',
      join(FIXTURES, 'cni-repo'),
      '--coverage-sources=networkpolicy',
    ]);
    expect(literal.code).to.equal(1);
    expect(literal.stdout).to.contain('FAIL: 3 namespaces: 0 covered, 3 uncovered');
  });

  it('says unknown, allow-all and protected-from-outside in the table, JSON and JUnit, naming the policies', async () => {
    await writeFile(join(scratch, 'kinds.yaml'), KINDS_YAML);
    const file = join(scratch, 'kinds.yaml');
    const table = await audit(['--manifests', file]);
    expect(table.code).to.equal(1);
    const lines = table.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('payroll '))).to.match(
      // Manifests mode ends each row with the file:line where the namespace is declared.
      /uncovered\s+0\s+no\s+no\s+unknown:calico_globalnetworkpolicy\s+-\s+none \(unknown\)\s+\S+kinds\.yaml:\d+$/,
    );
    expect(lines.find((l) => l.startsWith('vault '))).to.match(
      /covered\s+0\s+no\s+no\s+calico_globalnetworkpolicy\s+-\s+none \(unknown\)\s+\S+kinds\.yaml:\d+$/,
    );
    expect(table.stdout).to.contain(
      '  payroll: unknown: GlobalNetworkPolicy api-accounts could not be judged: serviceAccountSelector "role == \'api\'" is not evaluated',
    );
    expect(table.stdout).to.contain(
      '  shop: allow-all: NetworkPolicy allow-everything allows all ingress to every pod: it protects nothing for ingress',
    );
    expect(table.stdout).to.match(
      /\nUNKNOWN: 3 namespaces: 2 covered, 1 uncovered, 0 exempt, 0 excluded; .*; unknown 1; allow-all ingress 1, egress 0; dangling 0; exposure unknown 2\n/,
    );
    expect(table.stdout).to.contain(
      'UNKNOWN: 1 uncovered namespace with policies that could not be judged\n',
    );

    const report = json(await audit(['--manifests', file, '--output=json']));
    expect(report).to.deep.include({ passed: false, result: 'unknown', state: 'complete' });
    const byName = Object.fromEntries(report.namespaces.map((n) => [n.name, n]));
    expect(byName.payroll?.unknown).to.deep.equal(['calico_globalnetworkpolicy']);
    expect(byName.payroll?.unjudgedPolicies.map((p) => p.name)).to.deep.equal(['api-accounts']);
    expect(byName.shop?.allowAll).to.deep.equal({ ingress: ['allow-everything'], egress: [] });
    expect(byName.vault?.protectedByPolicies.map((p) => `${p.kind}/${p.name}`)).to.deep.equal([
      'GlobalNetworkPolicy/restricted-tier',
    ]);

    const junit = (await audit(['--manifests', file, '--output=junit'])).stdout;
    expect(junit).to.contain('tests="3" failures="0" errors="1" skipped="0"');
    expect(junit).to.match(
      /name="payroll">\s*<error type="unknown" message="namespace payroll: protection could not be judged/,
    );
    expect(junit).to.contain('protected by GlobalNetworkPolicy restricted-tier');
    expect(junit).to.contain('allow-all: NetworkPolicy allow-everything allows all ingress');
  });

  it('treats exemptions that are malformed as no exemption, and says why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-audit-'));
    try {
      await writeFile(
        join(dir, 'ns.yaml'),
        `apiVersion: v1
kind: Namespace
metadata:
  name: noowner
  annotations:
    netpol-exporter.io/exempt: "true"
    netpol-exporter.io/reason: "later"
    netpol-exporter.io/expires: "2099-01-01"
`,
      );
      const result = await audit(['--manifests', dir, '--output=json']);
      expect(result.code).to.equal(1);
      const [ns] = json(result).namespaces;
      expect(ns?.verdict).to.equal('uncovered');
      expect(ns?.exemption).to.include({ state: 'invalid' });
      expect(ns?.exemption?.problems).to.include('missing_owner');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("checks a real application's manifests (no namespace, no NetworkPolicy) where kubectl apply puts them", async () => {
    const app = join(FIXTURES, 'app-repo');
    const result = await audit(['--manifests', app]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(
      /^default\s+uncovered\s+0\s+no\s+no\s+-\s+-\s+anywhere\s+\S+deployment\.yaml:3$/m,
    );
    expect(result.stdout).to.contain('FAIL: 1 namespaces: 0 covered, 1 uncovered');
    expect(result.stderr).to.equal(
      'netpol-exporter: warning: test/fixtures/audit/app-repo/deployment.yaml:3: 5 namespaced objects have no ' +
        'metadata.namespace (this one first); counted in "default", where kubectl apply puts them (--namespace ' +
        'chooses another)\n' +
        'netpol-exporter: warning: test/fixtures/audit/app-repo/cluster.yaml:2: 2 cluster-scoped objects (1 ' +
        'ClusterRole, 1 ClusterRoleBinding; this one first) name no namespace and no network policy; read and not ' +
        'counted\n',
    );
    for (const flag of [['-n', 'shop'], ['--namespace', 'shop'], ['--namespace=shop'], ['-nshop']]) {
      const placed = await audit(['--manifests', app, ...flag, '--output=json']);
      expect(placed.code, flag.join(' ')).to.equal(1);
      expect(placed.stderr, flag.join(' ')).not.to.contain('no metadata.namespace');
      expect(verdicts(json(placed))).to.deep.equal({ shop: 'uncovered' });
    }
    const covered = await audit(
      ['--manifests', app, '--manifests', '-', '-n', 'shop'],
      NETPOL_WITHOUT_NAMESPACE,
    );
    expect(covered.code).to.equal(0);
    expect(covered.stdout).to.contain('PASS: 1 namespaces: 1 covered');
  });

  it('exits 2 with one line when the manifests hold nothing to check: nothing checked is never a pass', async () => {
    const clusterOnly = await audit([
      '--manifests',
      join(FIXTURES, 'app-repo/cluster.yaml'),
      '--manifests',
      join(FIXTURES, 'kustomize-app/kustomization.yaml'),
    ]);
    expect(clusterOnly.code).to.equal(2);
    expect(clusterOnly.stdout).to.equal('');
    // One line for the error, after one line for each kind of thing it read and could not use.
    const lines = clusterOnly.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).to.equal(
      'netpol-exporter audit: nothing to check: the manifests hold no Namespace and no namespaced object',
    );
    expect(
      lines.slice(0, -1).map((l) => /^netpol-exporter: warning: (\S+): \d+ (\S+)/.exec(l)?.slice(1)),
    ).to.deep.equal([
      ['test/fixtures/audit/kustomize-app/kustomization.yaml:2', 'kustomize'],
      ['test/fixtures/audit/app-repo/cluster.yaml:2', 'cluster-scoped'],
    ]);
    const empty = await audit(['--manifests', '-'], '# nothing here\n');
    expect(empty.code).to.equal(2);
  });

  it('--namespace applies to manifests only: against a cluster it is a usage error, and it takes a namespace name', async () => {
    const live = await audit(['-n', 'shop', '--kubeconfig', join(FIXTURES, 'no-such-kubeconfig')]);
    expect(live.code).to.equal(2);
    expect(live.stderr).to.match(
      /^netpol-exporter audit: --namespace .*needs --manifests.*--namespaces\.include\n$/,
    );
    const bad = await audit(['--manifests', join(FIXTURES, 'app-repo'), '--namespace=Shop_1']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal(
      'netpol-exporter audit: --namespace takes a namespace name (an RFC 1123 label), not "Shop_1"\n',
    );
  });

  it('reads manifests as the API server would: what it changes or refuses protects nothing, one warning line each', async () => {
    const result = await audit(['--manifests', join(FIXTURES, 'refused-repo'), '--output=json']);
    expect(result.code).to.equal(1);
    const report = json(result);
    expect(verdicts(report)).to.deep.equal({
      'old-api': 'uncovered',
      'older-api': 'uncovered',
      // Its Calico policy selects kubernetes.io/metadata.name == 'team-a': the label the cluster sets, not the manifest's.
      'team-a': 'covered',
      // The later of the two "deny" policies wins: a default deny for ingress only.
      twice: 'covered',
      typo: 'uncovered',
    });
    expect(report.namespaces.find((n) => n.name === 'twice')?.defaultDeny).to.deep.equal({
      ingress: true,
      egress: false,
    });
    const file = 'test/fixtures/audit/refused-repo/all.yaml';
    const warnings = result.stderr.trimEnd().split('\n');
    expect(warnings.map((w) => /^netpol-exporter: warning: (\S+): /.exec(w)?.[1])).to.deep.equal(
      [2, 20, 30, 39, 48, 75].map((n) => `${file}:${n}`),
    );
    expect(warnings[0]).to.contain('label kubernetes.io/metadata.name is "team-b" here');
    expect(warnings[1]).to.contain('spec.policyTypes[0]: Unsupported value: "ingress"');
    expect(warnings[2]).to.contain('networking.k8s.io/v1beta1 is not served');
    expect(warnings[3]).to.contain('extensions/v1beta1 is not served');
    expect(warnings[4]).to.contain('Only one baseline admin network policy with metadata.name="default"');
    expect(warnings[5]).to.contain(`is also defined at ${file}:65; the later one wins`);
    for (const w of warnings.slice(1, 5)) expect(w).to.match(/a cluster refuses it, so it protects nothing$/);
  });

  it('lists dangling policies from the pods of the workloads in the manifests', async () => {
    const result = await audit(['--manifests', join(FIXTURES, 'dangling-repo')]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal(
      'netpol-exporter: warning: test/fixtures/audit/dangling-repo/policies.yaml:17: NetworkPolicy ' +
        'shop/frontend-egress is dangling: its podSelector selects none of the 3 workloads in shop, so it ' +
        "isolates nothing (the namespace's policies together isolate 1 of 3 for ingress, 0 for egress)\n",
    );
    // The report names it too: the table's finding line and the JSON's dangling list.
    expect(result.stdout).to.contain('shop: dangling');
    const json = await audit(['--manifests', join(FIXTURES, 'dangling-repo'), '--output', 'json']);
    const shop = (JSON.parse(json.stdout) as CoverageReport).namespaces.find((n) => n.name === 'shop');
    expect(shop?.dangling).to.deep.equal(['frontend-egress']);
  });

  it('names the file and line of malformed YAML in one line, exit 2, no stack trace', async () => {
    const result = await audit(['--manifests', join(scratch, 'malformed')]);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('');
    const [, file, line] =
      /^netpol-exporter audit: (.+):(\d+):\d+: malformed YAML: .+\n$/.exec(result.stderr) ?? [];
    expect(file).to.equal(join(scratch, 'malformed/broken.yaml'));
    // The parser notices the unclosed sequence of line 11 where the document ends.
    expect(Number(line)).to.be.within(11, 12);
  });

  it('exits 2 on a missing path and on an unknown output format', async () => {
    expect((await audit(['--manifests', join(FIXTURES, 'nope')])).stderr).to.match(
      /no such file or directory\n$/,
    );
    expect((await audit(['--manifests', join(FIXTURES, 'nope')])).code).to.equal(2);
    const bad = await audit(['--manifests', FIXTURES, '--output', 'xml']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--output takes one of table, json, junit');
  });

  it('every output format of the one list is a value of --output, named in --help, and written by its own writer', async () => {
    const help = (await audit(['--help'])).stdout.replace(/\s+/g, ' ');
    const bad = await audit(['--manifests', FIXTURES, '--output', 'xml']);
    const report = json(await audit(['--manifests', FIXTURES, '--output', 'json']));
    // What the audit knows besides the report (where each policy is written), as it hands it to the writers.
    const { policyLocations } = inventoryFromManifests(await readManifests([FIXTURES]), [FIXTURES]);
    // Each run has its own time of writing; the rest of each writer's output is compared whole.
    const sameTime = (text: string) =>
      text.replaceAll(/("generatedAt": |"endTimeUtc": |timestamp=)"[^"]+"/g, '$1"T"');
    for (const format of OUTPUT_FORMATS) {
      expect(help, format.name).to.contain(`${format.name} (${format.help})`);
      expect(bad.stderr, format.name).to.contain(format.name);
      const out = await audit(['--manifests', FIXTURES, '--output', format.name]);
      expect(out.code, format.name).to.equal(1);
      expect(sameTime(out.stdout), format.name).to.equal(sameTime(format.write(report, { policyLocations })));
    }
  });

  it('the binary: kubectl kustomize output on stdin passes; exit codes are the process exit codes', async function () {
    // Four real processes, each loading TypeScript through tsx: seconds each on a busy machine.
    this.timeout(180_000);
    const piped = await shell(
      `kubectl kustomize test/fixtures/audit/kustomize-app | $CLI audit --manifests - --output json`,
    );
    expect(piped.stderr).to.equal('');
    expect(piped.code).to.equal(0);
    const report = json(piped);
    expect(report.namespaces).to.have.length(1);
    expect(report.namespaces[0]).to.include({ name: 'api', verdict: 'covered', location: '<stdin>:1' });
    expect(report.namespaces[0]?.defaultDeny).to.deep.equal({ ingress: true, egress: false });

    const failing = await shell('$CLI audit --manifests test/fixtures/audit/uncovered-repo');
    expect(failing.code).to.equal(1);
    expect(failing.stdout).to.contain('FAIL: 4 namespaces');

    const malformed = await shell(`$CLI audit --manifests ${join(scratch, 'malformed')}`);
    expect(malformed.code).to.equal(2);
    expect(malformed.stderr.trim().split('\n')).to.have.length(1);
    expect(malformed.stderr).to.contain('broken.yaml:');

    const usage = await shell('$CLI audit --no-such-flag');
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.equal('netpol-exporter audit: unknown flag --no-such-flag (see --help)\n');
  });

  it('writes a large report a chunk at a time, each when the reader has taken the last, and loses nothing', async function () {
    this.timeout(180_000);
    // 400 namespaces, half of them uncovered: a JSON report of about a megabyte.
    const many = Array.from(
      { length: 400 },
      (_, i) =>
        `apiVersion: v1\nkind: Namespace\nmetadata: {name: team-${i}, labels: {team: t${i % 7}}}\n` +
        (i % 2 === 0
          ? '---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n' +
            `metadata: {name: deny, namespace: team-${i}}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n`
          : ''),
    ).join('---\n');
    const file = join(scratch, 'many.yaml');
    await writeFile(file, many);
    const whole = await audit(['--manifests', file, '--output', 'json']);
    expect(whole.code).to.equal(1);
    for (const output of ['json', 'table', 'junit', 'sarif']) {
      const want = (await audit(['--manifests', file, '--output', output])).stdout;
      // A reader slower than the writer: each write is taken a little later, and the next must wait for it.
      let stdout = '';
      let writes = 0;
      let waiting = false;
      const code = await auditMain(
        ['--manifests', file, '--output', output],
        {},
        {
          stdout: (text) => {
            expect(waiting, `${output}: a write while the last is not taken`).to.equal(false);
            waiting = true;
            writes++;
            stdout += text;
            return new Promise<void>((resolve) =>
              setTimeout(() => {
                waiting = false;
                resolve();
              }, 1),
            );
          },
          stderr: () => {},
        },
      );
      expect(code, output).to.equal(1);
      const sameTime = (text: string) =>
        text.replaceAll(/("generatedAt": |"endTimeUtc": |timestamp=)"[^"]+"/g, '$1"T"');
      expect(sameTime(stdout), output).to.equal(sameTime(want));
      if (output === 'json') expect(writes, 'JSON writes').to.be.greaterThan(5);
    }
    expect(json(whole).namespaces).to.have.length(400);
    // The binary through a pipe to a reader that starts late: the whole report arrives, and it is valid JSON.
    const piped = await shell(
      `$CLI audit --manifests ${file} --output json | (sleep 1; cat) | node -e 'let t="";process.stdin.on("data",(d)=>{t+=d}).on("end",()=>{console.log(JSON.parse(t).namespaces.length)})'`,
    );
    expect(piped.stderr).to.equal('');
    expect(piped.code).to.equal(1);
    expect(piped.stdout).to.equal('400\n');
    // A reader that goes away (`| head`): one line and exit 2, never 1 (which says uncovered namespaces were found).
    const cut = await shell(`$CLI audit --manifests ${file} --output json | head -c 10 > /dev/null`);
    expect(cut.stderr).to.equal(
      'netpol-exporter: stdout was closed before the output was written (its reader exited)\n',
    );
    expect(cut.code).to.equal(2);
  });
});

describe('audit against a cluster', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    sim = await SimulatedCluster.start();
    sim.addToken('audit-token', EXPORTER_PERMISSIONS);
    dir = await mkdtemp(join(tmpdir(), 'netpol-audit-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { token: 'audit-token' });
    for (const name of ['web', 'db', 'tools'])
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny', namespace: 'web' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every namespace (page by page) and fails on those the cluster leaves uncovered', async () => {
    const result = await audit(['--kubeconfig', kubeconfig, '--watch.page-size=2', '--output=json']);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(1);
    const report = json(result);
    expect(report.source).to.deep.equal({ mode: 'cluster', server: sim.url });
    const uncovered = sim
      .list('namespaces')
      .map((n) => n.metadata.name)
      .filter((n) => n !== 'web')
      .sort();
    expect(report.namespaces.filter((n) => n.verdict === 'uncovered').map((n) => n.name)).to.deep.equal(
      uncovered,
    );
    expect(report.namespaces.find((n) => n.name === 'web')).to.deep.include({
      verdict: 'covered',
      policies: 1,
      defaultDeny: { ingress: true, egress: true },
    });
  });

  it('passes once every namespace has a policy', async () => {
    for (const ns of sim.list('namespaces')) {
      if (ns.metadata.name === 'web') continue;
      sim.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny', namespace: ns.metadata.name },
        spec: { podSelector: {} },
      });
    }
    const result = await audit(['--kubeconfig', kubeconfig]);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/PASS: \d+ namespaces: \d+ covered, 0 uncovered/);
  });

  it('exits 2 with one line when the API server refuses the request or cannot be reached', async function () {
    this.timeout(120_000);
    await sim.writeKubeconfig(join(dir, 'bad-token'), { token: 'not-a-token' });
    const denied = await audit(['--kubeconfig', join(dir, 'bad-token')]);
    expect(denied.code).to.equal(2);
    expect(denied.stderr).to.match(
      /^netpol-exporter audit: cannot list \w+ from https:\/\/127\.0\.0\.1:\d+: .*401.*\n$/,
    );

    const port = sim.port;
    await sim.stop();
    const down = await shell(`$CLI audit --kubeconfig ${kubeconfig}`);
    expect(down.code).to.equal(2);
    expect(down.stdout).to.equal('');
    expect(down.stderr).to.match(
      new RegExp(
        `^netpol-exporter audit: cannot list \\w+ from https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`,
      ),
    );
  });
});

/** One namespace open to every namespace, one whose deny is undone, one closed, one exempt and open, one unjudged. */
const EXPOSURE_YAML = `apiVersion: v1
kind: Namespace
metadata: {name: open}
---
apiVersion: v1
kind: Namespace
metadata: {name: undone}
---
apiVersion: v1
kind: Namespace
metadata: {name: closed}
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  annotations:
    netpol-exporter.io/exempt: "true"
    netpol-exporter.io/owner: team-legacy
    netpol-exporter.io/reason: "migrating"
    netpol-exporter.io/expires: "2099-01-01"
    netpol-exporter.io/granted: "2098-06-01"
---
apiVersion: v1
kind: Namespace
metadata: {name: unjudged, labels: {team: payments}}
---
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: {name: payments}
spec: {namespaceSelector: "team == 'payments'", types: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-every-namespace, namespace: open}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: undone}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: undone}
spec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: closed}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`;

describe('audit: exposure and --fail-on-exposure', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-audit-'));
    file = join(dir, 'exposure.yaml');
    await writeFile(file, EXPOSURE_YAML);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('shows who can reach each namespace in the table and JSON, and fails nothing without the flag', async () => {
    const table = await audit(['--manifests', file]);
    expect(table.code).to.equal(0);
    const row = (name: string) => table.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    expect(row('open')).to.match(/\sall_namespaces\s+\S+exposure\.yaml:\d+$/);
    expect(row('undone')).to.match(/\sanywhere\s+\S+exposure\.yaml:\d+$/);
    expect(row('closed')).to.match(/\snone\s+\S+exposure\.yaml:\d+$/);
    expect(row('unjudged')).to.match(/\snone \(unknown\)\s+\S+exposure\.yaml:\d+$/);
    expect(table.stdout).to.contain(
      '  undone: deny undone: the default deny for ingress is undone by an allow-all policy\n',
    );
    expect(table.stdout).not.to.contain('EXPOSURE');

    const report = json(await audit(['--manifests', file, '--output=json']));
    expect(report.exposureCheck).to.equal(undefined);
    const byName = Object.fromEntries(report.namespaces.map((n) => [n.name, n.exposure]));
    expect(byName.open?.ingress).to.deep.include({
      reachable: ['same_namespace', 'other_namespaces', 'all_namespaces'],
      widest: 'all_namespaces',
      unknown: false,
      denyUndone: false,
    });
    expect(byName.open?.ingress.openedBy.all_namespaces).to.deep.equal([
      'NetworkPolicy/from-every-namespace',
    ]);
    expect(byName.undone?.ingress).to.deep.include({ widest: 'anywhere', denyUndone: true });
    expect(byName.closed?.ingress).to.deep.include({ reachable: [], widest: null });
    expect(byName.closed?.egress).to.deep.include({ reachable: [], widest: null });
    expect(byName.unjudged?.ingress.unknown).to.equal(true);
  });

  it('with --names, names the namespaces behind other_namespaces in the JSON, with what opens each, and those it cannot judge', async () => {
    // Without --names the JSON carries the classes only (names for every namespace cost seconds at 10,000).
    const plain = json(await audit(['--manifests', file, '--output=json']));
    expect(plain.namespaces.some((n) => n.exposure?.ingress.otherNamespaces)).to.equal(false);
    const report = json(await audit(['--manifests', file, '--output=json', '--names']));
    const byName = Object.fromEntries(report.namespaces.map((n) => [n.name, n.exposure]));
    const others = (name: string) =>
      report.namespaces
        .map((n) => n.name)
        .filter((n) => n !== name && n !== 'kube-system' && n !== 'default');
    // Every namespace that exists reaches `open`, through its one policy; none reaches `closed`.
    const open = byName.open?.ingress.otherNamespaces;
    expect(open?.reachable.map((r) => r.namespace)).to.include.members(others('open'));
    expect(open?.reachable.every((r) => r.openedBy.join() === 'NetworkPolicy/from-every-namespace')).to.equal(
      true,
    );
    expect(open).to.deep.include({ more: 0, unknown: [], unknownMore: 0 });
    expect(byName.closed?.ingress.otherNamespaces).to.deep.equal({
      reachable: [],
      more: 0,
      unknown: [],
      unknownMore: 0,
    });
    // A Calico policy the exporter does not evaluate: every other namespace is unknown, none left out as "cannot".
    const unjudged = byName.unjudged?.ingress.otherNamespaces;
    expect(unjudged?.reachable).to.deep.equal([]);
    expect(unjudged?.unknown).to.include.members(others('unjudged'));
  });

  it('exits 1 and names the namespaces reachable from the class, and those it could not judge, in every format', async () => {
    const flag = '--fail-on-exposure=all_namespaces';
    const table = await audit(['--manifests', file, flag]);
    expect(table.code).to.equal(1);
    // The coverage check itself passes; the exempt namespace is skipped although every namespace can reach it.
    expect(table.stdout).to.match(/\nPASS: 5 namespaces: 4 covered, 0 uncovered, 1 exempt/);
    expect(table.stdout).to.contain(
      'EXPOSURE FAIL: 2 namespaces reachable from all_namespaces (ingress): open, undone; could not be judged: unjudged\n',
    );

    const result = await audit(['--manifests', file, flag, '--output=json']);
    expect(result.code).to.equal(1);
    expect(json(result).exposureCheck).to.deep.equal({
      failOn: 'all_namespaces',
      passed: false,
      reachable: ['open', 'undone'],
      unknown: ['unjudged'],
    });

    const junit = await audit(['--manifests', file, flag, '--output=junit']);
    expect(junit.code).to.equal(1);
    expect(junit.stdout).to.contain(
      '<testsuite name="Exposure: no namespace reachable from all_namespaces (ingress)" tests="5" failures="2" errors="1" skipped="1"',
    );
    expect(junit.stdout).to.match(
      /classname="exposure" name="open">\s*<failure type="exposed" message="namespace open is reachable from all_namespaces/,
    );
    expect(junit.stdout).to.contain('opened by NetworkPolicy/from-every-namespace');
    expect(junit.stdout).to.match(/classname="exposure" name="unjudged">\s*<error type="unknown"/);
    expect(junit.stdout).to.match(/classname="exposure" name="legacy">\s*<skipped/);
  });

  it('an AdminNetworkPolicy Pass hands the passed namespaces on: the Deny after it does not take them', async () => {
    const passFile = join(dir, 'pass.yaml');
    await writeFile(
      passFile,
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
metadata: {name: app-policy, namespace: app}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: pass-monitoring}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress: [{action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-the-rest}
spec:
  priority: 20
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
`,
    );
    const flag = '--fail-on-exposure=other_namespaces';
    const result = await audit(['--manifests', passFile, flag, '--output=json']);
    const report = json(result);
    const app = report.namespaces.find((n) => n.name === 'app');
    // The NetworkPolicy admits monitoring, and the Pass hands monitoring to it.
    expect(app?.exposure?.ingress.reachable).to.deep.equal(['other_namespaces']);
    expect(app?.exposure?.ingress.openedBy.other_namespaces).to.deep.equal(['NetworkPolicy/app-policy']);
    expect(result.code).to.equal(1);
    expect(report.exposureCheck?.reachable).to.include('app');
  });

  it('passes a class nothing reaches, and refuses a class it does not know', async () => {
    const anywhere = await audit([
      '--manifests',
      join(FIXTURES, 'covered-repo'),
      '--fail-on-exposure=anywhere',
    ]);
    // covered-repo: shop denies everything, legacy is exempt.
    expect(anywhere.code).to.equal(0);
    expect(anywhere.stdout).to.contain('EXPOSURE PASS: 0 namespaces reachable from anywhere (ingress)\n');
    const bad = await audit(['--manifests', file, '--fail-on-exposure=everyone']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--fail-on-exposure takes one of same_namespace, other_namespaces');
  });
});

describe('audit against a cluster with Calico', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;

  before(async () => {
    sim = await SimulatedCluster.start({
      systemNamespaces: false,
      enabledKinds: ['globalnetworkpolicies.crd.projectcalico.org'],
    });
    sim.addToken('all', ALL_PERMISSIONS);
    sim.addToken(
      'netpol-only',
      EXPORTER_PERMISSIONS.filter(
        (p) => p.resource === 'namespaces' || p.resource === 'services' || p.group === 'networking.k8s.io',
      ),
    );
    dir = await mkdtemp(join(tmpdir(), 'netpol-audit-'));
    await sim.writeKubeconfig(join(dir, 'all'), { token: 'all' });
    await sim.writeKubeconfig(join(dir, 'netpol-only'), { token: 'netpol-only' });
    sim.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shielded', labels: { team: 'payments' } },
    });
    sim.create({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'payments-deny' },
      spec: { namespaceSelector: "team == 'payments'", types: ['Ingress'] },
    });
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the policies of the kinds the server serves, and warns about those it may not list', async () => {
    const seen = await audit(['--kubeconfig', join(dir, 'all'), '--output=json']);
    expect(seen.code).to.equal(0);
    expect(json(seen).namespaces).to.deep.equal([
      {
        name: 'shielded',
        phase: 'Active',
        verdict: 'covered',
        policies: 0,
        defaultDeny: { ingress: false, egress: false },
        sources: ['calico_globalnetworkpolicy'],
        excluded: false,
        exemption: null,
        unknown: [],
        protectedByPolicies: [
          {
            source: 'calico_globalnetworkpolicy',
            kind: 'GlobalNetworkPolicy',
            namespace: null,
            name: 'payments-deny',
            selects: "namespaceSelector: team == 'payments'; selector: all()",
          },
        ],
        unjudgedPolicies: [],
        defaultDenyPolicies: { ingress: [], egress: [] },
        allowAll: { ingress: [], egress: [] },
        dangling: null,
        // A Calico policy is not judged for reachability: ingress is unknown; nothing isolates egress.
        exposure: {
          ingress: {
            reachable: [],
            unknown: true,
            unknownClasses: ['same_namespace', 'other_namespaces', 'all_namespaces', 'ip_blocks', 'anywhere'],
            widest: null,
            openedBy: {},
            denyUndone: false,
            // The only namespace: no other to name.
          },
          egress: {
            reachable: ['same_namespace', 'other_namespaces', 'all_namespaces', 'ip_blocks', 'anywhere'],
            unknown: false,
            unknownClasses: [],
            widest: 'anywhere',
            openedBy: Object.fromEntries(
              ['same_namespace', 'other_namespaces', 'all_namespaces', 'ip_blocks', 'anywhere'].map((c) => [
                c,
                ['(pods no policy isolates)'],
              ]),
            ),
            denyUndone: false,
          },
        },
        // Services and Ingresses were read: nothing opens it to the internet.
        internetFacing: { vias: [], entryPoints: [] },
      },
    ]);
    const blind = await audit(['--kubeconfig', join(dir, 'netpol-only'), '--output=json']);
    // Not a pass, and not "uncovered" either: a policy it may not read could protect 'shielded'.
    expect(blind.code).to.equal(1);
    expect(blind.stderr).to.equal(
      'netpol-exporter: warning: not permitted to list globalnetworkpolicies.crd.projectcalico.org; namespaces only its policies could protect are unknown\n',
    );
    expect(json(blind).namespaces[0]).to.deep.include({
      name: 'shielded',
      verdict: 'uncovered',
      unknown: ['calico_globalnetworkpolicy'],
    });
    expect(json(blind).summary).to.deep.include({ uncovered: 1, unknown: 1 });
  });
});
