// The kinds the simulated API server can serve, as data. Adding a kind is one row in KINDS: discovery, routing,
// storage, RBAC checks and table output are all derived from these rows, so nothing else needs to change.

export interface KindDef {
  /** API group; '' is the legacy core group served under /api/v1. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural resource name, as in URLs and RBAC rules. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  /** Served without being asked for (the real built-ins); the rest need `enabledKinds`. */
  readonly builtin: boolean;
  /** Namespaces are DNS-1123 labels; most other objects are DNS-1123 subdomains. */
  readonly nameRule: 'label' | 'subdomain';
  /** Whether the real server maintains metadata.generation for this kind (Namespaces have none). */
  readonly hasGeneration: boolean;
}

export const KINDS: readonly KindDef[] = [
  row('', 'v1', 'namespaces', 'Namespace', false, {
    builtin: true,
    nameRule: 'label',
    shortNames: ['ns'],
    hasGeneration: false,
  }),
  row('', 'v1', 'pods', 'Pod', true, { builtin: true, shortNames: ['po'] }),
  row('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, {
    builtin: true,
    shortNames: ['netpol'],
  }),
  row('policy.networking.k8s.io', 'v1alpha1', 'adminnetworkpolicies', 'AdminNetworkPolicy', false, {
    shortNames: ['anp'],
  }),
  row(
    'policy.networking.k8s.io',
    'v1alpha1',
    'baselineadminnetworkpolicies',
    'BaselineAdminNetworkPolicy',
    false,
    {
      shortNames: ['banp'],
    },
  ),
  row('policy.networking.k8s.io', 'v1alpha2', 'clusternetworkpolicies', 'ClusterNetworkPolicy', false, {
    shortNames: ['cnp'],
  }),
  // What opens a namespace to the outside: Services and Ingresses (built in), Gateway API routes (a CRD install).
  row('', 'v1', 'services', 'Service', true, { builtin: true, nameRule: 'label', shortNames: ['svc'] }),
  row('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, { builtin: true, shortNames: ['ing'] }),
  row('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute', true, {}),
  row('gateway.networking.k8s.io', 'v1', 'grpcroutes', 'GRPCRoute', true, {}),
  row('gateway.networking.k8s.io', 'v1alpha2', 'tlsroutes', 'TLSRoute', true, {}),
  row('gateway.networking.k8s.io', 'v1alpha2', 'tcproutes', 'TCPRoute', true, {}),
  row('gateway.networking.k8s.io', 'v1alpha2', 'udproutes', 'UDPRoute', true, {}),
  row('gateway.networking.k8s.io', 'v1beta1', 'referencegrants', 'ReferenceGrant', true, {}),
  // What says which controller forwards an Ingress's or a route's traffic (remediate reads them).
  row('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false, { builtin: true }),
  row('gateway.networking.k8s.io', 'v1', 'gatewayclasses', 'GatewayClass', false, { shortNames: ['gc'] }),
  row('gateway.networking.k8s.io', 'v1', 'gateways', 'Gateway', true, { shortNames: ['gtw'] }),
  row('crd.projectcalico.org', 'v1', 'globalnetworkpolicies', 'GlobalNetworkPolicy', false, {}),
  row('crd.projectcalico.org', 'v1', 'networkpolicies', 'NetworkPolicy', true, {}),
  row('cilium.io', 'v2', 'ciliumnetworkpolicies', 'CiliumNetworkPolicy', true, {
    shortNames: ['cnp', 'ciliumnp'],
  }),
  row('cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies', 'CiliumClusterwideNetworkPolicy', false, {
    shortNames: ['ccnp'],
  }),
];

function row(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<Pick<KindDef, 'builtin' | 'nameRule' | 'shortNames' | 'hasGeneration'>>,
): KindDef {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    builtin: extra.builtin ?? false,
    nameRule: extra.nameRule ?? 'subdomain',
    hasGeneration: extra.hasGeneration ?? true,
    ...(extra.shortNames ? { shortNames: extra.shortNames } : {}),
  };
}

/** `plural.group` (or just `plural` for the core group): the stable identifier used by options and maps. */
export function kindKey(k: KindDef): string {
  return k.group === '' ? k.resource : `${k.resource}.${k.group}`;
}

export function apiVersionOf(k: KindDef): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

/** The resource as the real server names it in error messages: `namespaces`, `networkpolicies.networking.k8s.io`. */
export function qualifiedResource(k: KindDef): string {
  return kindKey(k);
}

/** URL prefix of the group/version: `/api/v1` or `/apis/networking.k8s.io/v1`. */
export function groupVersionPath(k: Pick<KindDef, 'group' | 'version'>): string {
  return k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
}

/** Request counters key resources by plural only for the Kubernetes built-ins, so `networkpolicies` means the real one. */
export function countingName(k: KindDef): string {
  return k.group === '' || k.group === 'networking.k8s.io' ? k.resource : kindKey(k);
}

export class KindRegistry {
  readonly enabled: readonly KindDef[];

  constructor(enabledKinds: readonly string[] = []) {
    const wanted = new Set(enabledKinds);
    for (const name of wanted) {
      if (
        !KINDS.some((k) => kindKey(k) === name || (k.group === 'networking.k8s.io' && k.resource === name))
      ) {
        throw new Error(`unknown kind "${name}" in enabledKinds; known: ${KINDS.map(kindKey).join(', ')}`);
      }
    }
    this.enabled = KINDS.filter((k) => k.builtin || wanted.has(kindKey(k)));
  }

  byGroupVersionResource(group: string, version: string, resource: string): KindDef | undefined {
    return this.enabled.find((k) => k.group === group && k.version === version && k.resource === resource);
  }

  byApiVersionKind(apiVersion: string, kind: string): KindDef | undefined {
    return this.enabled.find((k) => apiVersionOf(k) === apiVersion && k.kind === kind);
  }

  /**
   * Resolve what a programmatic caller typed: `plural.group` exactly, else a bare plural, preferring the Kubernetes
   * built-ins (so `networkpolicies` is networking.k8s.io, not Calico's).
   */
  resolve(name: string): KindDef {
    const exact = this.enabled.find((k) => kindKey(k) === name);
    if (exact) return exact;
    const byPlural = this.enabled.filter((k) => k.resource === name);
    const found = byPlural.find((k) => k.builtin) ?? byPlural[0];
    if (!found)
      throw new Error(`resource "${name}" is not served (enabled: ${this.enabled.map(kindKey).join(', ')})`);
    return found;
  }

  /** Group -> versions (in table order), only for groups with at least one enabled kind. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const k of this.enabled) {
      const versions = out.get(k.group) ?? [];
      if (!versions.includes(k.version)) versions.push(k.version);
      out.set(k.group, versions);
    }
    return out;
  }
}
