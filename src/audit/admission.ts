// What the API server does to a manifest before anything can see it, done offline: the namespace an object lands in
// (as `kubectl apply` chooses it), the defaulting a verdict depends on, and the refusals that leave an object out of
// the cluster altogether. The live path reads objects after all of this; the manifests path must read them the
// same way, and say (one line each, with file:line) what a cluster would change or refuse.
import { isObject, NAMESPACE_NAME_LABEL } from '../core/facts.ts';
import { groupOf, isBuildConfig, type Scope, scopeOf } from './api-scope.ts';
import type { ManifestObject } from './manifests.ts';

export interface AdmittedObject {
  /** The object as the cluster would store it: namespace set (or removed when cluster-scoped), labels defaulted. */
  object: Record<string, unknown>;
  location: string;
  apiVersion: string;
  kind: string;
  name: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  scope: Scope | undefined;
}

export interface Admission {
  /** What a cluster would hold after `kubectl apply` of every object, in input order (a later duplicate wins). */
  objects: AdmittedObject[];
  /** Namespaces that objects name but that the cluster would not get them into (refused ones): still to check. */
  refusedIn: Map<string, string>;
  warnings: string[];
}

export interface AdmissionOptions {
  /** kubectl's `--namespace`: where namespaced objects without one land; '' means `default`. */
  namespace?: string;
}

const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RFC1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The only versions a current cluster serves for the kinds whose content the audit reads. */
const SERVED: Record<string, { groups: readonly string[]; served: string }> = {
  NetworkPolicy: { groups: ['networking.k8s.io', 'extensions'], served: 'networking.k8s.io/v1' },
  Deployment: { groups: ['apps', 'extensions'], served: 'apps/v1' },
  StatefulSet: { groups: ['apps'], served: 'apps/v1' },
  DaemonSet: { groups: ['apps', 'extensions'], served: 'apps/v1' },
  ReplicaSet: { groups: ['apps', 'extensions'], served: 'apps/v1' },
  Job: { groups: ['batch'], served: 'batch/v1' },
  CronJob: { groups: ['batch'], served: 'batch/v1' },
  Namespace: { groups: [''], served: 'v1' },
  Pod: { groups: [''], served: 'v1' },
  ReplicationController: { groups: [''], served: 'v1' },
};

const POLICY_TYPES = ['Ingress', 'Egress'];

