import { isEmptySelector, isObject, labelSelectorFrom, objectKey } from '../facts.ts';
import {
  lookupIn,
  matchSelector,
  namespaceLabels,
  selectorProblem,
  selectorText,
} from '../selectors/label-selector.ts';
import { type Json, NEVER, type PolicyReach, type Predicate, specOf, UNKNOWN } from './reader.ts';

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

const everything = (text: string) => text || '{} (every namespace)';

interface Subject {
  protects: Predicate;
  selects: string;
  unknownReason: string;
}

function subjectOf(spec: Json): Subject {
  const subject = spec.subject;
  // Required by the schema, and exactly one of the two: whatever else this is, it cannot be judged.
  if (!isObject(subject) || isObject(subject.namespaces) === isObject(subject.pods))
    return {
      protects: UNKNOWN,
      selects: 'no valid subject',
      unknownReason: 'subject must set exactly one of namespaces and pods',
    };
  if (isObject(subject.namespaces)) {
    const selector = labelSelectorFrom(subject.namespaces);
    const problem = selectorProblem(selector);
    return {
      protects: problem
        ? UNKNOWN
        : (ns) => matchSelector(selector, lookupIn(namespaceLabels(ns.name, ns.labels))),
      selects: `subject.namespaces: ${everything(selectorText(selector))}`,
      unknownReason: problem ? `subject.namespaces: ${problem}` : '',
    };
  }
  const pods = subject.pods as Json;
  const nsSelector = labelSelectorFrom(isObject(pods.namespaceSelector) ? pods.namespaceSelector : {});
  const podSelector = labelSelectorFrom(isObject(pods.podSelector) ? pods.podSelector : {});
  const problem = selectorProblem(nsSelector);
  // A podSelector that is not empty reaches only the pods whose labels match, in each selected namespace: which
  // namespaces hold such pods cannot be told from namespace labels.
  const narrowed = !isEmptySelector(podSelector);
  const selects = `subject.pods: namespaceSelector ${everything(selectorText(nsSelector))}, podSelector ${
    selectorText(podSelector) || '{} (every pod)'
  }`;
  return {
    protects: problem
      ? UNKNOWN
      : (ns) => {
          const selected = matchSelector(nsSelector, lookupIn(namespaceLabels(ns.name, ns.labels)));
          return selected === true && narrowed ? 'unknown' : selected;
        },
    selects,
    unknownReason: problem
      ? `subject.pods.namespaceSelector: ${problem}`
      : narrowed
        ? "subject.pods.podSelector picks pods by their labels, which a namespace's labels cannot tell"
        : '',
  };
}

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy: the subject, when a rule denies. */
export function networkPolicyApiReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  const subject = subjectOf(spec);
  if (!hasDenyRule(spec))
    return {
      namespace: '',
      name: key.name,
      protects: NEVER,
      selects: `${subject.selects} (no Deny rule: isolates nothing)`,
      unknownReason: '',
    };
  return { namespace: '', name: key.name, ...subject };
}
