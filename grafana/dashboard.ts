// The netpol-exporter dashboard, as code (@grafana/grafana-foundation-sdk). `npm run generate` writes
// grafana/netpol-exporter.json and the provisioning ConfigMap from it; `--multi-cluster` prints a variant with the
// cluster picker visible, for a Thanos/Mimir global view.

import { fileURLToPath } from 'node:url';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { queries, variableQueries } from './queries.ts';

/** Every panel and target uses the datasource variable: `${DS_…}` inputs are not substituted by file provisioning. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference, not a JS template.
export const datasource = { type: 'prometheus', uid: '${datasource}' };

export interface DashboardOptions {
  /** Show the cluster picker (global view). Single-cluster Prometheus has no `cluster` label: keep it hidden. */
  multiCluster?: boolean;
}

type Query = { expr: string; legend?: string; table?: boolean };

function target(q: Query): prometheus.DataqueryBuilder {
  const t = new prometheus.DataqueryBuilder().datasource(datasource).expr(q.expr);
  if (q.legend !== undefined) t.legendFormat(q.legend);
  // Tables show the current state, one row per series: instant queries in table format.
  if (q.table) t.instant().format(prometheus.PromQueryFormat.Table);
  else t.range();
  return t;
}

const gridPos = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

function thresholds(...steps: [number | null, string][]) {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

function statPanel(title: string, description: string, unit: string, q: Query) {
  return (
    new stat.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(datasource)
      .unit(unit)
      .withTarget(target(q))
      // The SDK leaves `calcs` empty, which Grafana renders as no value: show the latest sample.
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields(''))
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Value)
      .textMode(common.BigValueTextMode.Auto)
  );
}

function timeseriesPanel(title: string, description: string, unit: string, q: Query) {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .withTarget(target(q))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(['lastNotNull', 'max']),
    );
}

function tablePanel(title: string, description: string, unit: string, q: Query, valueName: string) {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .withTarget(target({ ...q, table: true }))
    .filterable(true)
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { Time: true }, renameByName: { Value: valueName } },
    })
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(valueName).desc(true)]);
}

function variables(opts: DashboardOptions): dashboard.QueryVariableBuilder[] {
  const query = (name: string, label: string, q: string, allValue: string) =>
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .datasource(datasource)
      .query(q)
      .definition(q)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue(allValue)
      .current({ selected: true, text: 'All', value: '$__all' });
  return [
    // `.*` also matches series without a cluster label, so the hidden variable is harmless on one cluster.
    query('cluster', 'Cluster', variableQueries.cluster, '.*').hide(
      opts.multiCluster ? dashboard.VariableHide.DontHide : dashboard.VariableHide.HideVariable,
    ),
    query('job', 'Job', variableQueries.job, '.+'),
    query('instance', 'Instance', variableQueries.instance, '.+'),
  ];
}

