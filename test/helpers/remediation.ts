// The remediation options the remediate command's defaults give (deny-all, DNS allowed to kube-dns in kube-system).
import type { RemediationOptions } from '../../src/remediate/policies.ts';

export const remediationOptions = (extra: Partial<RemediationOptions> = {}): RemediationOptions => ({
  mode: 'deny-all',
  allowDns: true,
  dnsNamespaces: ['kube-system'],
  dnsPodLabels: { 'k8s-app': 'kube-dns' },
  ...extra,
});
