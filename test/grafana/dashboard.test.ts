// The dashboard is generated, so the tests hold the generator to grafana/dashboard-linter's rules (re-implemented
// here: the linter is a Go binary we cannot install) and prove every query is PromQL a real parser accepts.
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { expect } from 'chai';
import { parse } from 'yaml';
import { rulesPath } from '../../deploy/rules/generate.ts';
import { buildDashboard, datasource, renderDashboard } from '../../grafana/dashboard.ts';
import { dashboardConfigMapPath, dashboardJsonPath, renderConfigMap } from '../../grafana/generate.ts';
import { expandVariables } from '../../grafana/variables.ts';

interface Target {
  expr: string;
  refId?: string;
  datasource?: unknown;
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: unknown;
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string } };
  options?: { reduceOptions?: { calcs?: string[] } };
}
interface Variable {
  type: string;
  name: string;
  label?: string;
  query?: unknown;
  datasource?: unknown;
  refresh?: number;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  hide?: number;
}

const committedJson = readFileSync(dashboardJsonPath, 'utf8');
const d = JSON.parse(committedJson) as {
  uid: string;
  title: string;
  description?: string;
  tags: string[];
  editable: boolean;
  panels: Panel[];
  templating: { list: Variable[] };
};
const panels = d.panels;
const contentPanels = panels.filter((p) => p.type !== 'row');
const targets = contentPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
const variable = (name: string) => d.templating.list.find((v) => v.name === name);

// The units grafana/dashboard-linter's panel-units-rule accepts that a coverage dashboard could use.
const validUnits = [
  'none',
  'short',
  'percent',
  'percentunit',
  's',
  'ms',
  'dtdurations',
  'ops',
  'bool',
  'bool_yes_no',
];

/** Parses PromQL with Prometheus' own lezer grammar; returns the text of every error node. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: ${JSON.stringify(expr.slice(n.from, n.to + 10))}`);
    },
  });
  return errors;
}

/** The PromQL inside `label_values(expr, label)`, or nothing for `label_values(label)`. */
function labelValuesSelector(query: string): string | undefined {
  const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query.trim());
  return m?.[1];
}

function vectorSelectors(expr: string): string[] {
  const out: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.name === 'VectorSelector') out.push(expr.slice(n.from, n.to));
    },
  });
  return out;
}

