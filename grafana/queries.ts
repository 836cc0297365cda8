// The dashboard's PromQL, kept apart from the layout so tests can parse and run every query on its own.
//
// Every selector carries the cluster, job and instance matchers (grafana/dashboard-linter's target-job and
// target-instance rules), so the dashboard reads raw exporter series rather than the recording rules, whose
// output has no job or instance. Per-namespace series are reduced with `max by (cluster, namespace)` first, as
// in the rules, so two exporter replicas never count a namespace twice.

import { WIDEST_FIRST } from '../src/core/exposure/peer-classes.ts';

/** The matchers every selector gets; `$cluster` is `.*` when the variable is hidden (single cluster). */
const m = 'cluster=~"$cluster", job=~"$job", instance=~"$instance"';

const active = `max by (cluster, namespace) (netpol_namespace_status_phase{phase="Active", ${m}})`;
const covered = `max by (cluster, namespace) (netpol_namespace_covered{${m}})`;
const exemptionInfo = `max by (cluster, namespace, owner, reason) (netpol_namespace_exemption_info{${m}})`;
/** 1 when some pod of the namespace is reachable (ingress) from one of the classes matched by `peers` (a regex). */
const reachableFrom = (peers: string) =>
  `max by (cluster, namespace) (netpol_namespace_reachable{direction="ingress", peer=~"${peers}", ${m}})`;

/**
 * Each Active namespace once, labelled `widest` with the widest class that can reach it (WIDEST_FIRST order, the one
 * the status page uses), or `none`.
 */
function widestIngressClass(): string {
  const terms = WIDEST_FIRST.map((peer, i) => {
    const wider = WIDEST_FIRST.slice(0, i);
    const term = wider.length
      ? `(${reachableFrom(peer)} == 1 unless on (cluster, namespace) ${reachableFrom(wider.join('|'))} == 1)`
      : `(${reachableFrom(peer)} == 1)`;
    return `label_replace(${term}, "widest", "${peer}", "", "")`;
  });
  terms.push(`label_replace((${reachableFrom('.+')} == 0), "widest", "none", "", "")`);
  return `count by (cluster, widest) (
  (
    ${terms.join('\n    or\n    ')}
  )
  and on (cluster, namespace) (${active} == 1)
)`;
}

