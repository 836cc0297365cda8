// The policy sources: every kind of object that can protect a namespace, one row each, in the order the `source`
// label lists them. Discovery, the audit, the simulator's served kinds, the RBAC and docs/sources.md derive from these
// rows or are held to them by a test. Adding a source is one file in this folder (its coverage reader and its
// exposure reader, in the vocabulary of reader.ts) plus one row.
import { calicoExposureReader, calicoGlobalReach, calicoNamespacedReach } from './calico.ts';
import {
  ciliumClusterwideExposure,
  ciliumClusterwideReach,
  ciliumNamespacedExposure,
  ciliumNamespacedReach,
} from './cilium.ts';
import { networkPolicyApiReach, tierExposure } from './network-policy-api.ts';
import type { ExposureReader, PolicyReach, SourceExposure } from './reader.ts';

export type { PolicyReach, Predicate } from './reader.ts';

interface PolicySourceRow {
  /** The `source` label value. */
  id: string;
  /** Where the exporter lists and watches it. */
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** API groups a manifest may spell the kind with (calicoctl and the Calico API server write projectcalico.org). */
  manifestGroups: readonly string[];
  namespaced: boolean;
  /** What one object protects; NetworkPolicies are read by the core itself (facts.ts, verdict.ts). */
  read?: (obj: unknown) => PolicyReach | undefined;
  /** What one object does to reachability (core/exposure/reachability.ts); with `read`, every source but NetworkPolicy. */
  exposure?: ExposureReader;
  /** Where its semantics are documented upstream. */
  reference: string;
}

export const POLICY_SOURCES = [
  {
    id: 'networkpolicy',
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    manifestGroups: ['networking.k8s.io'],
    namespaced: true,
    reference: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/',
  },
  {
    id: 'adminnetworkpolicy',
    group: 'policy.networking.k8s.io',
    version: 'v1alpha1',
    resource: 'adminnetworkpolicies',
    kind: 'AdminNetworkPolicy',
    manifestGroups: ['policy.networking.k8s.io'],
    namespaced: false,
    read: networkPolicyApiReach,
    exposure: tierExposure,
    reference: 'https://network-policy-api.sigs.k8s.io/reference/spec/',
  },
  {
    id: 'baselineadminnetworkpolicy',
    group: 'policy.networking.k8s.io',
    version: 'v1alpha1',
    resource: 'baselineadminnetworkpolicies',
    kind: 'BaselineAdminNetworkPolicy',
    manifestGroups: ['policy.networking.k8s.io'],
    namespaced: false,
    read: networkPolicyApiReach,
    exposure: tierExposure,
    reference: 'https://network-policy-api.sigs.k8s.io/reference/spec/',
  },
  {
    id: 'clusternetworkpolicy',
    group: 'policy.networking.k8s.io',
    version: 'v1alpha2',
    resource: 'clusternetworkpolicies',
    kind: 'ClusterNetworkPolicy',
    manifestGroups: ['policy.networking.k8s.io'],
    namespaced: false,
    read: networkPolicyApiReach,
    exposure: tierExposure,
    reference: 'https://network-policy-api.sigs.k8s.io/reference/spec/',
  },
  {
    id: 'calico_globalnetworkpolicy',
    group: 'crd.projectcalico.org',
    version: 'v1',
    resource: 'globalnetworkpolicies',
    kind: 'GlobalNetworkPolicy',
    manifestGroups: ['crd.projectcalico.org', 'projectcalico.org'],
    namespaced: false,
    read: calicoGlobalReach,
    exposure: calicoExposureReader,
    reference: 'https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy',
  },
  {
    id: 'calico_networkpolicy',
    group: 'crd.projectcalico.org',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    manifestGroups: ['crd.projectcalico.org', 'projectcalico.org'],
    namespaced: true,
    read: calicoNamespacedReach,
    exposure: calicoExposureReader,
    reference: 'https://docs.tigera.io/calico/latest/reference/resources/networkpolicy',
  },
  {
    id: 'cilium_networkpolicy',
    group: 'cilium.io',
    version: 'v2',
    resource: 'ciliumnetworkpolicies',
    kind: 'CiliumNetworkPolicy',
    manifestGroups: ['cilium.io'],
    namespaced: true,
    read: ciliumNamespacedReach,
    exposure: ciliumNamespacedExposure,
    reference: 'https://docs.cilium.io/en/stable/security/policy/',
  },
  {
    id: 'cilium_clusterwidenetworkpolicy',
    group: 'cilium.io',
    version: 'v2',
    resource: 'ciliumclusterwidenetworkpolicies',
    kind: 'CiliumClusterwideNetworkPolicy',
    manifestGroups: ['cilium.io'],
    namespaced: false,
    read: ciliumClusterwideReach,
    exposure: ciliumClusterwideExposure,
    reference: 'https://docs.cilium.io/en/stable/security/policy/',
  },
] as const satisfies readonly PolicySourceRow[];

export type PolicySource = (typeof POLICY_SOURCES)[number];
/** Every source of protection, as the `source` label spells it. `networkpolicy` is networking.k8s.io/v1. */
export type Source = PolicySource['id'];
/** The sources read from other kinds than NetworkPolicy (each one an optional, discovered watch). */
export type ExtraSource = Exclude<Source, 'networkpolicy'>;
export type ExtraPolicySource = Extract<PolicySource, { id: ExtraSource }>;

export const SOURCES: readonly Source[] = POLICY_SOURCES.map((s) => s.id);
export const EXTRA_SOURCES: readonly ExtraPolicySource[] = POLICY_SOURCES.filter(
  (s): s is ExtraPolicySource => s.id !== 'networkpolicy',
);

export function isSource(value: string): value is Source {
  return (SOURCES as readonly string[]).includes(value);
}

export function policySource<S extends Source>(id: S): Extract<PolicySource, { id: S }> {
  return POLICY_SOURCES.find((s) => s.id === id) as Extract<PolicySource, { id: S }>;
}

/** `plural.group`, the `resource` label of the exporter's own metrics for the source's watch. */
export const resourceName = (s: Pick<PolicySourceRow, 'resource' | 'group'>): string =>
  `${s.resource}.${s.group}`;

export interface SourcePolicyFacts extends PolicyReach {
  source: ExtraSource;
  /** What it does to reachability (core/exposure/reachability.ts); absent in facts built by hand. */
  exposure?: SourceExposure;
}

/** Facts from an object of the source's kind; undefined when it has no name. */
export function sourcePolicyFacts(source: ExtraSource, obj: unknown): SourcePolicyFacts | undefined {
  const row = policySource(source);
  const reach = row.read(obj);
  return reach ? { source, ...reach, exposure: row.exposure(obj, reach, row.kind) } : undefined;
}

/** The source a manifest's kind belongs to, by API group and kind (the version is ignored), if any. */
export function sourceOfManifest(obj: Record<string, unknown>): Source | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const slash = obj.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : obj.apiVersion.slice(0, slash);
  return POLICY_SOURCES.find(
    (s) => s.kind === obj.kind && (s.manifestGroups as readonly string[]).includes(group),
  )?.id;
}

/** What the exporter knows of a source's watch: served and watched, not served by the API server, or forbidden. */
export type SourceState = 'watching' | 'not_served' | 'forbidden';
export const SOURCE_STATES: readonly SourceState[] = ['watching', 'not_served', 'forbidden'];
