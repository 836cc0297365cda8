// Policies that protect a namespace from outside the networking.k8s.io NetworkPolicy API: the upstream
// network-policy-api kinds and the Calico and Cilium CRDs. Each object becomes slim facts: its source, identity,
// and which namespaces it protects, as a predicate over a namespace's name and labels (true, false or 'unknown').
// What "protects" means per kind is documented in README ("Policies from other sources") and in each reader below.

import { type CalicoExpr, evaluateCalico, parseCalicoSelector } from './calico-selector.ts';
import { isObject, labelSelectorFrom, type NamespaceFacts, objectKey } from './facts.ts';
import {
  andAll,
  type LabelLookup,
  lookupIn,
  matchSelector,
  namespaceLabels,
  orAny,
  type Tri,
  UNKNOWN_LABEL,
} from './label-selector.ts';

/** Every source of protection, as the `source` label spells it. `networkpolicy` is networking.k8s.io/v1. */
export const SOURCES = [
  'networkpolicy',
  'adminnetworkpolicy',
  'baselineadminnetworkpolicy',
  'clusternetworkpolicy',
  'calico_globalnetworkpolicy',
  'calico_networkpolicy',
  'cilium_networkpolicy',
  'cilium_clusterwidenetworkpolicy',
] as const;
export type Source = (typeof SOURCES)[number];
/** The sources read from other kinds than NetworkPolicy (each one an optional, discovered watch). */
export type ExtraSource = Exclude<Source, 'networkpolicy'>;

export function isSource(value: string): value is Source {
  return (SOURCES as readonly string[]).includes(value);
}

export interface SourcePolicyFacts {
  source: ExtraSource;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** Whether the policy protects the namespace; namespaced kinds answer false for every other namespace. */
  protects: (ns: Pick<NamespaceFacts, 'name' | 'labels'>) => Tri;
}

type Json = Record<string, unknown>;
type Predicate = SourcePolicyFacts['protects'];

const NEVER: Predicate = () => false;
const UNKNOWN: Predicate = () => 'unknown';

function specOf(obj: unknown): Json {
  return isObject(obj) && isObject(obj.spec) ? obj.spec : {};
}

// ---- policy.networking.k8s.io: AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy
// (v1alpha2). https://network-policy-api.sigs.k8s.io/reference/spec/ : `subject` is exactly one of
// `namespaces` (a label selector over namespaces) or `pods` ({namespaceSelector, podSelector}).

/** True when some rule denies traffic: Allow (Accept) and Pass rules alone never isolate anything. */
function hasDenyRule(spec: Json): boolean {
  for (const direction of ['ingress', 'egress']) {
    const rules = spec[direction];
    if (Array.isArray(rules) && rules.some((r) => isObject(r) && r.action === 'Deny')) return true;
  }
  return false;
}

function subjectPredicate(spec: Json): Predicate {
  const subject = spec.subject;
  if (!isObject(subject)) return UNKNOWN; // required by the schema: whatever this is, we cannot judge it
  let selectorValue: unknown;
  if (isObject(subject.namespaces)) selectorValue = subject.namespaces;
  else if (isObject(subject.pods)) {
    // A pods subject protects the pods its podSelector picks in the selected namespaces: like a NetworkPolicy that
    // selects some pods, it counts for the namespace (pod-level figures come from --pod-isolation).
    selectorValue = isObject(subject.pods.namespaceSelector) ? subject.pods.namespaceSelector : {};
  } else return UNKNOWN;
  const selector = labelSelectorFrom(selectorValue);
  return (ns) => matchSelector(selector, lookupIn(namespaceLabels(ns.name, ns.labels)));
}

function networkPolicyApiFacts(
  source: 'adminnetworkpolicy' | 'baselineadminnetworkpolicy' | 'clusternetworkpolicy',
  obj: unknown,
): SourcePolicyFacts | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  return {
    source,
    namespace: '',
    name: key.name,
    protects: hasDenyRule(spec) ? subjectPredicate(spec) : NEVER,
  };
}

// ---- Calico, crd.projectcalico.org/v1. https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy
// and .../networkpolicy. Any Calico policy that selects an endpoint puts it into default deny for the policy's
// types (traffic no policy allows is dropped at the end of the tier), so selecting is protecting.

/**
 * Endpoint labels of "some pod in this namespace" as Calico sees them: projectcalico.org/namespace, the
 * orchestrator, and the namespace's labels under `pcns.`. Any other key is a pod label: unknown.
 */
function calicoEndpointLookup(ns: Pick<NamespaceFacts, 'name' | 'labels'>): LabelLookup {
  return (key) => {
    if (key === 'projectcalico.org/namespace') return ns.name;
    if (key === 'projectcalico.org/orchestrator') return 'k8s';
    if (key.startsWith('pcns.')) {
      const labels = namespaceLabels(ns.name, ns.labels);
      const nsKey = key.slice('pcns.'.length);
      return Object.hasOwn(labels, nsKey) ? labels[nsKey] : undefined;
    }
    return UNKNOWN_LABEL;
  };
}

/** Namespace labels for `namespaceSelector`: Calico adds projectcalico.org/name with the namespace's name. */
function calicoNamespaceLookup(ns: Pick<NamespaceFacts, 'name' | 'labels'>): LabelLookup {
  return lookupIn({ ...namespaceLabels(ns.name, ns.labels), 'projectcalico.org/name': ns.name });
}

function calicoField(spec: Json, field: string): CalicoExpr | undefined | 'error' {
  const text = spec[field];
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') return 'error';
  const parsed = parseCalicoSelector(text);
  return 'expr' in parsed ? parsed.expr : 'error';
}

