// Which manifest kinds are policies of another source (cluster-scoped and CNI kinds), by API group and kind: the
// version is ignored, and Calico's kinds count under both of its groups (crd.projectcalico.org as stored, and
// projectcalico.org as calicoctl and the Calico API server write them).
import type { ExtraSource } from '../core/cluster-policies.ts';

const KINDS: Record<string, ExtraSource> = {
  'policy.networking.k8s.io/AdminNetworkPolicy': 'adminnetworkpolicy',
  'policy.networking.k8s.io/BaselineAdminNetworkPolicy': 'baselineadminnetworkpolicy',
  'policy.networking.k8s.io/ClusterNetworkPolicy': 'clusternetworkpolicy',
  'crd.projectcalico.org/GlobalNetworkPolicy': 'calico_globalnetworkpolicy',
  'projectcalico.org/GlobalNetworkPolicy': 'calico_globalnetworkpolicy',
  'crd.projectcalico.org/NetworkPolicy': 'calico_networkpolicy',
  'projectcalico.org/NetworkPolicy': 'calico_networkpolicy',
  'cilium.io/CiliumNetworkPolicy': 'cilium_networkpolicy',
  'cilium.io/CiliumClusterwideNetworkPolicy': 'cilium_clusterwidenetworkpolicy',
};

/** Namespaced sources: their policies protect their own namespace (`default` when a manifest names none). */
export const NAMESPACED_SOURCES: ReadonlySet<ExtraSource> = new Set([
  'calico_networkpolicy',
  'cilium_networkpolicy',
]);

export function sourceOfManifest(obj: Record<string, unknown>): ExtraSource | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  return KINDS[`${group}/${obj.kind}`];
}
