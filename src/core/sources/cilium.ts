import type { Direction } from '../direction.ts';
import { isObject, type LabelSelector, labelSelectorFrom, type NamespaceFacts, objectKey } from '../facts.ts';
import {
  type LabelLookup,
  matchSelector,
  namespaceLabels,
  orAny,
  selectorProblem,
  selectorText,
  type Tri,
  UNKNOWN_LABEL,
} from '../selectors/label-selector.ts';
import {
  type ExposureReader,
  type Json,
  NO_EFFECT,
  type OpaqueEffect,
  type OpaqueReach,
  type PolicyReach,
  strongest,
} from './reader.ts';

// Cilium, cilium.io/v2. https://docs.cilium.io/en/stable/security/policy/ : a policy has `spec` and/or
// `specs` (a list of rules). A rule with `endpointSelector` selects pods; one with `nodeSelector` selects nodes
// (a host policy), never pods, so it protects no namespace; a rule with both is refused by Cilium. A rule isolates
// a direction when `enableDefaultDeny.<direction>` is true, or unset and the rule has a section for that direction
// (ingress/ingressDeny, egress/egressDeny); `enableDefaultDeny: {ingress: false, egress: false}` never isolates.

const CILIUM_NAMESPACE_KEYS = ['io.kubernetes.pod.namespace', 'k8s:io.kubernetes.pod.namespace'];
const CILIUM_NAMESPACE_LABELS = 'io.cilium.k8s.namespace.labels.';

/**
 * Cilium endpoint labels of "some pod in this namespace"; other keys are pod labels: those of `pod` when given
 * (Kubernetes labels, `k8s:` or no source prefix), else unknown.
 */
function ciliumEndpointLookup(
  ns: Pick<NamespaceFacts, 'name' | 'labels'>,
  pod?: Record<string, string>,
): LabelLookup {
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
    if (pod && !key.includes(':')) return Object.hasOwn(pod, key) ? pod[key] : undefined;
    return UNKNOWN_LABEL;
  };
}

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

function podLabelKeys(selector: LabelSelector): string[] {
  const keys = [...Object.keys(selector.matchLabels), ...selector.matchExpressions.map((e) => e.key)];
  const probe = ciliumEndpointLookup({ name: '', labels: {} });
  return keys.filter((k) => probe(k) === UNKNOWN_LABEL);
}

/** The pods its rules' endpointSelectors pick; a namespaced policy never reaches past its own namespace. */
function ciliumReach(namespaced: boolean, obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key || !isObject(obj)) return undefined;
  const own = namespaced ? key.namespace : '';
  const rules = ciliumRules(obj.spec, obj.specs).filter(isolates);
  const problems: string[] = [];
  if (rules.some((rule) => isObject(rule.endpointSelector) && isObject(rule.nodeSelector)))
    problems.push('a rule sets both endpointSelector and nodeSelector (Cilium refuses it)');
  const selectors = rules
    .filter((rule) => isObject(rule.endpointSelector))
    .map((rule) => labelSelectorFrom(rule.endpointSelector));
  for (const s of selectors) {
    const problem = selectorProblem(s);
    if (problem) problems.push(`endpointSelector: ${problem}`);
  }
  const podKeys = [...new Set(selectors.flatMap(podLabelKeys))];
  const hosts = rules.filter((rule) => isObject(rule.nodeSelector)).length;
  const selects =
    [
      ...selectors.map((s) => `endpointSelector: ${selectorText(s) || '{} (every endpoint)'}`),
      ...(hosts > 0 ? [`nodeSelector in ${hosts} rule(s): nodes, not pods`] : []),
    ].join('; ') || 'no isolating rule';
  const unknownReason =
    problems.length > 0
      ? problems.join('; ')
      : own === '' && podKeys.length > 0
        ? `endpointSelector uses pod labels (${podKeys.join(', ')}), which a namespace's labels cannot tell`
        : '';
  return {
    namespace: own,
    name: key.name,
    protects: (ns) => {
      // A namespaced policy only ever selects pods of its own namespace (Cilium adds that label to its selector).
      if (own !== '' && ns.name !== own) return false;
      if (problems.length > 0) return 'unknown';
      const lookup = ciliumEndpointLookup(ns);
      const result = orAny(selectors.map((s) => matchSelector(s, lookup)));
      // In its own namespace, a rule that picks pods by their labels counts like a NetworkPolicy that does: the
      // namespace "has a policy". Cluster-wide, the same rule may or may not reach this namespace: unknown.
      return own !== '' && result === 'unknown' ? true : result;
    },
    selects,
    unknownReason,
  };
}

export const ciliumNamespacedReach = (obj: unknown) => ciliumReach(true, obj);
export const ciliumClusterwideReach = (obj: unknown) => ciliumReach(false, obj);

/** What one Cilium rule may do to a direction: isolate or deny ('any'), only allow more ('widen'), or nothing. */
function ciliumRuleEffect(rule: Json, direction: Direction): OpaqueEffect {
  const deny = isObject(rule.enableDefaultDeny) ? rule.enableDefaultDeny : {};
  const allows = Array.isArray(rule[direction]);
  const denies = Array.isArray(rule[`${direction}Deny`]);
  const isolates = typeof deny[direction] === 'boolean' ? deny[direction] === true : allows || denies;
  if (isolates || denies) return 'any';
  return allows ? 'widen' : 'none';
}

/** Cilium: each rule with an endpointSelector, judged for the namespace as the coverage reader judges it. */
function ciliumExposure(namespaced: boolean, obj: unknown): OpaqueReach {
  const own =
    namespaced && isObject(obj) && isObject(obj.metadata) ? String(obj.metadata.namespace ?? '') : '';
  const rules = isObject(obj) ? ciliumRules(obj.spec, obj.specs) : [];
  const parts = rules
    .filter((rule) => isObject(rule.endpointSelector))
    .map((rule) => ({
      selector: labelSelectorFrom(rule.endpointSelector),
      effect: { ingress: ciliumRuleEffect(rule, 'ingress'), egress: ciliumRuleEffect(rule, 'egress') },
    }))
    .filter((p) => p.effect.ingress !== 'none' || p.effect.egress !== 'none');
  const effectOf = (selects: (selector: LabelSelector) => Tri) => {
    const out: Record<Direction, OpaqueEffect> = { ingress: 'none', egress: 'none' };
    for (const part of parts) {
      if (selects(part.selector) === false) continue;
      for (const d of ['ingress', 'egress'] as const) out[d] = strongest(out[d], part.effect[d]);
    }
    return out;
  };
  return {
    effectOn: (ns) => {
      if (namespaced && ns.name !== own) return NO_EFFECT;
      const lookup = ciliumEndpointLookup(ns);
      return effectOf((selector) => (namespaced ? true : matchSelector(selector, lookup)));
    },
    // Pods that no rule selects keep what the NetworkPolicies give them: Cilium leaves them alone.
    effectOnPod: (ns, labels) => {
      if (namespaced && ns.name !== own) return NO_EFFECT;
      const lookup = ciliumEndpointLookup(ns, labels);
      return effectOf((selector) =>
        labels === undefined && podLabelKeys(selector).length > 0 ? false : matchSelector(selector, lookup),
      );
    },
  };
}

export const ciliumNamespacedExposure: ExposureReader = (obj) => ({ opaque: ciliumExposure(true, obj) });
export const ciliumClusterwideExposure: ExposureReader = (obj) => ({ opaque: ciliumExposure(false, obj) });
