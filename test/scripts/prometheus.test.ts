// Proves the Prometheus/Alertmanager harness end to end with the real rules and dashboard queries: a static target
// serves one uncovered namespace, NetpolNamespaceUncovered travels Prometheus -> Alertmanager -> webhook with its
// labels and annotations, and every recording rule and dashboard query returns data. The same
// helpers prove the real simulator -> exporter -> Prometheus -> Alertmanager chain in pipeline.test.ts.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { rulesPath } from '../../deploy/rules/generate.ts';
import {
  Alertmanager,
  dashboardQueryResults,
  Prometheus,
  recordingRuleResults,
  StaticExporter,
  type Stoppable,
  WebhookReceiver,
  waitFor,
  withAlertFor,
} from '../helpers/prometheus.ts';

const now = Math.floor(Date.now() / 1000);

// What the exporter would serve for a cluster with one covered namespace, one uncovered, and one uncovered that the
// internet reaches through an Ingress (see docs/metrics.md).
const exposition = `# TYPE netpol_namespace_network_policies gauge
netpol_namespace_network_policies{namespace="payments"} 2
netpol_namespace_network_policies{namespace="legacy"} 0
netpol_namespace_network_policies{namespace="storefront"} 0
# TYPE netpol_namespace_covered gauge
netpol_namespace_covered{namespace="payments"} 1
netpol_namespace_covered{namespace="legacy"} 0
netpol_namespace_covered{namespace="storefront"} 0
# TYPE netpol_namespace_default_deny gauge
netpol_namespace_default_deny{namespace="payments",direction="ingress"} 1
netpol_namespace_default_deny{namespace="payments",direction="egress"} 0
netpol_namespace_default_deny{namespace="legacy",direction="ingress"} 0
netpol_namespace_default_deny{namespace="legacy",direction="egress"} 0
# TYPE netpol_namespace_created_timestamp_seconds gauge
netpol_namespace_created_timestamp_seconds{namespace="payments"} ${now - 86400}
netpol_namespace_created_timestamp_seconds{namespace="legacy"} ${now - 3600}
netpol_namespace_created_timestamp_seconds{namespace="storefront"} ${now - 3600}
# TYPE netpol_namespace_status_phase gauge
netpol_namespace_status_phase{namespace="payments",phase="Active"} 1
netpol_namespace_status_phase{namespace="payments",phase="Terminating"} 0
netpol_namespace_status_phase{namespace="legacy",phase="Active"} 1
netpol_namespace_status_phase{namespace="legacy",phase="Terminating"} 0
netpol_namespace_status_phase{namespace="storefront",phase="Active"} 1
netpol_namespace_status_phase{namespace="storefront",phase="Terminating"} 0
# TYPE netpol_namespace_exempt gauge
netpol_namespace_exempt{namespace="payments"} 1
netpol_namespace_exempt{namespace="legacy"} 0
netpol_namespace_exempt{namespace="storefront"} 0
# TYPE netpol_namespace_exemption_info gauge
netpol_namespace_exemption_info{namespace="payments",owner="team-payments",reason="PCI review, CHG-7"} 1
# TYPE netpol_namespace_exemption_expiry_timestamp_seconds gauge
netpol_namespace_exemption_expiry_timestamp_seconds{namespace="payments"} ${now + 30 * 86400}
# TYPE netpol_namespace_excluded gauge
netpol_namespace_excluded{namespace="payments"} 0
netpol_namespace_excluded{namespace="legacy"} 0
netpol_namespace_excluded{namespace="storefront"} 0
# TYPE netpol_namespace_protected gauge
netpol_namespace_protected{namespace="payments",source="networkpolicy"} 1
netpol_namespace_protected{namespace="payments",source="calico_globalnetworkpolicy"} 1
# TYPE netpol_namespace_pods gauge
netpol_namespace_pods{namespace="payments"} 4
# TYPE netpol_namespace_pods_isolated gauge
netpol_namespace_pods_isolated{namespace="payments",direction="ingress"} 3
netpol_namespace_pods_isolated{namespace="payments",direction="egress"} 0
# TYPE netpol_namespace_reachable gauge
netpol_namespace_reachable{namespace="payments",direction="ingress",peer="same_namespace"} 1
netpol_namespace_reachable{namespace="payments",direction="ingress",peer="other_namespaces"} 0
netpol_namespace_reachable{namespace="payments",direction="ingress",peer="all_namespaces"} 0
netpol_namespace_reachable{namespace="payments",direction="ingress",peer="ip_blocks"} 0
netpol_namespace_reachable{namespace="payments",direction="ingress",peer="anywhere"} 0
netpol_namespace_reachable{namespace="payments",direction="egress",peer="same_namespace"} 1
netpol_namespace_reachable{namespace="payments",direction="egress",peer="other_namespaces"} 0
netpol_namespace_reachable{namespace="payments",direction="egress",peer="all_namespaces"} 0
netpol_namespace_reachable{namespace="payments",direction="egress",peer="ip_blocks"} 0
netpol_namespace_reachable{namespace="payments",direction="egress",peer="anywhere"} 0
netpol_namespace_reachable{namespace="legacy",direction="ingress",peer="same_namespace"} 1
netpol_namespace_reachable{namespace="legacy",direction="ingress",peer="other_namespaces"} 1
netpol_namespace_reachable{namespace="legacy",direction="ingress",peer="all_namespaces"} 1
netpol_namespace_reachable{namespace="legacy",direction="ingress",peer="ip_blocks"} 1
netpol_namespace_reachable{namespace="legacy",direction="ingress",peer="anywhere"} 1
netpol_namespace_reachable{namespace="legacy",direction="egress",peer="same_namespace"} 1
netpol_namespace_reachable{namespace="legacy",direction="egress",peer="other_namespaces"} 1
netpol_namespace_reachable{namespace="legacy",direction="egress",peer="all_namespaces"} 1
netpol_namespace_reachable{namespace="legacy",direction="egress",peer="ip_blocks"} 1
netpol_namespace_reachable{namespace="legacy",direction="egress",peer="anywhere"} 1
# TYPE netpol_namespace_internet_facing gauge
netpol_namespace_internet_facing{namespace="payments",via="ingress"} 1
netpol_namespace_internet_facing{namespace="storefront",via="ingress"} 1
# TYPE netpol_namespace_reachability_unknown gauge
netpol_namespace_reachability_unknown{namespace="payments",direction="ingress"} 0
netpol_namespace_reachability_unknown{namespace="payments",direction="egress"} 0
netpol_namespace_reachability_unknown{namespace="legacy",direction="ingress"} 0
netpol_namespace_reachability_unknown{namespace="legacy",direction="egress"} 0
# TYPE netpol_exporter_source_status gauge
netpol_exporter_source_status{source="calico_globalnetworkpolicy",state="watching"} 1
netpol_exporter_source_status{source="calico_globalnetworkpolicy",state="not_served"} 0
netpol_exporter_source_status{source="calico_globalnetworkpolicy",state="forbidden"} 0
# TYPE netpol_exporter_build_info gauge
netpol_exporter_build_info{version="0.1.0",revision="test",nodejs_version="v24.9.0"} 1
# TYPE netpol_exporter_cache_synced gauge
netpol_exporter_cache_synced{resource="namespaces"} 1
netpol_exporter_cache_synced{resource="networkpolicies"} 1
# TYPE netpol_exporter_watch_up gauge
netpol_exporter_watch_up{resource="namespaces"} 1
netpol_exporter_watch_up{resource="networkpolicies"} 1
# TYPE netpol_exporter_cache_stale_seconds gauge
netpol_exporter_cache_stale_seconds{resource="namespaces"} 0
netpol_exporter_cache_stale_seconds{resource="networkpolicies"} 0
# TYPE netpol_exporter_watch_restarts_total counter
netpol_exporter_watch_restarts_total{resource="namespaces",reason="closed"} 1
netpol_exporter_watch_restarts_total{resource="networkpolicies",reason="closed"} 2
`;

