// Who exactly can reach a namespace (docs/exposure.md, "The names behind other_namespaces"): per direction, the
// other namespaces that exist now and can reach it (ingress) or that it can reach (egress), each with what opens
// the way, and those whose reach cannot be judged. Computed on demand, not kept: the classes stay the metric contract.
//
// Exact by construction: "M reaches N" is what namespaceReachability answers for other_namespaces when M is the only
// other namespace. That answer depends on M only through which of the selectors N's computation can ask about
// (its NetworkPolicies' peers, the tier rules' peers) match M; so the other namespaces are grouped by that match
// pattern and the engine runs once per group, not once per namespace.
import { DIRECTIONS, type Direction } from '../direction.ts';
import { type LabelSelector, selectorKey } from '../facts.ts';
import { namespaceLabels, type Tri } from '../selectors/label-selector.ts';
import { listedNamespaces, matchNs, type NamespaceLabels } from './other-namespaces.ts';
import { namespaceReachability, type ReachabilityInput } from './reachability.ts';

/** How many names a list carries before it gives only a count: 10,000 namespaces stay cheap to serve. */
export const REACHERS_CAP = 200;

export interface Reacher {
  namespace: string;
  /** What opens the way: `NetworkPolicy/<name>`, `AdminNetworkPolicy/<name>`, ..., `(pods no policy isolates)`. */
  openedBy: readonly string[];
}

export interface DirectionReachers {
  /** Other namespaces known to reach (ingress) or be reached (egress), by name, at most the cap. */
  namespaces: Reacher[];
  /** How many more are known to, past the cap. */
  more: number;
  /** Other namespaces for which it could not be judged, by name, at most the cap: maybe, never "cannot". */
  unknown: string[];
  /** How many more could not be judged, past the cap. */
  unknownMore: number;
}

export type NamespaceReachers = Record<Direction, DirectionReachers>;

type Answer = Record<Direction, { reach: Tri; openedBy: readonly string[] }>;

/** The namespaces of a cluster, sorted by name, with each selector's matches computed once per snapshot. */
export class NamespaceIndex {
  private readonly list: NamespaceLabels[];
  private readonly matches = new Map<string, Uint8Array>();

  constructor(namespaces: Iterable<{ name: string; labels: Record<string, string> }>) {
    this.list = [...namespaces]
      .map((n) => ({ name: n.name, labels: namespaceLabels(n.name, n.labels) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get namespaces(): readonly NamespaceLabels[] {
    return this.list;
  }

  /** Per namespace (index order): 0 no match, 1 match, 2 unknown. */
  matchesOf(selector: LabelSelector, key: string): Uint8Array {
    let out = this.matches.get(key);
    if (!out) {
      out = new Uint8Array(this.list.length);
      for (const [i, ns] of this.list.entries()) {
        const m = matchNs(selector, ns);
        out[i] = m === true ? 1 : m === false ? 0 : 2;
      }
      this.matches.set(key, out);
    }
    return out;
  }
}

/** Every selector N's computation may ask about other namespaces, deduplicated. */
function askedSelectors(input: Omit<ReachabilityInput, 'others'>): Map<string, LabelSelector> {
  const out = new Map<string, LabelSelector>();
  const add = (s: LabelSelector) => {
    const key = selectorKey(s);
    if (!out.has(key)) out.set(key, s);
  };
  for (const p of input.policies)
    for (const d of DIRECTIONS) for (const s of p[d].peers?.namespaceSelectors ?? []) add(s);
  for (const t of input.tiers)
    for (const d of DIRECTIONS)
      for (const r of t[d]) {
        for (const s of r.peers.namespaces) add(s);
        for (const p of r.peers.pods) add(p.namespaces);
      }
  return out;
}

function emptyDirection(): DirectionReachers {
  return { namespaces: [], more: 0, unknown: [], unknownMore: 0 };
}

/**
 * The other namespaces of `index` that can reach `input.name` (ingress) and that it can reach (egress), with what
 * opens each; `cap` names per list, the rest counted.
 */
export function namespaceReachers(
  input: Omit<ReachabilityInput, 'others'>,
  index: NamespaceIndex,
  cap = REACHERS_CAP,
): NamespaceReachers {
  const policies = [...input.policies];
  const pods = input.pods === undefined ? undefined : [...input.pods];
  const fixed = { ...input, policies, ...(pods ? { pods } : {}) };
  const selectors = [...askedSelectors(fixed)].map(([key, s]) => index.matchesOf(s, key));
  const answers = new Map<string, Answer>();
  const out: NamespaceReachers = { ingress: emptyDirection(), egress: emptyDirection() };
  const all = index.namespaces;
  for (let i = 0; i < all.length; i++) {
    const ns = all[i] as NamespaceLabels;
    if (ns.name === input.name) continue;
    let signature = '';
    for (const m of selectors) signature += m[i];
    let answer = answers.get(signature);
    if (!answer) {
      const r = namespaceReachability({ ...fixed, others: listedNamespaces([ns]) });
      answer = {
        ingress: { reach: r.ingress.classes.other_namespaces, openedBy: r.ingress.openedBy.other_namespaces },
        egress: { reach: r.egress.classes.other_namespaces, openedBy: r.egress.openedBy.other_namespaces },
      };
      answers.set(signature, answer);
    }
    for (const d of DIRECTIONS) {
      const { reach, openedBy } = answer[d];
      const list = out[d];
      if (reach === true) {
        if (list.namespaces.length < cap) list.namespaces.push({ namespace: ns.name, openedBy });
        else list.more++;
      } else if (reach === 'unknown') {
        if (list.unknown.length < cap) list.unknown.push(ns.name);
        else list.unknownMore++;
      }
    }
  }
  return out;
}
