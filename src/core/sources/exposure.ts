// What a policy of another source does to reachability (core/reachability.ts), read from its object once, when it
// arrives. The network-policy-api kinds are read in full: tier, priority, subject and rules, with peers judged by
// namespace labels. Calico and Cilium policies are not evaluated rule by rule: a reader says, per namespace and
// direction, whether the policy may narrow or widen what NetworkPolicies allow ('any'), only widen it ('widen', a
// Cilium rule that does not isolate), or leaves the namespace alone ('none').
import { isObject, type LabelSelector, labelSelectorFrom } from '../facts.ts';
import { matchSelector, type Tri } from '../selectors/label-selector.ts';
import type { Direction } from '../verdict.ts';
import { ciliumEndpointLookup, ciliumRules } from './cilium.ts';
import type { Json, PolicyReach, Predicate } from './reader.ts';

export type TierAction = 'allow' | 'deny' | 'pass' | 'unknown';

/** The peers of one tier rule. */
export interface TierPeers {
  /** `namespaces` peers, and `pods` peers whose podSelector is empty: every pod of the matching namespaces. */
  namespaces: LabelSelector[];
  /** The namespaceSelector of `pods` peers with a non-empty podSelector: some pods of the matching namespaces. */
  somePodsOf: LabelSelector[];
  /** `networks`, `nodes` or `domainNames` peers: addresses the rule names (which may include pod addresses). */
  addresses: boolean;
  /** `networks` holds both 0.0.0.0/0 and ::/0: every address. */
  allAddresses: boolean;
  /** A peer form the exporter does not evaluate (e.g. the early `sameLabels`): it may match anything. */
  unknown: boolean;
}

export interface TierRule {
  action: TierAction;
  peers: TierPeers;
}

export interface TierSubject {
  namespaces: LabelSelector;
  /** Undefined: every pod of the namespaces. */
  pods: LabelSelector | undefined;
}

/** An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy, as reachability walks it. */
export interface TierPolicy {
  kind: string;
  name: string;
  tier: 'admin' | 'baseline';
  /** Lower goes first; ties between policies that apply to one pod are undefined upstream. */
  priority: number;
  /** Undefined when the object's subject cannot be read: it may apply to any pod. */
  subject: TierSubject | undefined;
  ingress: TierRule[];
  egress: TierRule[];
}

export type OpaqueEffect = 'none' | 'widen' | 'any';

/** A Calico or Cilium policy: what it may do to each direction of a namespace. */
export interface OpaqueReach {
  effectOn(ns: Parameters<Predicate>[0]): Record<Direction, OpaqueEffect>;
}

export type SourceExposure = { tier: TierPolicy } | { opaque: OpaqueReach };

const NONE: Record<Direction, OpaqueEffect> = Object.freeze({ ingress: 'none', egress: 'none' });
const BOTH_ADDRESS_FAMILIES = ['0.0.0.0/0', '::/0'];

function tierAction(value: unknown): TierAction {
  switch (value) {
    case 'Allow':
    case 'Accept':
      return 'allow';
    case 'Deny':
      return 'deny';
    case 'Pass':
      return 'pass';
    default:
      return 'unknown';
  }
}

function isEmpty(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

const FAIL_CLOSED: TierPeers = {
  namespaces: [{ matchLabels: {}, matchExpressions: [] }],
  somePodsOf: [],
  addresses: true,
  allAddresses: true,
  unknown: false,
};

/**
 * One rule. A peer with none of the known fields means the CRD is newer than this reader; the API says to fail
 * closed: an allow rule then matches nothing, a deny or pass rule denies everything.
 */
function tierRule(rule: unknown, field: 'from' | 'to'): TierRule {
  if (!isObject(rule)) return { action: 'unknown', peers: { ...FAIL_CLOSED, unknown: true } };
  let action = tierAction(rule.action);
  const peers: TierPeers = {
    namespaces: [],
    somePodsOf: [],
    addresses: false,
    allAddresses: false,
    unknown: false,
  };
  const list = Array.isArray(rule[field]) ? (rule[field] as unknown[]) : [];
  let failClosed = list.length === 0;
  for (const peer of list) {
    if (!isObject(peer)) {
      failClosed = true;
      continue;
    }
    if (isObject(peer.namespaces)) {
      const ns = peer.namespaces;
      // The early v1alpha1 form: {namespaceSelector} or {sameLabels}/{notSameLabels} (judged against the subject's
      // own namespace, which this reader does not do).
      if ('sameLabels' in ns || 'notSameLabels' in ns) peers.unknown = true;
      else
        peers.namespaces.push(labelSelectorFrom(isObject(ns.namespaceSelector) ? ns.namespaceSelector : ns));
    } else if (isObject(peer.pods)) {
      const pods = peer.pods;
      // The early v1alpha1 form nests the namespace part: {namespaces: {namespaceSelector | sameLabels}, podSelector}.
      const early = isObject(pods.namespaces) ? pods.namespaces : undefined;
      const nsSelector = labelSelectorFrom(
        early ? early.namespaceSelector : isObject(pods.namespaceSelector) ? pods.namespaceSelector : {},
      );
      if (early && ('sameLabels' in early || 'notSameLabels' in early)) peers.unknown = true;
      else if (isEmpty(labelSelectorFrom(pods.podSelector))) peers.namespaces.push(nsSelector);
      else peers.somePodsOf.push(nsSelector);
    } else if (Array.isArray(peer.networks)) {
      peers.addresses = true;
      const cidrs = peer.networks.filter((c) => typeof c === 'string');
      if (BOTH_ADDRESS_FAMILIES.every((any) => cidrs.includes(any))) peers.allAddresses = true;
    } else if (isObject(peer.nodes) || Array.isArray(peer.domainNames)) peers.addresses = true;
    else failClosed = true;
  }
  if (failClosed && action !== 'allow') {
    action = action === 'unknown' ? 'unknown' : 'deny';
    return { action, peers: FAIL_CLOSED };
  }
  return { action, peers };
}

function tierSubject(spec: Json): TierSubject | undefined {
  const subject = spec.subject;
  if (!isObject(subject)) return undefined;
  if (isObject(subject.namespaces))
    return { namespaces: labelSelectorFrom(subject.namespaces), pods: undefined };
  if (isObject(subject.pods)) {
    const pods = labelSelectorFrom(subject.pods.podSelector);
    return {
      namespaces: labelSelectorFrom(
        isObject(subject.pods.namespaceSelector) ? subject.pods.namespaceSelector : {},
      ),
      pods: isEmpty(pods) ? undefined : pods,
    };
  }
  return undefined;
}

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2). */
export function tierPolicy(kind: string, obj: unknown): TierPolicy | undefined {
  if (!isObject(obj) || !isObject(obj.metadata) || typeof obj.metadata.name !== 'string') return undefined;
  const spec = isObject(obj.spec) ? obj.spec : {};
  const tier: TierPolicy['tier'] =
    kind === 'BaselineAdminNetworkPolicy' || (kind === 'ClusterNetworkPolicy' && spec.tier === 'Baseline')
      ? 'baseline'
      : 'admin';
  // The baseline singleton has no priority: it goes after any Baseline-tier ClusterNetworkPolicy.
  const priority =
    kind === 'BaselineAdminNetworkPolicy' ? 1001 : typeof spec.priority === 'number' ? spec.priority : 1000;
  const rules = (value: unknown, field: 'from' | 'to') =>
    Array.isArray(value) ? value.map((r) => tierRule(r, field)) : [];
  return {
    kind,
    name: obj.metadata.name,
    tier,
    priority,
    subject: tierSubject(spec),
    ingress: rules(spec.ingress, 'from'),
    egress: rules(spec.egress, 'to'),
  };
}

