// Scenario sizes. Five policies per namespace and no namespace left uncovered: every namespace carries the
// full set of series, the worst case for exposition size.
export interface Size {
  name: string;
  namespaces: number;
  policiesPerNamespace: number;
  podsPerNamespace: number;
  /** Flags the exporter needs for this size (pod isolation for the pods scenario). */
  exporterFlags: string[];
}

export const SIZES: Record<string, Size> = {
  S: { name: 'S', namespaces: 100, policiesPerNamespace: 5, podsPerNamespace: 0, exporterFlags: [] },
  M: { name: 'M', namespaces: 1_000, policiesPerNamespace: 5, podsPerNamespace: 0, exporterFlags: [] },
  L: { name: 'L', namespaces: 10_000, policiesPerNamespace: 5, podsPerNamespace: 0, exporterFlags: [] },
  'L+pods': {
    name: 'L+pods',
    namespaces: 10_000,
    policiesPerNamespace: 5,
    podsPerNamespace: 20,
    exporterFlags: ['--pod-isolation'],
  },
};