describe('Prometheus + Alertmanager harness with the real rules', function () {
  this.timeout(120_000);
  const started: Stoppable[] = [];
  let prometheus: Prometheus;
  let webhook: WebhookReceiver;

  before(async () => {
    const target = await StaticExporter.start(exposition);
    started.push(target);
    webhook = await WebhookReceiver.start();
    started.push(webhook);
    const alertmanager = await Alertmanager.start({ webhookUrl: webhook.url });
    started.push(alertmanager);
    prometheus = await Prometheus.start({
      targets: [target.address],
      targetLabels: { cluster: 'e2e' },
      rules: [withAlertFor(readFileSync(rulesPath, 'utf8'), '2s')],
      alertmanager: alertmanager.address,
    });
    started.push(prometheus);
  });

  after(async () => {
    // Reverse order: Prometheus stops sending before Alertmanager and the receiver go.
    for (const s of started.reverse()) await s.stop();
  });

  it('delivers NetpolNamespaceUncovered for the uncovered namespace to the webhook, with labels and annotations', async () => {
    const alert = await waitFor(
      'NetpolNamespaceUncovered at the webhook',
      async () => webhook.alerts.find((a) => a.labels.alertname === 'NetpolNamespaceUncovered'),
      60_000,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\nPrometheus alerts: ${JSON.stringify(await prometheus.alerts())}\n${prometheus.logs}`,
      );
    });
    expect(alert.status).to.equal('firing');
    expect(alert.labels).to.deep.equal({
      alertname: 'NetpolNamespaceUncovered',
      cluster: 'e2e',
      namespace: 'legacy',
      severity: 'warning',
    });
    expect(alert.annotations).to.deep.equal({
      summary: 'A namespace is not protected by any network policy (CIS 5.3.2).',
      description:
        'Namespace legacy in cluster e2e is Active and has had no network policy protecting it for longer than ' +
        'its grace period: all traffic into and out of its pods is allowed.',
      runbook_url:
        'https://github.com/netpol-exporter/netpol-exporter/blob/main/docs/runbooks/netpolnamespaceuncovered.md',
    });
    // Only the uncovered namespaces stay firing, the internet-facing one as critical: no exporter-health alert for a
    // healthy target. (With `for: 2s`, NetpolExporterAbsent may fire briefly before the first scrape creates `up`.)
    const only = ['NetpolInternetFacingNamespaceUncovered/storefront', 'NetpolNamespaceUncovered/legacy'];
    await waitFor(`only ${only.join(' and ')} firing`, async () => {
      const firing = (await prometheus.alerts())
        .filter((a) => a.state === 'firing')
        .map((a) => `${a.labels.alertname}/${a.labels.namespace ?? ''}`)
        .sort();
      return JSON.stringify(firing) === JSON.stringify(only) ? true : undefined;
    });
  });

  it('returns data for every recording rule', async () => {
    const results = await recordingRuleResults(prometheus);
    for (const [record, samples] of results) {
      for (const s of samples) expect(s.metric.cluster, record).to.equal('e2e');
    }
    expect(Number(results.get('cluster:netpol_namespace_coverage:ratio')?.[0]?.value[1])).to.be.closeTo(
      1 / 3,
      1e-9,
    );
    expect(results.get('cluster:netpol_namespaces_internet_facing_uncovered:count')?.[0]?.value[1]).to.equal(
      '1',
    );
  });

  it('returns data for every dashboard query and variable', async () => {
    await dashboardQueryResults(prometheus);
  });
});