function calicoGlobalFacts(obj: unknown): SourcePolicyFacts | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  const selector = calicoField(spec, 'selector');
  const namespaceSelector = calicoField(spec, 'namespaceSelector');
  if (selector === 'error' || namespaceSelector === 'error')
    return { source: 'calico_globalnetworkpolicy', namespace: '', name: key.name, protects: UNKNOWN };
  return {
    source: 'calico_globalnetworkpolicy',
    namespace: '',
    name: key.name,
    protects: (ns) =>
      andAll([
        namespaceSelector ? evaluateCalico(namespaceSelector, calicoNamespaceLookup(ns)) : true,
        selector ? evaluateCalico(selector, calicoEndpointLookup(ns)) : true,
      ]),
  };
}

function calicoNamespacedFacts(obj: unknown): SourcePolicyFacts | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  // Like a NetworkPolicy, it counts for its namespace whatever pods its selector picks ("has a policy"); a selector
  // that does not even parse is unknown.
  const selector = calicoField(specOf(obj), 'selector');
  const own = key.namespace;
  return {
    source: 'calico_networkpolicy',
    namespace: own,
    name: key.name,
    protects: (ns) => (ns.name !== own ? false : selector === 'error' ? 'unknown' : true),
  };
}

// ---- Cilium, cilium.io/v2. https://docs.cilium.io/en/stable/security/policy/ : a policy has `spec` and/or
// `specs` (a list of rules). A rule with `endpointSelector` selects pods (one with `nodeSelector` selects nodes,
// not pods). It isolates a direction when `enableDefaultDeny.<direction>` is true, or unset and the rule has a
// section for that direction (ingress/ingressDeny, egress/egressDeny); `enableDefaultDeny: {ingress: false,
// egress: false}` never isolates.

const CILIUM_NAMESPACE_KEYS = ['io.kubernetes.pod.namespace', 'k8s:io.kubernetes.pod.namespace'];
const CILIUM_NAMESPACE_LABELS = 'io.cilium.k8s.namespace.labels.';

/** Cilium endpoint labels of "some pod in this namespace"; other keys are pod labels (unknown). */
function ciliumEndpointLookup(ns: Pick<NamespaceFacts, 'name' | 'labels'>): LabelLookup {
  const labels = namespaceLabels(ns.name, ns.labels);
  return (rawKey) => {
    if (CILIUM_NAMESPACE_KEYS.includes(rawKey)) return ns.name;
    const key = rawKey.replace(/^(k8s|any):/, '');
    if (key.startsWith(CILIUM_NAMESPACE_LABELS)) {
      const nsKey = key.slice(CILIUM_NAMESPACE_LABELS.length);
      return Object.hasOwn(labels, nsKey) ? labels[nsKey] : undefined;
    }
    if (key === 'io.kubernetes.pod.namespace') return ns.name;
    // Reserved identities (host, health, world, ...) are never pods: a pod does not carry these labels.
    if (rawKey.startsWith('reserved:')) return undefined;
    return UNKNOWN_LABEL;
  };
}

const KNOWN_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function ciliumRules(spec: unknown, specs: unknown): Json[] {
  const rules: Json[] = [];
  if (isObject(spec)) rules.push(spec);
  if (Array.isArray(specs)) for (const s of specs) if (isObject(s)) rules.push(s);
  return rules;
}

function isolates(rule: Json): boolean {
  const deny = isObject(rule.enableDefaultDeny) ? rule.enableDefaultDeny : {};
  const section = (a: string, b: string) => Array.isArray(rule[a]) || Array.isArray(rule[b]);
  const ingress = typeof deny.ingress === 'boolean' ? deny.ingress : section('ingress', 'ingressDeny');
  const egress = typeof deny.egress === 'boolean' ? deny.egress : section('egress', 'egressDeny');
  return ingress || egress;
}

function ciliumFacts(
  source: 'cilium_networkpolicy' | 'cilium_clusterwidenetworkpolicy',
  obj: unknown,
): SourcePolicyFacts | undefined {
  const key = objectKey(obj);
  if (!key || !isObject(obj)) return undefined;
  const own = source === 'cilium_networkpolicy' ? key.namespace : '';
  const selectors = ciliumRules(obj.spec, obj.specs)
    .filter((rule) => isObject(rule.endpointSelector) && isolates(rule))
    .map((rule) => labelSelectorFrom(rule.endpointSelector));
  const malformed = selectors.some((s) =>
    s.matchExpressions.some((e) => !KNOWN_OPERATORS.includes(e.operator)),
  );
  return {
    source,
    namespace: own,
    name: key.name,
    protects: (ns) => {
      // A namespaced policy only ever selects pods of its own namespace (Cilium adds that label to its selector).
      if (own !== '' && ns.name !== own) return false;
      if (malformed) return 'unknown';
      const lookup = ciliumEndpointLookup(ns);
      const result = orAny(selectors.map((s) => matchSelector(s, lookup)));
      // In its own namespace, a rule that picks pods by their labels counts like a NetworkPolicy that does: the
      // namespace "has a policy". Cluster-wide, the same rule may or may not reach this namespace: unknown.
      return own !== '' && result === 'unknown' ? true : result;
    },
  };
}

/** Facts from an object of the source's kind; undefined when it has no name. */
export function sourcePolicyFacts(source: ExtraSource, obj: unknown): SourcePolicyFacts | undefined {
  switch (source) {
    case 'adminnetworkpolicy':
    case 'baselineadminnetworkpolicy':
    case 'clusternetworkpolicy':
      return networkPolicyApiFacts(source, obj);
    case 'calico_globalnetworkpolicy':
      return calicoGlobalFacts(obj);
    case 'calico_networkpolicy':
      return calicoNamespacedFacts(obj);
    case 'cilium_networkpolicy':
    case 'cilium_clusterwidenetworkpolicy':
      return ciliumFacts(source, obj);
  }
}