export function buildDashboard(opts: DashboardOptions = {}): dashboard.Dashboard {
  const b = new dashboard.DashboardBuilder('netpol-exporter / NetworkPolicy coverage')
    .uid('netpol-exporter')
    .description(
      'Whether every Kubernetes namespace is protected by NetworkPolicy (CIS 5.3.2), and whether the exporter that says so is healthy.',
    )
    .tags(['netpol-exporter', 'kubernetes', 'networkpolicy', 'security', 'cis'])
    .editable()
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource')
        .label('Data source')
        .type('prometheus')
        .current({ selected: true, text: 'default', value: 'default' }),
    );
  for (const v of variables(opts)) b.withVariable(v);

  b.withRow(new dashboard.RowBuilder('Coverage').datasource(datasource).gridPos(gridPos(0, 0, 24, 1)));
  b.withPanel(
    statPanel(
      'Namespace coverage',
      'Share of Active namespaces holding at least one NetworkPolicy (the literal CIS 5.3.2 check). Terminating namespaces are left out.',
      'percentunit',
      { expr: queries.coverageRatio, legend: '{{cluster}}' },
    )
      .thresholds(thresholds([null, 'red'], [0.9, 'orange'], [1, 'green']))
      .min(0)
      .max(1)
      .gridPos(gridPos(0, 1, 8, 5)),
  );
  b.withPanel(
    statPanel(
      'Uncovered namespaces',
      'Active namespaces without any NetworkPolicy: all traffic into and out of their pods is allowed.',
      'short',
      { expr: queries.uncoveredCount, legend: '{{cluster}}' },
    )
      .thresholds(thresholds([null, 'green'], [1, 'red']))
      .gridPos(gridPos(8, 1, 8, 5)),
  );
  b.withPanel(
    statPanel(
      'Namespaces with default deny',
      'Active namespaces holding a default-deny policy (podSelector {} and no rules) for each direction. A default deny holds only as long as no other policy allows the traffic.',
      'short',
      { expr: queries.defaultDenyByDirection, legend: '{{cluster}} {{direction}}' },
    )
      .thresholds(thresholds([null, 'blue']))
      .gridPos(gridPos(16, 1, 8, 5)),
  );
  b.withPanel(
    tablePanel(
      'Uncovered namespaces and their age',
      'Each Active namespace without a NetworkPolicy, with the time since it was created: at most how long it has been unprotected. NetpolNamespaceUncovered fires once the grace period has passed.',
      's',
      { expr: queries.uncoveredNamespaceAge },
      'Age',
    ).gridPos(gridPos(0, 6, 12, 9)),
  );
  b.withPanel(
    timeseriesPanel(
      'Coverage over time',
      'Share of Active namespaces with at least one NetworkPolicy. NetpolCoverageDropping fires on a fall of 10 percentage points within an hour.',
      'percentunit',
      { expr: queries.coverageRatio, legend: '{{cluster}}' },
    )
      .min(0)
      .max(1)
      .gridPos(gridPos(12, 6, 12, 9)),
  );
  b.withPanel(
    tablePanel(
      'NetworkPolicies per namespace',
      'Number of NetworkPolicies in each Active namespace, most first. Zero means uncovered.',
      'short',
      { expr: queries.policiesPerNamespace },
      'NetworkPolicies',
    ).gridPos(gridPos(0, 15, 24, 9)),
  );

  b.withRow(
    new dashboard.RowBuilder('Exporter health').datasource(datasource).gridPos(gridPos(0, 24, 24, 1)),
  );
  b.withPanel(
    statPanel(
      'Targets up',
      'Exporter targets Prometheus scrapes successfully. A failing scrape (5xx) means the exporter refuses to serve stale data.',
      'short',
      { expr: queries.targetsUp, legend: '{{cluster}} {{job}}' },
    )
      .thresholds(thresholds([null, 'red'], [1, 'green']))
      .gridPos(gridPos(0, 25, 6, 6)),
  );
  b.withPanel(
    statPanel(
      'Caches synced',
      'Whether each cache has listed its resource completely (1) or not yet (0). Figures from an unsynced cache are incomplete.',
      'bool_yes_no',
      { expr: queries.cacheSynced, legend: '{{cluster}} {{instance}} {{resource}}' },
    )
      .thresholds(thresholds([null, 'red'], [1, 'green']))
      .gridPos(gridPos(6, 25, 6, 6)),
  );
  b.withPanel(
    timeseriesPanel(
      'Watches up',
      'Whether each watch is connected and current (1) or not (0).',
      'bool_yes_no',
      { expr: queries.watchUp, legend: '{{cluster}} {{instance}} {{resource}}' },
    )
      .min(0)
      .max(1)
      .gridPos(gridPos(12, 25, 12, 6)),
  );
  b.withPanel(
    timeseriesPanel(
      'Watch restarts by reason',
      'Watch (re)starts per second after an end or an error, by reason. Steady "closed" restarts are normal; unauthorized, forbidden or throttled are not.',
      'ops',
      { expr: queries.watchRestarts, legend: '{{cluster}} {{resource}} {{reason}}' },
    ).gridPos(gridPos(0, 31, 12, 8)),
  );
  b.withPanel(
    timeseriesPanel(
      'Cache staleness',
      'Seconds since each watch was last connected and current (0 while it is). NetpolExporterDataStale fires past 10 minutes.',
      's',
      { expr: queries.cacheStaleness, legend: '{{cluster}} {{instance}} {{resource}}' },
    ).gridPos(gridPos(12, 31, 12, 8)),
  );

  b.withRow(
    new dashboard.RowBuilder('Exemptions and scope').datasource(datasource).gridPos(gridPos(0, 39, 24, 1)),
  );
  b.withPanel(
    statPanel(
      'Exempt namespaces',
      'Active namespaces under a valid exemption (netpol-exporter.io/* annotations with owner, reason and expiry). They still count as uncovered in the coverage figures; NetpolNamespaceUncovered leaves them alone until the exemption expires.',
      'short',
      { expr: queries.exemptCount, legend: '{{cluster}}' },
    )
      .thresholds(thresholds([null, 'green'], [1, 'orange']))
      .gridPos(gridPos(0, 40, 6, 9)),
  );
  b.withPanel(
    statPanel(
      'Excluded namespaces',
      'Active namespaces out of scope by the exporter flags --namespaces.include, --namespaces.exclude and --namespaces.exclude-selector. Still exported and counted in coverage; never alerted on. By default none.',
      'short',
      { expr: queries.excludedCount, legend: '{{cluster}}' },
    )
      .thresholds(thresholds([null, 'green'], [1, 'blue']))
      .gridPos(gridPos(0, 49, 6, 8)),
  );
  b.withPanel(
    new table.PanelBuilder()
      .title('Exemptions')
      .description(
        'Every well-formed exemption, valid or expired, with its owner, reason, expiry and days left (negative: expired, the namespace counts as uncovered again). NetpolExemptionExpiringSoon warns 7 days ahead; malformed exemptions are in netpol_namespace_exemption_invalid.',
      )
      .datasource(datasource)
      .unit('none')
      .decimals(1)
      .withTarget(target({ expr: queries.exemptionExpiry, table: true }))
      .withTarget(target({ expr: queries.exemptionDaysLeft, table: true }))
      .filterable(true)
      // One row per exemption: the two queries share cluster, namespace, owner and reason.
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({
        id: 'organize',
        options: {
          excludeByName: { Time: true },
          renameByName: { 'Value #A': 'Expiry', 'Value #B': 'Days left' },
        },
      })
      .overrideByName('Expiry', [{ id: 'unit', value: 'dateTimeAsIso' }])
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Days left').desc(false)])
      .gridPos(gridPos(6, 40, 18, 17)),
  );

  b.withRow(
    new dashboard.RowBuilder('Protection sources and pod isolation')
      .datasource(datasource)
      .gridPos(gridPos(0, 57, 24, 1)),
  );
  b.withPanel(
    timeseriesPanel(
      'Namespaces protected by source',
      'Active namespaces protected by each source: networkpolicy (a NetworkPolicy in the namespace), adminnetworkpolicy, baselineadminnetworkpolicy, clusternetworkpolicy, calico_globalnetworkpolicy, calico_networkpolicy, cilium_networkpolicy, cilium_clusterwidenetworkpolicy. A namespace protected by several sources counts once per source.',
      'short',
      { expr: queries.protectedBySource, legend: '{{cluster}} {{source}}' },
    ).gridPos(gridPos(0, 58, 16, 9)),
  );
  b.withPanel(
    tablePanel(
      'Policy sources',
      'State of each optional policy source: watching, not_served (the API server does not serve the kind) or forbidden (RBAC: deploy/base grants every policy kind; a forbidden source that counts makes the status page say INCOMPLETE).',
      'none',
      { expr: queries.sourceStatus },
      'Current',
    ).gridPos(gridPos(16, 58, 8, 9)),
  );
  b.withPanel(
    tablePanel(
      'Isolated share per namespace (ingress)',
      "With --pod-isolation: the share of each namespace's pods selected for ingress by one of its NetworkPolicies, lowest first. 0 with policies present means they select no pod (NetpolNamespacePodsNotIsolated). Empty without --pod-isolation.",
      'percentunit',
      { expr: queries.isolatedShare },
      'Isolated',
    )
      // Least isolated first: those are the namespaces to look at.
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Isolated').desc(false)])
      .gridPos(gridPos(0, 67, 24, 9)),
  );

  b.withRow(
    new dashboard.RowBuilder('Exposure: who can reach each namespace')
      .datasource(datasource)
      .gridPos(gridPos(0, 76, 24, 1)),
  );
  b.withPanel(
    timeseriesPanel(
      'Namespaces by widest class that can reach them',
      'Active namespaces by the widest class of peers that can reach at least one of their pods (ingress): anywhere, all_namespaces (every namespace, including ones created later), ip_blocks, other_namespaces, same_namespace, or none. Answers the exporter could not judge count as not reachable (see the unknown panel).',
      'short',
      { expr: queries.namespacesByWidestClass, legend: '{{cluster}} {{widest}}' },
    ).gridPos(gridPos(0, 77, 12, 9)),
  );
  b.withPanel(
    tablePanel(
      'Namespaces open to every namespace',
      "Active namespaces that pods of every namespace can reach (ingress), and whether a policy protects them: protected ones fire NetpolNamespaceReachableFromAllNamespaces after an hour (unless exempt or excluded), unprotected ones are NetpolNamespaceUncovered's.",
      'bool_yes_no',
      { expr: queries.openToAllNamespaces },
      'Protected',
    ).gridPos(gridPos(12, 77, 12, 9)),
  );
  b.withPanel(
    statPanel(
      'Exposure unknown',
      'Active namespaces per direction whose reachability could not be fully judged (a Calico or Cilium policy selects them, or a selector the exporter does not evaluate): their reachable figures are a lower bound.',
      'short',
      { expr: queries.reachabilityUnknownCount, legend: '{{cluster}} {{direction}}' },
    )
      .thresholds(thresholds([null, 'green'], [1, 'orange']))
      .gridPos(gridPos(0, 86, 24, 5)),
  );

  b.withRow(
    new dashboard.RowBuilder('Internet-facing: what the outside reaches')
      .datasource(datasource)
      .gridPos(gridPos(0, 91, 24, 1)),
  );
  b.withPanel(
    statPanel(
      'Uncovered internet-facing',
      'Active namespaces the internet reaches that no policy protects, per cluster: the first batch to remediate (exempt and excluded ones included, as in the coverage figures). 0 when none is; no data when the exporter runs with --internet-facing=false.',
      'short',
      { expr: queries.internetFacingUncoveredCount, legend: '{{cluster}}' },
    )
      .thresholds(thresholds([null, 'green'], [1, 'red']))
      .gridPos(gridPos(0, 92, 6, 9)),
  );
  b.withPanel(
    timeseriesPanel(
      'Internet-facing namespaces by way in',
      'Active namespaces the internet reaches, per way in: load_balancer (not internal by its annotation nor limited to private source ranges), node_port, external_ip, ingress, gateway_route. One namespace reached several ways counts once per way.',
      'short',
      { expr: queries.internetFacingByVia, legend: '{{cluster}} {{via}}' },
    ).gridPos(gridPos(6, 92, 9, 9)),
  );
  b.withPanel(
    tablePanel(
      'Uncovered internet-facing namespaces',
      'Active namespaces the internet reaches that no policy protects: the first batch to remediate; they fire NetpolInternetFacingNamespaceUncovered (critical) after 15 minutes unless exempt or excluded.',
      'short',
      { expr: queries.internetFacingUncovered },
      'Internet-facing',
    ).gridPos(gridPos(15, 92, 9, 9)),
  );

  return assignIds(b.build());
}

/** The SDK assigns no panel ids or refIds; Grafana needs both unique and stable for links and the JSON diff. */
function assignIds(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const panel of d.panels ?? []) {
    panel.id = id++;
    const targets = 'targets' in panel ? (panel.targets ?? []) : [];
    targets.forEach((t, i) => {
      (t as { refId?: string }).refId = String.fromCharCode(65 + i);
    });
  }
  return d;
}

/** The dashboard JSON exactly as committed: stable key order from the builder, 2-space indent, final newline. */
export function renderDashboard(opts: DashboardOptions = {}): string {
  return `${JSON.stringify(buildDashboard(opts), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(renderDashboard({ multiCluster: process.argv.includes('--multi-cluster') }));
}
