// `audit --output sarif` as code-scanning dashboards read it: valid against the SARIF 2.1.0 JSON schema, clean under
// Microsoft's SARIF validator with GitHub's ingestion rules, every result at the file and line of the object it is
// about, fingerprints that follow the object when lines move, and the audit's exit codes unchanged.
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import { parse } from 'yaml';
import { auditMain } from '../../src/cli/audit.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import { ROOT } from '../helpers/exporter.ts';
import { runMain, runProcess } from '../helpers/run.ts';

const FIXTURE = 'test/fixtures/audit/sarif-repo';
const audit = (args: string[]) => runMain(auditMain, args);

// The validator's npm package resolves to its binary for this platform; the SARIF 2.1.0 schema ships beside it.
const MULTITOOL = createRequire(import.meta.url)('@microsoft/sarif-multitool') as string;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validSarif = ajv.compile(
  JSON.parse(readFileSync(join(dirname(MULTITOOL), 'sarif-2.1.0.json'), 'utf8')),
);

function schemaErrors(log: unknown): string[] {
  validSarif(log);
  return (validSarif.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

interface Location {
  physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } };
  logicalLocations: { name: string; fullyQualifiedName: string; kind: string }[];
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Location[];
  partialFingerprints: Record<string, string>;
}
interface Log {
  version: string;
  runs: { tool: { driver: { rules: Record<string, unknown>[] } }; results: Result[] }[];
}

function sarifOf(stdout: string): Log {
  const log = JSON.parse(stdout) as Log;
  expect(schemaErrors(log), 'SARIF 2.1.0 schema errors').to.deep.equal([]);
  return log;
}

const resultsOf = (log: Log) => log.runs[0]?.results ?? [];

/** rule namespace[/policy], from the logical locations every result carries. */
const what = (r: Result) =>
  `${r.ruleId} ${(r.locations[0]?.logicalLocations ?? []).map((l) => l.fullyQualifiedName).join(' ')}`;

/**
 * The object that starts at a line of a manifest, read without the audit's parser: the lines from there to the next
 * document separator.
 */
function objectAt(
  file: string,
  line: number,
): { kind: string; name: string; namespace?: string; first: string } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const first = lines[line - 1] ?? '';
  const end = lines.findIndex((l, i) => i >= line - 1 && l.startsWith('---'));
  const doc = parse(lines.slice(line - 1, end === -1 ? undefined : end).join('\n'));
  return { kind: doc.kind, name: doc.metadata.name, namespace: doc.metadata.namespace, first };
}