/**
 * Calico: an endpoint its selectors (may) select is isolated for the policy's types and gets what its rules say,
 * which this reader does not evaluate. Types default as Calico documents: Ingress unless there are only egress
 * rules, Egress when there are egress rules.
 */
export function calicoExposure(reach: PolicyReach, obj: unknown): OpaqueReach {
  const spec = isObject(obj) && isObject(obj.spec) ? obj.spec : {};
  const declared = Array.isArray(spec.types) ? spec.types.filter((t) => typeof t === 'string') : undefined;
  const hasIngress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
  const types = declared
    ? { ingress: declared.includes('Ingress'), egress: declared.includes('Egress') }
    : { ingress: hasIngress || !hasEgress, egress: hasEgress };
  // An unreadable `types` value is not trusted to spare a direction.
  if (declared && declared.length === 0) types.ingress = types.egress = true;
  const effect: Record<Direction, OpaqueEffect> = {
    ingress: types.ingress ? 'any' : 'none',
    egress: types.egress ? 'any' : 'none',
  };
  return { effectOn: (ns) => (reach.protects(ns) === false ? NONE : effect) };
}

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
export function ciliumExposure(namespaced: boolean, obj: unknown): OpaqueReach {
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
  return {
    effectOn: (ns) => {
      if (namespaced && ns.name !== own) return NONE;
      const out: Record<Direction, OpaqueEffect> = { ingress: 'none', egress: 'none' };
      const lookup = ciliumEndpointLookup(ns);
      for (const part of parts) {
        const selects: Tri = namespaced ? true : matchSelector(part.selector, lookup);
        if (selects === false) continue;
        for (const d of ['ingress', 'egress'] as const) out[d] = strongest(out[d], part.effect[d]);
      }
      return out;
    },
  };
}

/** Both directions' effects combined: the strongest wins ('any' over 'widen' over 'none'). */
export function strongest(a: OpaqueEffect, b: OpaqueEffect): OpaqueEffect {
  return a === 'any' || b === 'any' ? 'any' : a === 'widen' || b === 'widen' ? 'widen' : 'none';
}

/** A source row's exposure reader (core/sources/index.ts): what one of its objects does to reachability. */
export type ExposureReader = (obj: unknown, reach: PolicyReach, kind: string) => SourceExposure;

/** The network-policy-api kinds, read in full; an object whose rules cannot be read may do anything. */
export const tierExposure: ExposureReader = (obj, _reach, kind) => tierOrOpaque(kind, obj);
export const calicoExposureReader: ExposureReader = (obj, reach) => ({ opaque: calicoExposure(reach, obj) });
export const ciliumNamespacedExposure: ExposureReader = (obj) => ({ opaque: ciliumExposure(true, obj) });
export const ciliumClusterwideExposure: ExposureReader = (obj) => ({ opaque: ciliumExposure(false, obj) });

const ANY_EVERYWHERE: OpaqueReach = { effectOn: () => ({ ingress: 'any', egress: 'any' }) };

function tierOrOpaque(kind: string, obj: unknown): SourceExposure {
  const policy = tierPolicy(kind, obj);
  return policy ? { tier: policy } : { opaque: ANY_EVERYWHERE };
}
