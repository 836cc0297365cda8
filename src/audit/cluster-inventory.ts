// The audit's inventory of a live cluster: one paginated list of each kind the server serves. Its own module, loaded
// only for a cluster, so that `audit --manifests` never loads the Kubernetes client (at 24,000 namespaces that is
// about 90 MB of peak RSS and most of a second of start-up).
import type { KubeConfig } from '@kubernetes/client-node';
import { CoverageState } from '../core/coverage-state.ts';
import { isObject, namespaceFacts, policyFacts } from '../core/facts.ts';
import { podFacts } from '../core/pod-isolation.ts';
import {
  EXTRA_SOURCES,
  type ExtraSource,
  resourceName,
  type Source,
  sourcePolicyFacts,
} from '../core/sources/index.ts';
import { ApiError, KubeApi } from '../watch/kube-api.ts';
import { METADATA_ACCEPT } from '../watch/pod-watch.ts';
import { internetFacingFromCluster } from './internet-facing-cluster.ts';
import { ConnectionError, type Inventory, keepEveryAnnotation } from './inventory.ts';
import type { Workload } from './workloads.ts';

export interface ClusterInventoryOptions {
  coverageSources?: ReadonlySet<Source> | undefined;
  /** Also list the cluster's pods (metadata only; needs list on pods), to know what each namespace runs. */
  pods?: boolean;
  /** List Services, Ingresses and Gateway API routes to know what faces the internet (default true). */
  internetFacing?: boolean;
  /** Also list the IngressClasses, GatewayClasses and Gateways that say which controllers forward (remediate). */
  controllers?: boolean;
}

export async function inventoryFromCluster(
  kc: KubeConfig,
  pageSize: number,
  options: ClusterInventoryOptions = {},
): Promise<Inventory> {
  const { coverageSources } = options;
  const api = new KubeApi(kc);
  const server = api.server;
  const list = async (what: string, path: string) => {
    try {
      return (await api.listAll(path, pageSize)).items;
    } catch (err) {
      throw new ConnectionError(`cannot list ${what} from ${server}: ${describe(err)}`);
    }
  };
  const [namespaces, policies] = await Promise.all([
    list('namespaces', '/api/v1/namespaces'),
    list('networkpolicies', '/apis/networking.k8s.io/v1/networkpolicies'),
  ]);
  const state = new CoverageState(coverageSources ? { coverageSources } : {});
  const warnings: string[] = [];
  const unread: ExtraSource[] = [];
  for (const kind of EXTRA_SOURCES) {
    const path = `/apis/${kind.group}/${kind.version}/${kind.resource}`;
    try {
      for (const obj of (await api.listAll(path, pageSize)).items) {
        const facts = sourcePolicyFacts(kind.id, obj);
        if (facts) state.upsertSourcePolicy(facts);
      }
    } catch (err) {
      // Not served (404) is the common case: the cluster has no such CNI. Forbidden is worth saying.
      if (err instanceof ApiError && err.statusCode === 404) continue;
      if (err instanceof ApiError && err.statusCode === 403) {
        // Its policies may protect a namespace: where nothing readable does, the answer is unknown, not uncovered.
        if (coverageSources?.has(kind.id) ?? true) unread.push(kind.id);
        warnings.push(
          `not permitted to list ${resourceName(kind)}; namespaces only its policies could protect are unknown`,
        );
        continue;
      }
      throw new ConnectionError(`cannot list ${resourceName(kind)} from ${server}: ${describe(err)}`);
    }
  }
  state.setUnread(unread);
  for (const obj of namespaces) {
    const facts = namespaceFacts(obj, { keepAnnotation: keepEveryAnnotation });
    if (facts) state.upsertNamespace(facts);
  }
  for (const obj of policies) {
    const facts = policyFacts(obj);
    if (facts) state.upsertPolicy(facts);
  }
  let workloads: Map<string, Workload[]> | undefined;
  if (options.pods) {
    try {
      const pods = await api.listAll('/api/v1/pods', pageSize, METADATA_ACCEPT.list, podOfList);
      workloads = workloadsOfPods(pods.items);
    } catch (err) {
      if (!(err instanceof ApiError && err.statusCode === 403))
        throw new ConnectionError(`cannot list pods from ${server}: ${describe(err)}`);
      warnings.push('not permitted to list pods; which workloads would lose traffic is unknown');
    }
  }
  const internetFacing =
    options.internetFacing === false
      ? undefined
      : await internetFacingFromCluster(
          api,
          pageSize,
          warnings,
          (what, err) => new ConnectionError(`cannot list ${what} from ${server}: ${describe(err)}`),
          options.controllers ? { controllers: true } : {},
        );
  return {
    state,
    origin: { mode: 'cluster', server },
    locations: new Map(),
    workloads,
    warnings,
    ...(internetFacing ? { internetFacing } : {}),
  };
}

interface ListedPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  owner: { kind: string; name: string } | undefined;
}

function podOfList(item: unknown): ListedPod | undefined {
  const facts = podFacts(item);
  if (!facts || !isObject(item) || !isObject(item.metadata)) return undefined;
  const refs = Array.isArray(item.metadata.ownerReferences) ? item.metadata.ownerReferences : [];
  const controller = refs.find((r) => isObject(r) && r.controller === true) ?? refs[0];
  const owner =
    isObject(controller) && typeof controller.kind === 'string' && typeof controller.name === 'string'
      ? { kind: controller.kind, name: controller.name }
      : undefined;
  return { ...facts, owner };
}

/**
 * A cluster's pods as workloads: the pods of one owner with the same labels are one workload (a StatefulSet's pods
 * differ by their pod-name label, so each is its own); a pod without an owner is a workload by itself.
 */
function workloadsOfPods(pods: ListedPod[]): Map<string, Workload[]> {
  const groups = new Map<string, Workload>();
  for (const pod of pods) {
    const kind = pod.owner?.kind ?? 'Pod';
    const name = pod.owner?.name ?? pod.name;
    const labels = Object.fromEntries(Object.entries(pod.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    const key = JSON.stringify([pod.namespace, kind, name, labels]);
    const group = groups.get(key);
    if (group) group.pods++;
    else groups.set(key, { kind, name, namespace: pod.namespace, labels, location: '', pods: 1 });
  }
  const out = new Map<string, Workload[]>();
  for (const workload of groups.values()) {
    const list = out.get(workload.namespace) ?? [];
    list.push(workload);
    out.set(workload.namespace, list);
  }
  return out;
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED, a TLS error) does. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${err.message} (${cause.message})`;
  return err.message;
}