describe('dashboard: generated files', () => {
  it('grafana/netpol-exporter.json is what grafana/dashboard.ts produces (run `npm run generate`)', () => {
    expect(committedJson).to.equal(renderDashboard());
  });

  it('the ConfigMap holds the same JSON under the sidecar label', () => {
    const committed = readFileSync(dashboardConfigMapPath, 'utf8');
    expect(committed).to.equal(renderConfigMap(committedJson));
    const cm = parse(committed);
    expect(cm).to.include({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(cm.metadata.labels.grafana_dashboard).to.equal('1');
    expect(cm.data['netpol-exporter.json']).to.equal(committedJson);
  });
});

describe('dashboard: dashboard-linter rules', () => {
  it('has a stable uid, a title, a description, tags, and is not editable (uneditable rule)', () => {
    expect(d.uid).to.equal('netpol-exporter');
    expect(d.title).to.be.a('string').and.not.be.empty;
    expect(d.description).to.be.a('string').and.not.be.empty;
    expect(d.tags).to.include('netpol-exporter');
    expect(d.editable).to.equal(false);
  });

  it('template-datasource-rule: a `datasource` variable of type datasource, query prometheus, label "Data source"', () => {
    const ds = d.templating.list.filter((v) => v.type === 'datasource');
    expect(ds).to.have.length(1);
    expect(ds[0]).to.include({ name: 'datasource', query: 'prometheus', label: 'Data source' });
  });

  for (const name of ['job', 'instance']) {
    it(`template-${name}-rule: a multi-select query variable on $datasource with allValue .+`, () => {
      const v = variable(name);
      expect(v, name).to.not.equal(undefined);
      expect(v).to.include({
        type: 'query',
        label: name[0]?.toUpperCase() + name.slice(1),
        multi: true,
        allValue: '.+',
      });
      expect(v?.datasource).to.deep.equal(datasource);
    });
  }

  it('has a cluster variable from label_values, hidden unless built for a multi-cluster view', () => {
    const v = variable('cluster');
    expect(v).to.include({ type: 'query', includeAll: true, allValue: '.*', hide: 2 });
    expect(v?.query).to.match(/^label_values\(.*, cluster\)$/);
    const multi = buildDashboard({ multiCluster: true }).templating?.list?.find((x) => x.name === 'cluster');
    expect(multi?.hide).to.equal(0);
  });

  it('template-on-time-change-reload-rule: query variables refresh on time-range change', () => {
    for (const v of d.templating.list.filter((x) => x.type === 'query'))
      expect(v.refresh, v.name).to.equal(2);
  });

  it('template-label-promql-rule: every label_values query is valid PromQL', () => {
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      const selector = labelValuesSelector(String(v.query));
      expect(selector, `${v.name}: ${v.query}`).to.be.a('string');
      expect(promqlErrors(expandVariables(selector as string)), `${v.name}: ${v.query}`).to.deep.equal([]);
    }
  });

  it('panel-datasource-rule: every panel and target uses the datasource variable', () => {
    for (const p of panels) expect(p.datasource, p.title).to.deep.equal(datasource);
    for (const t of targets) expect(t.datasource, t.panel).to.deep.equal(datasource);
  });

  it('panel-title-description-rule and panel-units-rule: title, description and a valid unit on every panel', () => {
    for (const p of contentPanels) {
      expect(p.title, `panel ${p.id}`).to.be.a('string').and.not.be.empty;
      expect(p.description, p.title).to.be.a('string').and.not.be.empty;
      expect(p.fieldConfig?.defaults?.unit, p.title).to.be.oneOf(validUnits);
    }
    for (const p of panels.filter((x) => x.type === 'row'))
      expect(p.title).to.be.a('string').and.not.be.empty;
  });

  it('panel-no-targets-rule: every panel has targets; ids and refIds are set and unique', () => {
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => typeof id === 'number')).to.equal(true);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const p of contentPanels) {
      expect(p.targets, p.title).to.not.be.empty;
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(
        refIds.every((r) => typeof r === 'string' && r.length > 0),
        p.title,
      ).to.equal(true);
      expect(new Set(refIds).size, p.title).to.equal(refIds.length);
    }
  });

  it('stat panels reduce with an explicit calculation', () => {
    for (const p of contentPanels.filter((x) => x.type === 'stat')) {
      expect(p.options?.reduceOptions?.calcs, p.title).to.not.be.empty;
    }
  });

  it('target-promql-rule: every query parses as PromQL once variables are expanded', () => {
    for (const t of targets)
      expect(promqlErrors(expandVariables(t.expr)), `${t.panel}: ${t.expr}`).to.deep.equal([]);
  });

  it('target-rate-interval-rule: every rate/irate/increase uses $__rate_interval', () => {
    for (const t of targets) {
      for (const m of t.expr.matchAll(/\b(rate|irate|increase)\s*\(([^()]*)\)/g)) {
        expect(m[2], `${t.panel}: ${m[0]}`).to.match(/\[\$__rate_interval\]$/);
      }
    }
  });

  it('target-counter-agg-rule: counters are only used inside rate/increase', () => {
    for (const t of targets) {
      for (const s of vectorSelectors(expandVariables(t.expr))) {
        if (!/_total\b/.test(s)) continue;
        expect(t.expr, `${t.panel}: ${s}`).to.match(/\b(rate|irate|increase)\(\w+_total\{/);
      }
    }
  });

  it('target-job-rule and target-instance-rule: every selector filters by $cluster, $job and $instance', () => {
    for (const t of targets) {
      // Selectors in the raw expression, where the variables are still visible.
      for (const s of t.expr.match(/\b[a-z_:]+\{[^}]*\}/g) ?? []) {
        expect(s, t.panel)
          .to.include('cluster=~"$cluster"')
          .and.include('job=~"$job"')
          .and.include('instance=~"$instance"');
      }
      expect(
        vectorSelectors(expandVariables(t.expr)).every((s) => s.includes('{')),
        t.panel,
      ).to.equal(true);
    }
  });
});

describe('rules: PromQL parses with the lezer grammar too', () => {
  const rules = parse(readFileSync(rulesPath, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
  it('every rule expression has no error nodes', () => {
    expect(exprs).to.not.be.empty;
    for (const e of exprs) expect(promqlErrors(e), e).to.deep.equal([]);
  });
});
