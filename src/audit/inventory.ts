// What an audit (or a remediation) looks at: namespaces, NetworkPolicies and the policies of other sources
// (cluster-scoped and CNI kinds) fed into the same CoverageState the exporter uses, from manifests here, or from a
// live cluster (cluster-inventory.ts, loaded only then: manifests mode never loads the Kubernetes client).
import { CoverageState } from '../core/coverage-state.ts';
import { NAMESPACE_NAME_LABEL, namespaceFacts, policyFacts } from '../core/facts.ts';
import { countIsolation } from '../core/pod-isolation.ts';
import { type Source, sourceOfManifest, sourcePolicyFacts } from '../core/sources/index.ts';
import { admit, describeObject } from './admission.ts';
import { type InternetFacingInventory, internetFacingFromManifests } from './internet-facing.ts';
import type { ManifestObject } from './manifests.ts';
import { type OpenWorld, openWorldOf } from './open-world.ts';
import { policySelection, type Workload, workloadsByNamespace } from './workloads.ts';

export type InventoryOrigin = { mode: 'cluster'; server: string } | { mode: 'manifests'; paths: string[] };

export interface Inventory {
  state: CoverageState;
  /** Where the objects came from (the report's `source` field). */
  origin: InventoryOrigin;
  /** Manifests mode: where each namespace is declared, or first referenced when no Namespace object declares it. */
  locations: Map<string, string>;
  /** Manifests mode: where each policy is written, by policyKey(source, namespace, name) (SARIF points at it). */
  policyLocations?: Map<string, string>;
  /**
   * The pods each namespace runs, by workload: from the manifests' pod templates, or from a cluster's pods when
   * they were listed. Undefined when not known (a cluster read without pods).
   */
  workloads: Map<string, Workload[]> | undefined;
  /** Things the user should know that do not fail the audit (printed on stderr). */
  warnings: string[];
  /** What opens each namespace to the internet (Services, Ingresses, routes); undefined when not read. */
  internetFacing?: InternetFacingInventory;
  /**
   * Manifests mode without --whole-cluster: what the input cannot rule out (namespaces it does not declare, pods
   * beyond its workloads). Undefined when the input is the whole cluster (a live one, or a dump).
   */
  openWorld?: OpenWorld;
}

/** A policy's key in Inventory.policyLocations: its source, namespace ('' when cluster-scoped) and name. */
export const policyKey = (source: string, namespace: string, name: string) =>
  `${source}/${namespace}/${name}`;

/** The cluster could not be asked: exit code 2, one line. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** Every annotation of a Namespace is kept: exemptions and scope rules read them. */
export const keepEveryAnnotation = () => true;

export interface ManifestInventoryOptions {
  /** The sources that count toward covered (--coverage-sources); all when omitted. */
  coverageSources?: ReadonlySet<Source> | undefined;
  /** kubectl's --namespace: where namespaced objects without metadata.namespace land ('' means default). */
  namespace?: string | undefined;
  /** --whole-cluster: the input is a whole cluster's dump; what it does not declare does not exist. */
  wholeCluster?: boolean | undefined;
  /** Keep every Service read (internetFacing.services, for remediation); default true. */
  services?: boolean | undefined;
}

/**
 * The namespaces to check are those declared by Namespace objects plus every namespace a namespaced object lands
 * in, as `kubectl apply` would place it (no metadata.namespace means `default`, or --namespace): a repository often
 * deploys into namespaces created elsewhere, and those must be covered too. Objects go through the API server's
 * defaulting and refusals first (admission.ts), and the workloads' pod templates say what each policy selects.
 */
