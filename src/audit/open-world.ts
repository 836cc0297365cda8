// A repository is not a cluster. By default `audit --manifests` assumes an open world for what the input cannot
// rule out: namespaces it does not declare may exist (another repository makes them, or they come later), and pods
// may exist beyond its workloads wherever it holds something an operator or an unknown controller turns into pods.
// `--whole-cluster` says the input is a whole cluster's dump, and then neither holds. Pure: admitted objects in.
import { type LabelSelector, NAMESPACE_NAME_LABEL } from '../core/facts.ts';
import type { Tri } from '../core/selectors/label-selector.ts';
import { sourceOfManifest } from '../core/sources/index.ts';
import { type AdmittedObject, describeObject } from './admission.ts';
import { groupOf } from './api-scope.ts';
import { isWorkloadKind } from './workloads.ts';

export interface OpenWorld {
  /** Namespaces a Namespace object declares: their labels are known. Any other may exist, with any labels. */
  declared: ReadonlySet<string>;
  /** Per namespace, the objects that may make pods the input does not declare. */
  possiblePods: ReadonlyMap<string, readonly PodMaker[]>;
}

/** An object that may make pods the input does not declare. */
export interface PodMaker {
  /** `Prometheus k8s` */
  object: string;
  location: string;
  why: string;
}

export const podMakerText = (m: PodMaker): string => `${m.object} (${m.location}): ${m.why}`;

/** Namespaced kinds known to make no pods; a workload's pods are read from its template (workloads.ts). */
const NO_PODS: Record<string, readonly string[]> = {
  '': [
    'Binding',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'PersistentVolumeClaim',
    'PodTemplate',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  apps: ['ControllerRevision'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
  'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
  extensions: ['Ingress', 'NetworkPolicy'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding'],
  'coordination.k8s.io': ['Lease'],
  'discovery.k8s.io': ['EndpointSlice'],
  'events.k8s.io': ['Event'],
  'storage.k8s.io': ['CSIStorageCapacity'],
  'monitoring.coreos.com': ['AlertmanagerConfig', 'PodMonitor', 'Probe', 'PrometheusRule', 'ServiceMonitor'],
  'gateway.networking.k8s.io': ['GRPCRoute', 'HTTPRoute', 'ReferenceGrant', 'TCPRoute', 'TLSRoute'],
  'cert-manager.io': ['Certificate', 'CertificateRequest', 'Issuer'],
  'kyverno.io': ['Policy'],
};

/** Custom resources an operator turns into pods in their own namespace. */
const OPERATOR_PODS: Record<string, readonly string[]> = {
  'monitoring.coreos.com': ['Alertmanager', 'Prometheus', 'PrometheusAgent', 'ThanosRuler'],
  // Istio and Envoy Gateway deploy a Gateway's proxy beside it.
  'gateway.networking.k8s.io': ['Gateway'],
};

/** Why the object may make pods that the input does not declare, or undefined when it makes none or they are read. */
export function unexpandedPods(
  admitted: Pick<AdmittedObject, 'object' | 'apiVersion' | 'kind' | 'namespace'>,
): string | undefined {
  const { apiVersion, kind, namespace } = admitted;
  if (namespace === '' || sourceOfManifest(admitted.object)) return undefined;
  const group = groupOf(apiVersion);
  if (isWorkloadKind(kind) && ['', 'apps', 'batch', 'extensions'].includes(group)) return undefined;
  if (NO_PODS[group]?.includes(kind)) return undefined;
  return OPERATOR_PODS[group]?.includes(kind)
    ? 'an operator turns it into pods'
    : 'a kind the exporter does not know, which may make pods';
}

/** What the open world adds for these objects: the declared namespaces and the possible pods per namespace. */
export function openWorldOf(objects: readonly AdmittedObject[]): OpenWorld {
  const declared = new Set<string>();
  const possiblePods = new Map<string, PodMaker[]>();
  for (const object of objects) {
    if (object.apiVersion === 'v1' && object.kind === 'Namespace') {
      declared.add(object.name);
      continue;
    }
    const why = unexpandedPods(object);
    if (!why) continue;
    const list = possiblePods.get(object.namespace) ?? [];
    list.push({ object: describeObject(object.kind, '', object.name), location: object.location, why });
    possiblePods.set(object.namespace, list);
  }
  return { declared, possiblePods };
}

/**
 * Whether a namespace the input does not declare (or declares only by placing objects in it, so its labels are not
 * known) may match the selector: 'unknown' when some label set satisfies it with a name outside `declared`, else
 * false. Undefined stands for every namespace. A selector the API would refuse may match anything.
 */
export function mayMatchUndeclared(selector: LabelSelector | undefined, declared: ReadonlySet<string>): Tri {
  if (!selector) return 'unknown';
  const keys = new Set([
    ...Object.keys(selector.matchLabels),
    ...selector.matchExpressions.map((e) => e.key),
    NAMESPACE_NAME_LABEL,
  ]);
  for (const key of keys) {
    const feasible = keyFeasible(selector, key, key === NAMESPACE_NAME_LABEL ? declared : undefined);
    if (feasible === false) return false;
  }
  return 'unknown';
}

/**
 * Whether some value (or absence) of one label meets every requirement on it. The name label is always present
 * and must not be one of `taken`. Requirements on different keys are independent.
 */
function keyFeasible(selector: LabelSelector, key: string, taken: ReadonlySet<string> | undefined): boolean {
  let allowed: Set<string> | undefined; // undefined: any value
  const excluded = new Set<string>(); // with `taken`, which is not copied: it may hold every declared namespace
  let present = taken !== undefined;
  let absent = false;
  const narrow = (values: readonly string[]) => {
    allowed = allowed ? new Set(values.filter((v) => allowed?.has(v))) : new Set(values);
  };
  const want = selector.matchLabels[key];
  if (want !== undefined) {
    present = true;
    narrow([want]);
  }
  for (const e of selector.matchExpressions) {
    if (e.key !== key) continue;
    switch (e.operator) {
      case 'In':
        if (e.values.length === 0) return true; // refused by the API: not evaluated, so it may match
        present = true;
        narrow(e.values);
        break;
      case 'NotIn':
        if (e.values.length === 0) return true;
        for (const v of e.values) excluded.add(v);
        break;
      case 'Exists':
        present = true;
        break;
      case 'DoesNotExist':
        absent = true;
        break;
      default:
        return true;
    }
  }
  if (present && absent) return false;
  if (absent) return true;
  const values = allowed as Set<string> | undefined;
  return values === undefined || [...values].some((v) => !excluded.has(v) && !taken?.has(v));
}
