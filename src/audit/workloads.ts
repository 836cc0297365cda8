// The pods a repository will run, read from its workloads' pod templates (or from a cluster's pods), so the
// manifests path can tell what each NetworkPolicy selects: a policy that selects none of a namespace's pods is
// dangling, covered by the letter of CIS 5.3.2 while it isolates nothing. Pure: objects in, label sets out.

import { DIRECTIONS, type Direction } from '../core/direction.ts';
import { isObject, type PolicyFacts } from '../core/facts.ts';
import { lookupIn, matchSelector } from '../core/selectors/label-selector.ts';

export interface Workload {
  /** `Deployment`, `CronJob`, `Pod`, ...; for a cluster's pods, the kind of their owner (`ReplicaSet`) or `Pod`. */
  kind: string;
  name: string;
  namespace: string;
  /** The labels its pods carry: those of the pod template. */
  labels: Record<string, string>;
  /** `file:line` in manifests; '' for a cluster's pods. */
  location: string;
  /** Pods it stands for: 1 for a template (however many replicas it runs), the pod count for a cluster's owner. */
  pods: number;
}

/** Where each workload kind keeps its pod template's metadata. */
const TEMPLATE_PATH: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template', 'metadata'],
  StatefulSet: ['spec', 'template', 'metadata'],
  DaemonSet: ['spec', 'template', 'metadata'],
  ReplicaSet: ['spec', 'template', 'metadata'],
  ReplicationController: ['spec', 'template', 'metadata'],
  Job: ['spec', 'template', 'metadata'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
  Pod: ['metadata'],
};

/** Whether the kind's pods are read from its template (or it is a Pod). */
export const isWorkloadKind = (kind: string): boolean => Object.hasOwn(TEMPLATE_PATH, kind);

/** Where the kind keeps the metadata its pods' labels are read from; undefined for a kind that runs no pods. */
export const podMetadataPath = (kind: string): readonly string[] | undefined =>
  isWorkloadKind(kind) ? TEMPLATE_PATH[kind] : undefined;

function stringLabels(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') labels[k] = v;
  return labels;
}

/** The workload an (admitted) object stands for, or undefined when it runs no pods. */
export function workloadOf(
  object: Record<string, unknown>,
  namespace: string,
  location: string,
): Workload | undefined {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const path = TEMPLATE_PATH[kind];
  if (!path || namespace === '') return undefined;
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  let at: unknown = object;
  for (const key of path) at = isObject(at) ? at[key] : undefined;
  const labels = stringLabels(isObject(at) ? at.labels : undefined);
  return { kind, name, namespace, labels, location, pods: 1 };
}

/** Every workload of the objects, by namespace, in input order. */
export function workloadsByNamespace(
  objects: Iterable<{ object: Record<string, unknown>; namespace: string; location: string }>,
): Map<string, Workload[]> {
  const out = new Map<string, Workload[]>();
  for (const { object, namespace, location } of objects) {
    const workload = workloadOf(object, namespace, location);
    if (!workload) continue;
    const list = out.get(namespace) ?? [];
    list.push(workload);
    out.set(namespace, list);
  }
  return out;
}

/** Per namespace, the label sets of its pods: what a policy's podSelector is matched against. */
export function podLabelSets(
  workloads: ReadonlyMap<string, readonly Workload[]>,
): Map<string, Record<string, string>[]> {
  return new Map([...workloads].map(([namespace, list]) => [namespace, list.map((w) => w.labels)]));
}

export interface PolicySelection {
  policy: PolicyFacts;
  /** The workloads whose pods the podSelector matches. */
  selected: Workload[];
  /** Pods the policy isolates per direction (selected, and the direction is among its effective policyTypes). */
  isolatedPods: Record<Direction, number>;
  /** The selector could not be evaluated for some workload (an operator the API server would refuse). */
  unknown: boolean;
  /** Selects no pod of a namespace that has some: covered by the letter of the control, isolating nothing. */
  dangling: boolean;
}

/** What one NetworkPolicy selects among its namespace's workloads. */
export function policySelection(policy: PolicyFacts, workloads: readonly Workload[]): PolicySelection {
  const selected: Workload[] = [];
  let unknown = false;
  for (const workload of workloads) {
    const match = matchSelector(policy.podSelector, lookupIn(workload.labels));
    if (match === 'unknown') unknown = true;
    else if (match) selected.push(workload);
  }
  const pods = selected.reduce((n, w) => n + w.pods, 0);
  const isolatedPods = Object.fromEntries(DIRECTIONS.map((d) => [d, policy[d].applies ? pods : 0])) as Record<
    Direction,
    number
  >;
  return {
    policy,
    selected,
    isolatedPods,
    unknown,
    dangling: workloads.length > 0 && selected.length === 0 && !unknown,
  };
}