describe('audit --output sarif', function () {
  // The validator is a .NET program: several seconds to start on a busy machine.
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-sarif-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('one result per namespace and finding, each at the file and line of the object it is about', async () => {
    const args = ['--manifests', join(ROOT, FIXTURE), '--fail-on-exposure=all_namespaces'];
    const out = await audit([...args, '--output=sarif']);
    const report = JSON.parse((await audit([...args, '--output=json'])).stdout) as CoverageReport;
    // The exit code is the audit's, whatever the format.
    expect(out.code).to.equal(1);
    const log = sarifOf(out.stdout);
    expect(log.version).to.equal('2.1.0');
    const results = resultsOf(log);
    expect(results.map(what).sort()).to.deep.equal(
      [
        'uncovered payments',
        'exposure payments',
        'unknown payroll',
        'exposure payroll',
        'allow-all shop shop/NetworkPolicy/allow-everything',
        'dangling shop shop/NetworkPolicy/frontend-egress',
        'exposure shop',
      ].sort(),
    );
    // The exposure results are exactly the namespaces --fail-on-exposure fails on (reachable or not judged).
    const check = report.exposureCheck;
    expect(
      results
        .filter((r) => r.ruleId === 'exposure')
        .map((r) => r.locations[0]?.logicalLocations[0]?.name)
        .sort(),
    ).to.deep.equal([...(check?.reachable ?? []), ...(check?.unknown ?? [])].sort());

    const rules = log.runs[0]?.tool.driver.rules ?? [];
    for (const result of results) {
      expect(rules[result.ruleIndex]?.id, what(result)).to.equal(result.ruleId);
      const physical = result.locations[0]?.physicalLocation;
      expect(physical?.artifactLocation.uriBaseId, what(result)).to.equal('%SRCROOT%');
      const uri = physical?.artifactLocation.uri ?? '';
      expect(uri, what(result)).to.match(new RegExp(`^${FIXTURE}/[a-z]+\\.yaml$`));
      const at = objectAt(join(ROOT, uri), physical?.region.startLine ?? 0);
      expect(at.first, `${what(result)}: the line the object starts on`).to.match(/^apiVersion: /);
      const [namespace, policy] = result.locations[0]?.logicalLocations ?? [];
      if (policy)
        expect(at, what(result)).to.include({
          kind: 'NetworkPolicy',
          name: policy.name,
          namespace: namespace?.name,
        });
      else expect(at, what(result)).to.include({ kind: 'Namespace', name: namespace?.name });
    }
  });

  it('names a rule for each kind of finding, with help, a runbook that exists and a security severity', async () => {
    const log = sarifOf((await audit(['--manifests', join(ROOT, FIXTURE), '--output=sarif'])).stdout);
    const rules = log.runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).to.deep.equal([
      'uncovered',
      'unknown',
      'allow-all',
      'dangling',
      'exposure',
    ]);
    for (const rule of rules) {
      const helpUri = String(rule.helpUri);
      const runbook = /\/blob\/main\/(docs\/runbooks\/[a-z]+\.md)$/.exec(helpUri)?.[1];
      expect(runbook, helpUri).to.be.a('string');
      await readFile(join(ROOT, runbook ?? ''), 'utf8');
      expect((rule.help as { markdown: string }).markdown).to.contain(`(${helpUri})`);
      const severity = Number((rule.properties as Record<string, string>)['security-severity']);
      expect(severity, String(rule.id)).to.be.within(0.1, 10);
      expect((rule.properties as { tags: string[] }).tags).to.include('security');
    }
  });

  it('a passing audit exits 0 with no result', async () => {
    const out = await audit([
      '--manifests',
      join(ROOT, 'test/fixtures/audit/covered-repo'),
      '--output=sarif',
    ]);
    expect(out.code).to.equal(0);
    expect(resultsOf(sarifOf(out.stdout))).to.deep.equal([]);
  });

  it('fingerprints follow the object, not its line: moving it keeps every fingerprint', async () => {
    const before = join(dir, 'before');
    const after = join(dir, 'after');
    await cp(join(ROOT, FIXTURE), before, { recursive: true });
    await cp(join(ROOT, FIXTURE), after, { recursive: true });
    for (const file of ['namespaces.yaml', 'policies.yaml']) {
      const text = await readFile(join(after, file), 'utf8');
      await writeFile(join(after, file), `# Two lines added\n# above everything.\n${text}`);
    }
    const run = async (path: string) =>
      resultsOf(sarifOf((await audit(['--manifests', path, '--output=sarif'])).stdout));
    const [old, moved] = [await run(before), await run(after)];
    expect(moved.map(what)).to.deep.equal(old.map(what));
    for (const [i, result] of moved.entries()) {
      const was = old[i];
      expect(result.locations[0]?.physicalLocation?.region.startLine).to.equal(
        (was?.locations[0]?.physicalLocation?.region.startLine ?? 0) + 2,
      );
      expect(result.partialFingerprints, what(result)).to.deep.equal(was?.partialFingerprints);
    }
    expect(new Set(old.map((r) => r.partialFingerprints.primaryLocationLineHash)).size).to.equal(old.length);
  });

  it("passes Microsoft's SARIF validator with GitHub's ingestion rules, which does find faults it is shown", async () => {
    const good = join(dir, 'audit.sarif');
    await writeFile(
      good,
      (await audit(['--manifests', join(ROOT, FIXTURE), '--output=sarif', '--fail-on-exposure=anywhere']))
        .stdout,
    );
    // The same log with what GitHub needs removed, to show the validator checks what this test relies on.
    const broken = JSON.parse(await readFile(good, 'utf8')) as Log;
    const first = broken.runs[0]?.results[0] as unknown as Record<string, unknown>;
    delete first.locations;
    delete (broken as unknown as Record<string, unknown>).$schema;
    const bad = join(dir, 'broken.sarif');
    await writeFile(bad, JSON.stringify(broken));
    const found = async (file: string) => {
      const out = join(dir, `${file.endsWith('broken.sarif') ? 'broken' : 'good'}.validation.sarif`);
      const run = await runProcess(
        MULTITOOL,
        ['validate', file, '--rule-kind', 'Sarif;Gh', '-o', out, '--log', 'ForceOverwrite'],
        {
          cwd: dir,
          // .NET needs ICU for cultures unless told not to: so the validator runs on machines without libicu too.
          env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
        },
      );
      expect(run.code, run.stderr + run.stdout).to.equal(0);
      const validation = JSON.parse(await readFile(out, 'utf8')) as Log;
      return resultsOf(validation)
        .filter((r) => r.level === 'error' || r.level === 'warning')
        .map((r) => r.ruleId)
        .sort();
    };
    expect(await found(good)).to.deep.equal([]);
    expect(await found(bad)).to.include.members(['GH1013', 'GH1015']);
  });
});

describe('audit --output sarif against a cluster', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;

  before(async () => {
    sim = await SimulatedCluster.start();
    sim.addToken('audit-token', EXPORTER_PERMISSIONS);
    dir = await mkdtemp(join(tmpdir(), 'netpol-sarif-cluster-'));
    await sim.writeKubeconfig(join(dir, 'kubeconfig'), { token: 'audit-token' });
    for (const name of ['web', 'db']) sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
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

  it('has no file to point at: each result names its namespace as a logical location only', async () => {
    const out = await audit(['--kubeconfig', join(dir, 'kubeconfig'), '--output=sarif']);
    expect(out.code).to.equal(1);
    const results = resultsOf(sarifOf(out.stdout));
    const uncovered = sim
      .list('namespaces')
      .map((n) => n.metadata.name)
      .filter((n) => n !== 'web')
      .sort();
    expect(results.map((r) => r.locations[0]?.logicalLocations[0]?.name).sort()).to.deep.equal(uncovered);
    for (const result of results) {
      expect(result.ruleId).to.equal('uncovered');
      expect(result.locations[0]).to.not.have.property('physicalLocation');
      expect(result.locations[0]?.logicalLocations[0]?.kind).to.equal('namespace');
    }
  });
});
