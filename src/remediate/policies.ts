// The NetworkPolicies that close a namespace's gap: a default deny for ingress and egress (or, for a first step,
// an allow from the namespace's own pods only), an egress allow to the cluster DNS so that name resolution keeps
// working, and, in the namespace that serves DNS, the allowances without which every other namespace loses DNS.
export type RemediationMode = 'deny-all' | 'same-namespace';
export const REMEDIATION_MODES: readonly RemediationMode[] = ['deny-all', 'same-namespace'];

export interface RemediationOptions {
  /** `deny-all`: nothing in or out but DNS. `same-namespace`: only the namespace's own pods, in and out, and DNS. */
  mode: RemediationMode;
  /** Allow egress to the cluster DNS (UDP and TCP 53); without it every lookup fails under the default deny. */
  allowDns: boolean;
  /** The namespaces whose pods labelled `dnsPodLabels` serve the cluster DNS (kube-system unless known otherwise). */
  dnsNamespaces: readonly string[];
  dnsPodLabels: Record<string, string>;
}

export const DEFAULT_DENY_NAME = 'default-deny-all';
export const SAME_NAMESPACE_NAME = 'allow-same-namespace';
export const ALLOW_DNS_NAME = 'allow-dns-egress';
export const DNS_INGRESS_NAME = 'allow-dns-ingress';
export const DNS_SERVER_EGRESS_NAME = 'allow-dns-server-egress';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'netpol-exporter-remediate' };

export type NetworkPolicyObject = {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
};

const DNS_PORTS = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];

export function remediationPolicies(namespace: string, options: RemediationOptions): NetworkPolicyObject[] {
  const policy = (name: string, spec: Record<string, unknown>): NetworkPolicyObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    spec,
  });
  const policies =
    options.mode === 'same-namespace'
      ? [
          // A podSelector-only peer is the policy's own namespace: every pod here, and nothing else.
          policy(SAME_NAMESPACE_NAME, {
            podSelector: {},
            policyTypes: ['Ingress', 'Egress'],
            ingress: [{ from: [{ podSelector: {} }] }],
            egress: [{ to: [{ podSelector: {} }] }],
          }),
        ]
      : // Empty podSelector, both policyTypes, no rules: the default deny verdict.ts recognises for both directions.
        [policy(DEFAULT_DENY_NAME, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })];
  if (options.allowDns) {
    policies.push(
      policy(ALLOW_DNS_NAME, {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: options.dnsNamespaces.map((dns) => ({
              // kubernetes.io/metadata.name is set by the API server on every namespace (Kubernetes >= 1.21).
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': dns } },
              podSelector: { matchLabels: { ...options.dnsPodLabels } },
            })),
            ports: DNS_PORTS.map((p) => ({ ...p })),
          },
        ],
      }),
    );
  }
  if (options.dnsNamespaces.includes(namespace)) {
    // Every namespace resolves names here: a deny on this namespace's ingress without this allow breaks the DNS
    // of the whole cluster (and every other namespace's allow-dns-egress with it), whatever --allow-dns says.
    policies.push(
      policy(DNS_INGRESS_NAME, {
        podSelector: { matchLabels: { ...options.dnsPodLabels } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }], ports: DNS_PORTS.map((p) => ({ ...p })) }],
      }),
      // The DNS server itself asks upstream resolvers and watches the API server; neither address is known
      // here, so its egress stays as it is today.
      policy(DNS_SERVER_EGRESS_NAME, {
        podSelector: { matchLabels: { ...options.dnsPodLabels } },
        policyTypes: ['Egress'],
        egress: [{}],
      }),
    );
  }
  return policies;
}
