// What reachability answers (docs/exposure.md): per direction, for each of five classes of peers, whether at least
// one pod of the namespace can be reached from (ingress) or reach (egress) a peer of the class, and what opens it.
// The vocabulary the metrics, the status page, the audit's formats and the dashboard read.
import type { Tri } from '../selectors/label-selector.ts';

export type PeerClass = 'same_namespace' | 'other_namespaces' | 'all_namespaces' | 'ip_blocks' | 'anywhere';
/** Exposition order. */
export const PEER_CLASSES: readonly PeerClass[] = [
  'same_namespace',
  'other_namespaces',
  'all_namespaces',
  'ip_blocks',
  'anywhere',
];
/** Widest first: the order "reachable from" reads in (the status page and the dashboard's widest class). */
export const WIDEST_FIRST: readonly PeerClass[] = [
  'anywhere',
  'all_namespaces',
  'ip_blocks',
  'other_namespaces',
  'same_namespace',
];

/** What opens a class when some pods of the namespace are isolated by no policy for the direction. */
export const UNISOLATED = '(pods no policy isolates)';

export interface DirectionReachability {
  /** Per class: at least one pod reachable (true), none (false), or 'unknown'. */
  classes: Record<PeerClass, Tri>;
  /** A default deny for the direction beside an allow-all policy (empty podSelector, a rule admitting every class). */
  denyUndone: boolean;
  /** For each reachable class, what opens it: `NetworkPolicy/<name>`, `AdminNetworkPolicy/<name>`, ..., UNISOLATED. */
  openedBy: Record<PeerClass, readonly string[]>;
}

export interface NamespaceReachability {
  name: string;
  ingress: DirectionReachability;
  egress: DirectionReachability;
}

/** Reported as reachable: only what is known to be. */
export const isReachable = (r: DirectionReachability, peer: PeerClass): boolean => r.classes[peer] === true;
/** Some class could not be judged: the reachable figures are a lower bound. */
export const isUnknown = (r: DirectionReachability): boolean =>
  PEER_CLASSES.some((c) => r.classes[c] === 'unknown');
/** The widest class known to be reachable, or undefined when none is. */
export const widestClass = (r: DirectionReachability): PeerClass | undefined =>
  WIDEST_FIRST.find((c) => r.classes[c] === true);
