// What the readers of a policy source make of one object, the vocabulary every source file here and the exposure
// wing share (so neither imports the other's code):
// - coverage: its identity and which namespaces it protects, as a predicate over a namespace's name and labels
//   (true, false or 'unknown'), what it selects in words, and why an answer can be 'unknown';
// - exposure: what it does to reachability (core/exposure/reachability.ts), read once, when it arrives. The
//   network-policy-api kinds are read in full (tier, priority, subject, rules, peers judged by namespace labels).
//   Calico and Cilium policies are not evaluated rule by rule: a reader says, per namespace and direction, whether
//   the policy may narrow or widen what NetworkPolicies allow ('any'), only widen it ('widen', a Cilium rule that
//   does not isolate), or leaves the namespace alone ('none').
import type { Direction } from '../direction.ts';
import { isObject, type LabelSelector, type NamespaceFacts } from '../facts.ts';
import type { Tri } from '../selectors/label-selector.ts';

export type Json = Record<string, unknown>;
export type Predicate = (ns: Pick<NamespaceFacts, 'name' | 'labels'>) => Tri;

export interface PolicyReach {
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** Whether the policy protects the namespace; namespaced kinds answer false for every other namespace. */
  protects: Predicate;
  /** What it selects, in the kind's own terms (`namespaceSelector: env == 'prod'`), for people to read. */
  selects: string;
  /**
   * Why `protects` can answer 'unknown': the fields the reader does not evaluate, or the labels it cannot know.
   * Empty when every answer is certain.
   */
  unknownReason: string;
}

export const NEVER: Predicate = () => false;
export const UNKNOWN: Predicate = () => 'unknown';

export function specOf(obj: unknown): Json {
  return isObject(obj) && isObject(obj.spec) ? obj.spec : {};
}

export type TierAction = 'allow' | 'deny' | 'pass' | 'unknown';

/** The peers of one tier rule. */
export interface TierPeers {
  /** `namespaces` peers, and `pods` peers whose podSelector is empty: every pod of the matching namespaces. */
  namespaces: LabelSelector[];
  /** `pods` peers with a podSelector: the pods it matches in the namespaces the namespaceSelector matches. */
  pods: { namespaces: LabelSelector; pods: LabelSelector }[];
  /** The CIDRs of `networks` peers, as written (which may include pod addresses). */
  networks: string[];
  /** A `nodes` peer (node addresses) or `domainNames` peer (addresses the names resolve to). */
  nodes: boolean;
  domainNames: boolean;
  /** Some peer names addresses outside the pod network: `networks`, `nodes` or `domainNames`. */
  addresses: boolean;
  /** `networks` holds both 0.0.0.0/0 and ::/0: every address. */
  allAddresses: boolean;
  /** A peer form the exporter does not evaluate (e.g. the early `sameLabels`): it may match anything. */
  unknown: boolean;
}

/** Ports a rule is narrowed to: a protocol's inclusive range, or a port named by the pod's containers. */
export type TierPort = { protocol: 'TCP' | 'UDP' | 'SCTP'; start: number; end: number } | { named: string };

export interface TierRule {
  action: TierAction;
  peers: TierPeers;
  /** Undefined: every port. A port the reader cannot read is kept as a named port (which port is unknown). */
  ports?: TierPort[];
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
  /**
   * What it does to one pod of the namespace, when its selectors can tell pods apart: `labels` undefined stands for
   * a pod that no selector picking pods by label picks (such pods may exist while the pods are not known).
   */
  effectOnPod?(
    ns: Parameters<Predicate>[0],
    labels: Record<string, string> | undefined,
  ): Record<Direction, OpaqueEffect>;
}

export type SourceExposure = { tier: TierPolicy } | { opaque: OpaqueReach };

/** A source row's exposure reader (core/sources/index.ts): what one of its objects does to reachability. */
export type ExposureReader = (obj: unknown, reach: PolicyReach, kind: string) => SourceExposure;

/** Leaves both directions of the namespace alone. */
export const NO_EFFECT: Record<Direction, OpaqueEffect> = Object.freeze({ ingress: 'none', egress: 'none' });

/** Both directions' effects combined: the strongest wins ('any' over 'widen' over 'none'). */
export function strongest(a: OpaqueEffect, b: OpaqueEffect): OpaqueEffect {
  return a === 'any' || b === 'any' ? 'any' : a === 'widen' || b === 'widen' ? 'widen' : 'none';
}
