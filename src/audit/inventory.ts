// What an audit (or a remediation) looks at: namespaces, NetworkPolicies and the policies of other sources
// (cluster-scoped and CNI kinds) fed into the same CoverageState the exporter uses, from either a live cluster
// (one paginated list of each kind the server serves) or manifests.
import type { KubeConfig } from '@kubernetes/client-node';
import { CoverageState } from '../core/coverage-state.ts';
import { isObject, namespaceFacts, policyFacts } from '../core/facts.ts';
import {
  EXTRA_SOURCES,
  policySource,
  resourceName,
  type Source,
  sourceOfManifest,
  sourcePolicyFacts,
} from '../core/sources/index.ts';
import { ApiError, KubeApi } from '../watch/kube-api.ts';
import type { ManifestObject } from './manifests.ts';

export type InventoryOrigin = { mode: 'cluster'; server: string } | { mode: 'manifests'; paths: string[] };

export interface Inventory {
  state: CoverageState;
  /** Where the objects came from (the report's `source` field). */
  origin: InventoryOrigin;
  /** Manifests mode: where each namespace is declared, or first referenced when no Namespace object declares it. */
  locations: Map<string, string>;
  /** Things the user should know that do not fail the audit (printed on stderr). */
  warnings: string[];
}

/** The cluster could not be asked: exit code 2, one line. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

const keepEveryAnnotation = () => true;

const isKind = (obj: Record<string, unknown>, apiVersion: string, kind: string) =>
  obj.apiVersion === apiVersion && obj.kind === kind;

/**
 * Namespaces are those declared by Namespace objects plus those that namespaced objects name in
 * metadata.namespace (a repository often deploys into namespaces created elsewhere; they must be covered too).
 * A NetworkPolicy without metadata.namespace lands in `default` when applied with a default context, so it is
 * counted there, with a warning.
 */
export function inventoryFromManifests(
  objects: ManifestObject[],
  paths: string[],
  coverageSources?: ReadonlySet<Source>,
): Inventory {
  const state = new CoverageState(coverageSources ? { coverageSources } : {});
  const locations = new Map<string, string>();
  const warnings: string[] = [];
  const referenced = new Map<string, string>();
  for (const { object, location } of objects) {
    if (isKind(object, 'v1', 'Namespace')) {
      const facts = namespaceFacts(object, { keepAnnotation: keepEveryAnnotation });
      if (!facts) {
        warnings.push(`${location}: Namespace without metadata.name, ignored`);
        continue;
      }
      state.upsertNamespace(facts);
      locations.set(facts.name, location);
      continue;
    }
    const metadata = isObject(object.metadata) ? object.metadata : {};
    let namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
    const source = sourceOfManifest(object);
    if (source && source !== 'networkpolicy') {
      if (!namespace && policySource(source).namespaced) {
        namespace = 'default';
        warnings.push(
          `${location}: ${object.kind} ${String(metadata.name)} has no metadata.namespace; counted in "default"`,
        );
      }
      const facts = sourcePolicyFacts(source, {
        ...object,
        metadata: { ...metadata, ...(namespace ? { namespace } : {}) },
      });
      if (facts) state.upsertSourcePolicy(facts);
      else warnings.push(`${location}: ${object.kind} without metadata.name, ignored`);
    } else if (isKind(object, 'networking.k8s.io/v1', 'NetworkPolicy')) {
      if (!namespace) {
        namespace = 'default';
        warnings.push(
          `${location}: NetworkPolicy ${String(metadata.name)} has no metadata.namespace; counted in "default"`,
        );
      }
      const facts = policyFacts({ ...object, metadata: { ...metadata, namespace } });
      if (!facts) {
        warnings.push(`${location}: NetworkPolicy without metadata.name, ignored`);
        continue;
      }
      state.upsertPolicy(facts);
    }
    if (namespace && !referenced.has(namespace)) referenced.set(namespace, location);
  }
  for (const [name, location] of referenced) {
    if (state.namespaceFacts(name)) continue;
    state.upsertNamespace({ name, phase: 'Active', createdSeconds: Number.NaN, labels: {}, annotations: {} });
    locations.set(name, location);
  }
  return { state, origin: { mode: 'manifests', paths }, locations, warnings };
}

export async function inventoryFromCluster(
  kc: KubeConfig,
  pageSize: number,
  coverageSources?: ReadonlySet<Source>,
): Promise<Inventory> {
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
        warnings.push(`not permitted to list ${resourceName(kind)}; its policies are not counted`);
        continue;
      }
      throw new ConnectionError(`cannot list ${resourceName(kind)} from ${server}: ${describe(err)}`);
    }
  }
  for (const obj of namespaces) {
    const facts = namespaceFacts(obj, { keepAnnotation: keepEveryAnnotation });
    if (facts) state.upsertNamespace(facts);
  }
  for (const obj of policies) {
    const facts = policyFacts(obj);
    if (facts) state.upsertPolicy(facts);
  }
  return { state, origin: { mode: 'cluster', server }, locations: new Map(), warnings };
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED, a TLS error) does. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${err.message} (${cause.message})`;
  return err.message;
}
