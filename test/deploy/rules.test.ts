// The rules file is checked and unit-tested by promtool itself (the same binary family that will load it), and
// held to the project's alerting conventions; the generated PrometheusRule must match its source.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { expect } from 'chai';
import { parse } from 'yaml';
import { prometheusRulePath, renderPrometheusRule, rulesPath } from '../../deploy/rules/generate.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rulesTestDir = `${root}test/deploy/rules/`;
const runbookBase = 'https://github.com/netpol-exporter/netpol-exporter/blob/main/docs/runbooks/';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[]; [k: string]: unknown }[];
}

const rulesYaml = readFileSync(rulesPath, 'utf8');
const rules = parse(rulesYaml) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const records = rules.groups.flatMap((g) => g.rules).filter((r) => r.record !== undefined);

function promtool(...args: string[]): void {
  const r = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`promtool ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
}

describe('rules: promtool', () => {
  it('promtool check rules accepts the rules file', () => {
    promtool('check', 'rules', rulesPath);
  });

  const testFiles = readdirSync(rulesTestDir).filter((f) => f.endsWith('.test.yaml'));
  it('has promtool unit tests', () => {
    expect(testFiles).to.not.be.empty;
  });
  for (const file of testFiles) {
    it(`promtool test rules ${file}`, () => {
      promtool('test', 'rules', `${rulesTestDir}${file}`);
    });
  }

  it('every alert is exercised by a promtool test', () => {
    const tested = new Set(
      testFiles.flatMap((f) =>
        [...readFileSync(`${rulesTestDir}${f}`, 'utf8').matchAll(/alertname:\s*(\w+)/g)].map((m) => m[1]),
      ),
    );
    for (const a of alerts) expect(tested, `${a.alert} has no alert_rule_test`).to.include(a.alert);
  });
});

describe('rules: conventions', () => {
  it('stays within what Prometheus 2.42 parses (no group labels or query_offset)', () => {
    for (const g of rules.groups) {
      expect(g, g.name).to.not.have.property('labels');
      expect(g, g.name).to.not.have.property('query_offset');
    }
  });

  it('keeps recording rules in their own group, named level:metric:operations', () => {
    for (const g of rules.groups) {
      const kinds = new Set(g.rules.map((r) => (r.record ? 'record' : 'alert')));
      expect(kinds.size, `group ${g.name} mixes recording and alerting rules`).to.equal(1);
    }
    expect(records).to.not.be.empty;
    for (const r of records) expect(r.record).to.match(/^[a-z_]+:netpol_[a-z_]+:[a-z_]+$/);
  });

  it('keeps cluster in every aggregation and join', () => {
    for (const r of [...records, ...alerts]) {
      for (const m of r.expr.matchAll(/\b(by|on|without|ignoring)\s*\(([^)]*)\)/g)) {
        const [clause, kind, labels] = m as unknown as [string, string, string];
        expect(kind, `${r.alert ?? r.record}: ${clause}`).to.be.oneOf(['by', 'on']);
        // `or on ()` is the one exception: it means "only when the left side is empty".
        if (labels.trim() === '') {
          expect(r.expr, `${r.alert ?? r.record}: ${clause}`).to.match(/or on \(\)/);
          continue;
        }
        expect(
          labels.split(',').map((l) => l.trim()),
          `${r.alert ?? r.record}: ${clause}`,
        ).to.include('cluster');
      }
    }
  });

  it('gives every alert the shared prefix, a severity, a for, summary, description and runbook_url', () => {
    expect(alerts.map((a) => a.alert)).to.include.members([
      'NetpolNamespaceUncovered',
      'NetpolCoverageDropping',
      'NetpolExporterAbsent',
      'NetpolExporterDown',
      'NetpolExporterCacheNotSynced',
      'NetpolExporterDataStale',
    ]);
    for (const a of alerts) {
      const name = a.alert as string;
      expect(name).to.match(/^Netpol([A-Z][a-z]+)+$/);
      expect(a.for, `${name} for`).to.match(/^\d+[smh]$/);
      expect(a.labels?.severity, `${name} severity`).to.be.oneOf(['critical', 'warning', 'info']);
      const ann = a.annotations ?? {};
      expect(Object.keys(ann).sort(), name).to.deep.equal(['description', 'runbook_url', 'summary']);
      expect(ann.summary, `${name} summary is one static sentence`).to.match(/^[^{}]+\.$/);
      expect(ann.description, `${name} description templates labels`).to.match(
        /\{\{ \$labels\.\w+ \}\}|\$labels/,
      );
      expect(ann.runbook_url, name).to.equal(`${runbookBase}${name.toLowerCase()}.md`);
    }
  });

  it('has a runbook file for every runbook_url, and a runbook only for existing alerts', () => {
    const dir = `${root}docs/runbooks/`;
    for (const a of alerts) {
      const file = `${dir}${(a.alert as string).toLowerCase()}.md`;
      expect(existsSync(file), file).to.equal(true);
      expect(readFileSync(file, 'utf8')).to.match(new RegExp(`^# ${a.alert}\\n`));
    }
    const alertFiles = new Set(alerts.map((a) => `${(a.alert as string).toLowerCase()}.md`));
    for (const f of readdirSync(dir).filter((f) => f.startsWith('netpol'))) {
      expect(alertFiles, `${f} documents no alert`).to.include(f);
    }
  });

  it('selects the exporter by the documented job convention only', () => {
    for (const a of alerts) {
      for (const m of a.expr.matchAll(/job\s*(=~|=|!=|!~)\s*"([^"]*)"/g)) {
        expect(`${m[1]}"${m[2]}"`, a.alert).to.equal('="netpol-exporter"');
      }
    }
  });
});

describe('rules: generated PrometheusRule', () => {
  const committed = readFileSync(prometheusRulePath, 'utf8');

  it('is what deploy/rules/generate.ts produces (run `npm run generate`)', () => {
    expect(committed).to.equal(renderPrometheusRule(rulesYaml));
  });

  it('has exactly the rules file as its spec', () => {
    expect(parse(committed).spec).to.deep.equal(rules);
  });

  it('validates against the PrometheusRule schema', () => {
    const resource = new PrometheusRule(parse(committed));
    expect(() => resource.validate()).to.not.throw();
  });
});