export function inventoryFromManifests(
  objects: ManifestObject[],
  paths: string[],
  options: ManifestInventoryOptions = {},
): Inventory {
  const { coverageSources } = options;
  const state = new CoverageState(coverageSources ? { coverageSources } : {});
  const locations = new Map<string, string>();
  const admission = admit(objects, options.namespace ? { namespace: options.namespace } : {});
  const warnings = [...admission.warnings];
  const referenced = new Map<string, string>();
  const policyLocations = new Map<string, string>();
  const unread = (location: string, what: string) =>
    warnings.push(`${location}: ${what} could not be read; not counted`);
  // Cluster-scoped objects that are neither Namespaces nor policies (ClusterRoles, CRDs, ...) say nothing about
  // coverage: read and not used, so one line counts them rather than silence.
  const unused = new Map<string, number>();
  let firstUnused = '';
  for (const { object, location, apiVersion, kind, name, namespace } of admission.objects) {
    if (apiVersion === 'v1' && kind === 'Namespace') {
      const facts = namespaceFacts(object, { keepAnnotation: keepEveryAnnotation });
      if (facts) {
        state.upsertNamespace(facts);
        locations.set(facts.name, location);
      } else unread(location, describeObject(kind, '', name));
      continue;
    }
    const source = sourceOfManifest(object);
    if (source === 'networkpolicy') {
      const facts = policyFacts(object);
      if (facts) {
        state.upsertPolicy(facts);
        policyLocations.set(policyKey(source, namespace, name), location);
      } else unread(location, describeObject(kind, namespace, name));
    } else if (source) {
      const facts = sourcePolicyFacts(source, object);
      if (facts) {
        state.upsertSourcePolicy(facts);
        policyLocations.set(policyKey(source, facts.namespace, facts.name), location);
      } else unread(location, describeObject(kind, namespace, name));
    } else if (!namespace) {
      unused.set(kind, (unused.get(kind) ?? 0) + 1);
      firstUnused ||= location;
    }
    if (namespace && !referenced.has(namespace)) referenced.set(namespace, location);
  }
  if (unused.size > 0) {
    const counts = [...unused].map(([kind, n]) => `${n} ${kind}`).join(', ');
    const total = [...unused.values()].reduce((a, b) => a + b, 0);
    warnings.push(
      `${firstUnused}: ${total} cluster-scoped object${total === 1 ? '' : 's'} (${counts}; this one first) ` +
        'name no namespace and no network policy; read and not counted',
    );
  }
  for (const [namespace, location] of admission.refusedIn)
    if (!referenced.has(namespace)) referenced.set(namespace, location);
  for (const [name, location] of referenced) {
    if (state.namespaceFacts(name)) continue;
    state.upsertNamespace({
      name,
      phase: 'Active',
      createdSeconds: Number.NaN,
      labels: { [NAMESPACE_NAME_LABEL]: name },
      annotations: {},
    });
    locations.set(name, location);
  }
  const workloads = workloadsByNamespace(admission.objects);
  const openWorld = options.wholeCluster ? undefined : openWorldOf(admission.objects);
  for (const [namespace, list] of [...workloads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const policies = [...state.policiesIn(namespace)];
    const together = countIsolation(
      namespace,
      list.map((w) => w.labels),
      policies,
    );
    const possible = openWorld?.possiblePods.get(namespace);
    for (const policy of policies) {
      if (!policySelection(policy, list).dangling) continue;
      const at =
        policyLocations.get(policyKey('networkpolicy', namespace, policy.name)) ??
        locations.get(namespace) ??
        '';
      const declared = `${list.length} workload${list.length === 1 ? '' : 's'} in ${namespace}`;
      warnings.push(
        possible
          ? `${at}: NetworkPolicy ${namespace}/${policy.name} selects none of the ${declared}, but may select the ` +
              `pods that ${possible.map((m) => `${m.object} (${m.location})`).join(', ')} make${possible.length === 1 ? 's' : ''}, ` +
              'which the input does not declare: not judged dangling (unknown; --whole-cluster judges it on the ' +
              'workloads alone)'
          : `${at}: NetworkPolicy ${namespace}/${policy.name} is dangling: its podSelector selects none of the ` +
              `${declared}, so it isolates nothing (the namespace's policies together isolate ` +
              `${together.isolated.ingress} of ${together.pods} for ingress, ${together.isolated.egress} for egress)`,
      );
    }
  }
  const internetFacing = internetFacingFromManifests(
    admission.objects,
    options.wholeCluster === true,
    options.services ?? true,
  );
  return {
    state,
    origin: { mode: 'manifests', paths },
    locations,
    policyLocations,
    workloads,
    warnings,
    internetFacing,
    ...(openWorld ? { openWorld } : {}),
  };
}

/** Manifests that hold nothing to check: the one-line reason (nothing checked is never a pass), else undefined. */
export function nothingToCheck(inventory: Inventory): string | undefined {
  if (inventory.origin.mode !== 'manifests' || inventory.state.namespaceCount > 0) return undefined;
  return 'nothing to check: the manifests hold no Namespace and no namespaced object';
}
