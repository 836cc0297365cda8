// Level 3 of protection (docs semantics, "Pod isolation"): per namespace, how many pods there are and how many are
// isolated per direction, i.e. selected by at least one NetworkPolicy of their namespace whose effective
// policyTypes include the direction, and which of its policies select no pod at all (dangling). Only pod labels are
// kept. A pod or policy event recounts its namespace only.

import { DIRECTIONS, type Direction } from './direction.ts';
import { isObject, objectKey, type PolicyFacts } from './facts.ts';
import { lookupIn, matchSelector } from './selectors/label-selector.ts';

export interface PodFacts {
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

export interface PodIsolation {
  namespace: string;
  pods: number;
  isolated: Record<Direction, number>;
  /**
   * NetworkPolicies of the namespace whose podSelector matches none of its pods (by name, sorted): they make the
   * namespace "have a policy" and isolate nothing. A selector that cannot be evaluated is not counted.
   */
  dangling: string[];
}

export type PodIsolationListener = (namespace: string, counts: PodIsolation | undefined) => void;

/** From a full Pod or a PartialObjectMetadata: only identity and labels. */
export function podFacts(obj: unknown): PodFacts | undefined {
  const key = objectKey(obj);
  if (!key || key.namespace === '' || !isObject(obj) || !isObject(obj.metadata)) return undefined;
  const labels: Record<string, string> = {};
  const raw = obj.metadata.labels;
  if (isObject(raw)) for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') labels[k] = v;
  return { namespace: key.namespace, name: key.name, labels };
}

/** Whether one policy isolates a pod for a direction. An unevaluable selector does not count as selecting. */
export function isolates(policy: PolicyFacts, labels: Record<string, string>, direction: Direction): boolean {
  return policy[direction].applies && matchSelector(policy.podSelector, lookupIn(labels)) === true;
}

export function countIsolation(
  namespace: string,
  pods: Iterable<Record<string, string>>,
  policies: readonly PolicyFacts[],
): PodIsolation {
  const counts: PodIsolation = { namespace, pods: 0, isolated: { ingress: 0, egress: 0 }, dangling: [] };
  const selectsSome = policies.map(() => false);
  for (const labels of pods) {
    counts.pods++;
    for (const direction of DIRECTIONS) {
      if (policies.some((p) => isolates(p, labels, direction))) counts.isolated[direction]++;
    }
    policies.forEach((p, i) => {
      if (!selectsSome[i] && matchSelector(p.podSelector, lookupIn(labels)) !== false) selectsSome[i] = true;
    });
  }
  counts.dangling = policies
    .filter((_, i) => !selectsSome[i])
    .map((p) => p.name)
    .sort();
  return counts;
}

export class PodIsolationState {
  private readonly pods = new Map<string, Map<string, Record<string, string>>>();
  private readonly listeners: PodIsolationListener[] = [];
  private readonly latest = new Map<string, PodIsolation>();
  private readonly podListeners: ((namespace: string) => void)[] = [];

  /** `policiesIn`: the NetworkPolicies of a namespace (CoverageState holds them). */
  constructor(private readonly policiesIn: (namespace: string) => Iterable<PolicyFacts>) {}

  onChange(listener: PodIsolationListener): void {
    this.listeners.push(listener);
  }

  /** Called when a namespace's pods themselves changed (not when its policies did). */
  onPodsChange(listener: (namespace: string) => void): void {
    this.podListeners.push(listener);
  }

  /** The labels of a namespace's pods. */
  podsIn(namespace: string): Iterable<Record<string, string>> {
    return this.pods.get(namespace)?.values() ?? [];
  }

  upsertPod(facts: PodFacts): void {
    let inNamespace = this.pods.get(facts.namespace);
    if (!inNamespace) {
      inNamespace = new Map();
      this.pods.set(facts.namespace, inNamespace);
    }
    inNamespace.set(facts.name, facts.labels);
    this.recount(facts.namespace);
    for (const listener of this.podListeners) listener(facts.namespace);
  }

  deletePod(namespace: string, name: string): void {
    const inNamespace = this.pods.get(namespace);
    if (!inNamespace?.delete(name)) return;
    if (inNamespace.size === 0) this.pods.delete(namespace);
    this.recount(namespace);
    for (const listener of this.podListeners) listener(namespace);
  }

  /** The namespace's figures as last counted; undefined when it has no pods. */
  counts(namespace: string): PodIsolation | undefined {
    return this.latest.get(namespace);
  }

  /** Call when the namespace's NetworkPolicies changed. Namespaces without pods have no figures. */
  recount(namespace: string): void {
    const inNamespace = this.pods.get(namespace);
    const counts = inNamespace
      ? countIsolation(namespace, inNamespace.values(), [...this.policiesIn(namespace)])
      : undefined;
    if (counts) this.latest.set(namespace, counts);
    else this.latest.delete(namespace);
    for (const listener of this.listeners) listener(namespace, counts);
  }
}