export const queries = {
  coverageRatio: `sum by (cluster) (${covered} * on (cluster, namespace) ${active})
/
(sum by (cluster) (${active}) > 0)`,

  uncoveredCount: `sum by (cluster) ((1 - ${covered}) * on (cluster, namespace) ${active})`,

  defaultDenyByDirection: `sum by (cluster, direction) (
  max by (cluster, namespace, direction) (netpol_namespace_default_deny{${m}})
  * on (cluster, namespace) group_left ()
  ${active}
)`,

  // Age of each Active namespace without a policy: how long it has gone unprotected at most.
  uncoveredNamespaceAge: `time() - max by (cluster, namespace) (netpol_namespace_created_timestamp_seconds{${m}})
and on (cluster, namespace) (${covered} == 0)
and on (cluster, namespace) (${active} == 1)`,

  policiesPerNamespace: `max by (cluster, namespace) (netpol_namespace_network_policies{${m}})
and on (cluster, namespace) (${active} == 1)`,

  // Exemptions and scope: what the uncovered alert leaves alone, and why.
  exemptCount: `sum by (cluster) (max by (cluster, namespace) (netpol_namespace_exempt{${m}}) * on (cluster, namespace) ${active})`,
  excludedCount: `sum by (cluster) (max by (cluster, namespace) (netpol_namespace_excluded{${m}}) * on (cluster, namespace) ${active})`,
  // Milliseconds, for Grafana's date units; owner and reason joined from the info metric.
  exemptionExpiry: `max by (cluster, namespace) (netpol_namespace_exemption_expiry_timestamp_seconds{${m}}) * 1000
* on (cluster, namespace) group_left (owner, reason) ${exemptionInfo}`,
  exemptionDaysLeft: `(max by (cluster, namespace) (netpol_namespace_exemption_expiry_timestamp_seconds{${m}}) - time()) / 86400
* on (cluster, namespace) group_left (owner, reason) ${exemptionInfo}`,

  // Where protection comes from (issue 7): Active namespaces per source, the optional sources' state, and with
  // --pod-isolation the share of each namespace's pods that a NetworkPolicy isolates for ingress.
  protectedBySource: `sum by (cluster, source) (
  max by (cluster, namespace, source) (netpol_namespace_protected{${m}})
  * on (cluster, namespace) group_left ()
  ${active}
)`,
  sourceStatus: `max by (cluster, source, state) (netpol_exporter_source_status{${m}}) == 1`,
  isolatedShare: `max by (cluster, namespace) (netpol_namespace_pods_isolated{direction="ingress", ${m}})
/
(max by (cluster, namespace) (netpol_namespace_pods{${m}}) > 0)`,

  // Exposure: who can reach each namespace (ingress), by the widest class; those every namespace can reach; and
  // those whose answers are a lower bound.
  namespacesByWidestClass: widestIngressClass(),
  // Value: whether the namespace is protected (1: the alert's concern; 0: NetpolNamespaceUncovered's).
  openToAllNamespaces: `${covered}
and on (cluster, namespace) (${reachableFrom('all_namespaces')} == 1)
and on (cluster, namespace) (${active} == 1)`,
  reachabilityUnknownCount: `sum by (cluster, direction) (
  max by (cluster, namespace, direction) (netpol_namespace_reachability_unknown{${m}})
  * on (cluster, namespace) group_left ()
  ${active}
)`,

  // Internet-facing: Active namespaces per way the internet reaches them, and the uncovered ones among them (the
  // control's first batch; value 1 each).
  internetFacingByVia: `sum by (cluster, via) (
  max by (cluster, namespace, via) (netpol_namespace_internet_facing{${m}})
  * on (cluster, namespace) group_left ()
  ${active}
)`,
  internetFacingUncovered: `max by (cluster, namespace) (netpol_namespace_internet_facing{${m}})
and on (cluster, namespace) (${covered} == 0)
and on (cluster, namespace) (${active} == 1)`,
  // How many, as the recording rule counts them: 0 rather than no data where none is uncovered (or none faces the
  // internet), and no data where the exporter does not watch Services (--internet-facing=false: not known).
  internetFacingUncoveredCount: `sum by (cluster) (
  (1 - ${covered})
  * on (cluster, namespace) max by (cluster, namespace) (netpol_namespace_internet_facing{${m}})
  * on (cluster, namespace) ${active}
)
or on (cluster)
(
  0 * sum by (cluster) (${active})
  and on (cluster) max by (cluster) (netpol_exporter_cache_synced{resource="services", ${m}})
)`,

  targetsUp: `sum by (cluster, job) (up{${m}})`,
  cacheSynced: `min by (cluster, instance, resource) (netpol_exporter_cache_synced{${m}})`,
  watchUp: `min by (cluster, instance, resource) (netpol_exporter_watch_up{${m}})`,
  watchRestarts: `sum by (cluster, resource, reason) (rate(netpol_exporter_watch_restarts_total{${m}}[$__rate_interval]))`,
  cacheStaleness: `max by (cluster, instance, resource) (netpol_exporter_cache_stale_seconds{${m}})`,
} as const;

/** Template variable queries (label_values over the exporter's build info, present once per target). */
export const variableQueries = {
  cluster: 'label_values(netpol_exporter_build_info, cluster)',
  job: 'label_values(netpol_exporter_build_info{cluster=~"$cluster"}, job)',
  instance: 'label_values(netpol_exporter_build_info{cluster=~"$cluster", job=~"$job"}, instance)',
} as const;
