// The NetworkPolicies that close a namespace's gap: a default deny for ingress and egress, and (unless turned off)
// an egress allow to the cluster DNS so that name resolution keeps working once egress is denied.
export interface RemediationOptions {
  /** Allow egress to the cluster DNS (UDP and TCP 53); without it every lookup fails under the default deny. */
  allowDns: boolean;
  dnsNamespace: string;
  dnsPodLabels: Record<string, string>;
}

export const DEFAULT_DENY_NAME = 'default-deny-all';
export const ALLOW_DNS_NAME = 'allow-dns-egress';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'netpol-exporter-remediate' };

export type NetworkPolicyObject = {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
};

export function remediationPolicies(namespace: string, options: RemediationOptions): NetworkPolicyObject[] {
  const policy = (name: string, spec: Record<string, unknown>): NetworkPolicyObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    spec,
  });
  // Empty podSelector, both policyTypes, no rules: the default deny verdict.ts recognises for both directions.
  const policies = [policy(DEFAULT_DENY_NAME, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })];
  if (options.allowDns) {
    policies.push(
      policy(ALLOW_DNS_NAME, {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                // kubernetes.io/metadata.name is set by the API server on every namespace (Kubernetes >= 1.21).
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': options.dnsNamespace } },
                podSelector: { matchLabels: { ...options.dnsPodLabels } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      }),
    );
  }
  return policies;
}
