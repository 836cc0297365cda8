// Scenario sizes. Five policies per namespace and no namespace left uncovered: every namespace carries the
// full set of series, the worst case for exposition size.
export interface Size {
  name: string;
  namespaces: number;
  policiesPerNamespace: number;
  podsPerNamespace: number;
  /** Services per namespace (kube-sim's seedScale: a ClusterIP and a LoadBalancer, with selectors and target ports). */
  servicesPerNamespace: number;
  /** An Ingress in every Nth namespace, to its ClusterIP Service; 0 = none. */
  ingressEvery: number;
  /** Flags the exporter needs for this size (pod isolation for the pods scenario). */
  exporterFlags: string[];
  /** Printed beside this size with the ratio of each figure (a variant of it). */
  comparedWith?: string;
}

const base = { podsPerNamespace: 0, servicesPerNamespace: 0, ingressEvery: 0, exporterFlags: [] };

export const SIZES: Record<string, Size> = {
  S: { ...base, name: 'S', namespaces: 100, policiesPerNamespace: 5 },
  M: { ...base, name: 'M', namespaces: 1_000, policiesPerNamespace: 5 },
  L: { ...base, name: 'L', namespaces: 10_000, policiesPerNamespace: 5 },
  'L+pods': {
    ...base,
    name: 'L+pods',
    namespaces: 10_000,
    policiesPerNamespace: 5,
    podsPerNamespace: 20,
    exporterFlags: ['--pod-isolation'],
  },
  // L as --internet-facing (on by default) sees a real cluster: two Services in every namespace, an Ingress in
  // every hundredth.
  'L+services': {
    ...base,
    name: 'L+services',
    namespaces: 10_000,
    policiesPerNamespace: 5,
    servicesPerNamespace: 2,
    ingressEvery: 100,
    comparedWith: 'L',
  },
  // The same at S: not in a default run; the bench's own test runs it in quick mode.
  'S+services': {
    ...base,
    name: 'S+services',
    namespaces: 100,
    policiesPerNamespace: 5,
    servicesPerNamespace: 2,
    ingressEvery: 100,
    comparedWith: 'S',
  },
};

import type { CoverageState } from '../src/core/coverage-state.ts';
import type { NamespaceFacts, namespaceFacts, policyFacts } from '../src/core/facts.ts';

/** What `npm run bench` measures without --sizes. */
export const DEFAULT_SIZES = ['S', 'M', 'L', 'L+pods', 'L+services'];

/** What seedScale is given for a size (the bench's clusters leave no namespace uncovered). */
export function seedOptions(size: Size) {
  return {
    namespaces: size.namespaces,
    policiesPerNamespace: size.policiesPerNamespace,
    podsPerNamespace: size.podsPerNamespace,
    servicesPerNamespace: size.servicesPerNamespace,
    ingressEvery: size.ingressEvery,
    uncoveredEvery: 0,
  };
}

/** The core a bench step reads a cluster with: from source, or compiled as the image runs it. */
export interface ClusterReader {
  CoverageState: typeof CoverageState;
  namespaceFacts: typeof namespaceFacts;
  policyFacts: typeof policyFacts;
}

/** The simulator's namespaces and NetworkPolicies in a CoverageState, read as the exporter reads them. */
export function coverageOf(
  cluster: { list(resource: string): unknown[] },
  core: ClusterReader,
): { state: CoverageState; namespaces: NamespaceFacts[] } {
  const state = new core.CoverageState();
  const namespaces = cluster.list('namespaces').flatMap((o) => core.namespaceFacts(o) ?? []);
  for (const ns of namespaces) state.upsertNamespace(ns);
  for (const p of cluster.list('networkpolicies')) {
    const facts = core.policyFacts(p);
    if (facts) state.upsertPolicy(facts);
  }
  return { state, namespaces };
}