/** Values from a manifest can hold anything: a warning stays one line. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** `kind ns/name` or `kind name`, as the warnings name an object. */
export function describeObject(kind: string, namespace: string, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name || '(no name)'}`;
}

/** The identity kubectl apply uses: one API group spelt two ways (Calico's) is one resource. */
function identity(apiVersion: string, kind: string, namespace: string, name: string): string {
  const group = groupOf(apiVersion).replace(/^projectcalico\.org$/, 'crd.projectcalico.org');
  return `${group}\u0000${kind}\u0000${namespace}\u0000${name}`;
}

/** Why the cluster refuses the object (the API server's own words where it has them), or undefined. */
export function refusal(
  apiVersion: string,
  kind: string,
  name: string,
  object: Record<string, unknown>,
): string | undefined {
  const served = SERVED[kind];
  if (served?.groups.includes(groupOf(apiVersion)) && apiVersion !== served.served)
    return `${apiVersion} is not served (${kind} is ${served.served})`;
  if (name === '') return 'metadata.name is required';
  if (apiVersion === 'v1' && kind === 'Namespace' && !RFC1123_LABEL.test(name))
    return `metadata.name: Invalid value: "${name}": a namespace name must be a lowercase RFC 1123 label`;
  if (apiVersion === 'networking.k8s.io/v1' && kind === 'NetworkPolicy') {
    if (!RFC1123_SUBDOMAIN.test(name) || name.length > 253)
      return `metadata.name: Invalid value: "${name}": must be a lowercase RFC 1123 subdomain`;
    return policyTypesRefusal(isObject(object.spec) ? object.spec : {});
  }
  if (
    kind === 'BaselineAdminNetworkPolicy' &&
    groupOf(apiVersion) === 'policy.networking.k8s.io' &&
    name !== 'default'
  )
    return 'Only one baseline admin network policy with metadata.name="default" can be created in the cluster';
  return undefined;
}

/** As ValidateNetworkPolicySpec words it: at most two policyTypes, each Ingress or Egress. */
function policyTypesRefusal(spec: Record<string, unknown>): string | undefined {
  const types = spec.policyTypes;
  if (types === undefined || types === null) return undefined;
  if (!Array.isArray(types)) return 'spec.policyTypes: Invalid value: must be a list of Ingress and Egress';
  if (types.length > POLICY_TYPES.length)
    return `spec.policyTypes: Invalid value: ${JSON.stringify(types)}: may not specify more than two policyTypes`;
  const bad = types.findIndex((t) => typeof t !== 'string' || !POLICY_TYPES.includes(t));
  if (bad === -1) return undefined;
  return `spec.policyTypes[${bad}]: Unsupported value: ${JSON.stringify(types[bad])}: supported values: "Ingress", "Egress"`;
}

/**
 * Every object as a cluster would hold it after `kubectl apply [-n NAMESPACE]` of the whole input, in order.
 * Objects that are not Kubernetes objects at all (no apiVersion or kind) and kustomize's own files are skipped.
 */
export function admit(input: ManifestObject[], options: AdmissionOptions = {}): Admission {
  const defaultNamespace = options.namespace || 'default';
  const warnings: string[] = [];
  const objects: AdmittedObject[] = [];
  const refusedIn = new Map<string, string>();
  const byIdentity = new Map<string, number>();
  const defaulted: { count: number; first: string } = { count: 0, first: '' };
  const buildConfigs: { count: number; first: string } = { count: 0, first: '' };

  for (const { object, location } of input) {
    const { apiVersion, kind } = object;
    const metadata = isObject(object.metadata) ? object.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
      const missing = [
        ...(typeof apiVersion === 'string' && apiVersion ? [] : ['apiVersion']),
        ...(typeof kind === 'string' && kind ? [] : ['kind']),
      ].join(' and ');
      warnings.push(
        `${location}: ${name ? `object ${name}` : 'an object'} has no ${missing}; kubectl refuses it, so it is ` +
          'not counted',
      );
      continue;
    }
    if (isBuildConfig(apiVersion, kind)) {
      buildConfigs.count++;
      buildConfigs.first ||= location;
      continue;
    }
    const given = typeof metadata.namespace === 'string' ? metadata.namespace : '';
    const scope = scopeOf(apiVersion, kind);

    let namespace = '';
    if (scope === 'namespaced') {
      namespace = given || defaultNamespace;
      if (!given && !options.namespace) {
        defaulted.count++;
        defaulted.first ||= location;
      }
    } else if (scope === undefined) {
      if (!given) {
        warnings.push(
          `${location}: ${describeObject(kind, '', name)} (${apiVersion}) has no metadata.namespace and is not a kind ` +
            'known to be namespaced or cluster-scoped; not counted (give it a metadata.namespace if it is namespaced)',
        );
        continue;
      }
      namespace = given; // a kind unknown here that names a namespace is namespaced
    }
    const what = describeObject(kind, namespace, name);

    if (namespace && options.namespace && given && given !== options.namespace) {
      warnings.push(
        `${location}: ${what}: its namespace differs from --namespace ${options.namespace}; kubectl apply -n ` +
          `${options.namespace} refuses it, so it protects nothing`,
      );
      if (!refusedIn.has(namespace)) refusedIn.set(namespace, location);
      continue;
    }
    if (namespace && !RFC1123_LABEL.test(namespace)) {
      warnings.push(
        `${location}: ${what}: metadata.namespace is not a valid namespace name; a cluster refuses it`,
      );
      continue;
    }
    const refused = refusal(apiVersion, kind, name, object);
    if (refused) {
      warnings.push(`${location}: ${what}: ${refused}; a cluster refuses it, so it protects nothing`);
      if (namespace && !refusedIn.has(namespace)) refusedIn.set(namespace, location);
      continue;
    }

    const admitted: AdmittedObject = {
      object: defaults(object, metadata, kind, apiVersion, name, namespace, location, warnings),
      location,
      apiVersion,
      kind,
      name,
      namespace,
      scope,
    };
    const key = identity(apiVersion, kind, namespace, name);
    const earlier = byIdentity.get(key);
    const previous = earlier === undefined ? undefined : objects[earlier];
    if (earlier !== undefined && previous) {
      warnings.push(
        `${location}: ${what} is also defined at ${previous.location}; the later one wins, as kubectl apply ` +
          `would make it (the one at ${previous.location} protects nothing)`,
      );
      objects[earlier] = admitted;
    } else {
      byIdentity.set(key, objects.length);
      objects.push(admitted);
    }
  }
  if (defaulted.count > 0)
    warnings.push(
      `${defaulted.first}: ${defaulted.count} namespaced object${defaulted.count === 1 ? ' has' : 's have'} no ` +
        'metadata.namespace (this one first); counted in "default", where kubectl apply puts them ' +
        '(--namespace chooses another)',
    );
  if (buildConfigs.count > 0)
    warnings.push(
      `${buildConfigs.first}: ${buildConfigs.count} kustomize file${buildConfigs.count === 1 ? '' : 's'} (this ` +
        'one first): build configuration, not applied; not counted (render with `kubectl kustomize` and audit the ' +
        'output, or the namespace an overlay sets is missed)',
    );
  return { objects, refusedIn, warnings: warnings.map(oneLine) };
}

/** The object with what the API server fills in: its namespace, and the Namespace name label. */
function defaults(
  object: Record<string, unknown>,
  metadata: Record<string, unknown>,
  kind: string,
  apiVersion: string,
  name: string,
  namespace: string,
  location: string,
  warnings: string[],
): Record<string, unknown> {
  // Most objects already say what the server would: kept as they are (at 24,000 namespaces, two copies fewer of
  // each of 120,000 objects while the inventory is built).
  const isNamespace = apiVersion === 'v1' && kind === 'Namespace';
  if (!isNamespace && metadata.namespace === (namespace || undefined) && object.metadata === metadata)
    return object;
  const { namespace: _dropped, ...rest } = metadata;
  const meta: Record<string, unknown> = namespace ? { ...rest, namespace } : rest;
  if (isNamespace) {
    const labels = isObject(meta.labels) ? meta.labels : {};
    const written = labels[NAMESPACE_NAME_LABEL];
    if (written !== undefined && written !== name)
      warnings.push(
        `${location}: Namespace ${name}: label ${NAMESPACE_NAME_LABEL} is ${JSON.stringify(written)} here, but ` +
          `the API server always sets it to ${JSON.stringify(name)}; selectors see ${JSON.stringify(name)}`,
      );
    meta.labels = { ...labels, [NAMESPACE_NAME_LABEL]: name };
  }
  return { ...object, metadata: meta };
}
