// The namespaces the bundled Kyverno baseline (deploy/baseline) gives no default deny, and that `remediate` leaves
// alone unless told otherwise: one list for both, held equal to the ClusterPolicy's exclude blocks by a test.
// A default deny there can break the cluster itself: in kube-system it cuts every namespace off the cluster DNS.

/** By name: the cluster's own namespaces and the policy engine's. */
export const BASELINE_SKIPPED_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'kyverno',
];

/** By label, visible on the namespace itself: its owners opted out of the baseline. */
export const BASELINE_SKIP_LABEL = { key: 'netpol-exporter.io/baseline', value: 'skip' } as const;

/** Why the baseline skips the namespace, or undefined when it does not. */
export function baselineSkips(name: string, labels: Readonly<Record<string, string>>): string | undefined {
  if (BASELINE_SKIPPED_NAMESPACES.includes(name)) return "the cluster's and its policy engine's";
  if (labels[BASELINE_SKIP_LABEL.key] === BASELINE_SKIP_LABEL.value)
    return `labelled ${BASELINE_SKIP_LABEL.key}=${BASELINE_SKIP_LABEL.value}`;
  return undefined;
}
