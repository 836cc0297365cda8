import { isObject, labelSelectorFrom, objectKey } from '../facts.ts';
import { lookupIn, matchSelector, namespaceLabels } from '../label-selector.ts';
import { type Json, NEVER, type PolicyReach, type Predicate, specOf, UNKNOWN } from './reach.ts';

// policy.networking.k8s.io: AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy
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

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy: the subject, when a rule denies. */
export function networkPolicyApiReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  return {
    namespace: '',
    name: key.name,
    protects: hasDenyRule(spec) ? subjectPredicate(spec) : NEVER,
  };
}
