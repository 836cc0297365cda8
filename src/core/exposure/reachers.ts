// Who exactly can reach a namespace (docs/exposure.md, "The names behind other_namespaces"): per direction, the
// other namespaces that exist now and can reach it (ingress) or that it can reach (egress), each with what opens
// the way, and those whose reach cannot be judged. Computed on demand, not kept: the classes stay the metric contract.
//
// Exact by construction: "M reaches N" is what namespaceReachability answers for other_namespaces when M is the only
// other namespace. That answer depends on M only through which of the selectors N's computation can ask about
// (its NetworkPolicies' peers, those with a podSelector too, and the tier rules' peers) match M; so the other namespaces are grouped by that match
// pattern and the engine runs once per group, not once per namespace.
import { DIRECTIONS, type Direction } from '../direction.ts';
import { type LabelSelector, selectorKey } from '../facts.ts';
import { namespaceLabels, type Tri } from '../selectors/label-selector.ts';
import { listedNamespaces, matchNs, type NamespaceLabels } from './other-namespaces.ts';
import { namespaceReachability, type ReachabilityInput } from './reachability.ts';

/** How many names a list carries before it gives only a count: 10,000 namespaces stay cheap to serve. */
const REACHERS_CAP = 200;

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

/** One selector's matches over the index: per namespace 0 no, 1 yes, 2 unknown, and where it is not 0. */
interface Matches {
  value: Uint8Array;
  nonzero: Int32Array;
}

/** The namespaces of a cluster, sorted by name, with each selector's matches computed once per snapshot. */
export class NamespaceIndex {
  private readonly list: NamespaceLabels[];
  private readonly matches = new Map<string, Matches>();

  constructor(namespaces: Iterable<{ name: string; labels: Record<string, string> }>) {
    this.list = [...namespaces]
      .map((n) => ({ name: n.name, labels: namespaceLabels(n.name, n.labels) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private work: { pattern: Float64Array; answerAt: (Answer | undefined)[] } | undefined;

  /** Per namespace, room for one computation's match patterns and answers (left cleared after each). */
  scratch(): { pattern: Float64Array; answerAt: (Answer | undefined)[] } {
    this.work ??= { pattern: new Float64Array(this.list.length), answerAt: new Array(this.list.length) };
    return this.work;
  }

  get namespaces(): readonly NamespaceLabels[] {
    return this.list;
  }

  matchesOf(selector: LabelSelector, key: string): Matches {
    let out = this.matches.get(key);
    if (!out) {
      const value = new Uint8Array(this.list.length);
      const nonzero: number[] = [];
      for (const [i, ns] of this.list.entries()) {
        const m = matchNs(selector, ns);
        value[i] = m === true ? 1 : m === false ? 0 : 2;
        if (m !== false) nonzero.push(i);
      }
      out = { value, nonzero: Int32Array.from(nonzero) };
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
    for (const d of DIRECTIONS) {
      const peers = p[d].peers;
      if (!peers) continue;
      for (const s of peers.namespaceSelectors) add(s);
      // A peer with a podSelector admits the namespaces its namespaceSelector matches (pod labels are open world).
      for (const pp of peers.podPeers) if (pp.namespaces) add(pp.namespaces);
    }
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
  const all = index.namespaces;
  const answers = new Map<number | string, Answer>();
  const answerFor = (i: number, signature: number | string): Answer => {
    let answer = answers.get(signature);
    if (!answer) {
      const r = namespaceReachability({ ...fixed, others: listedNamespaces([all[i] as NamespaceLabels]) });
      answer = {
        ingress: { reach: r.ingress.classes.other_namespaces, openedBy: r.ingress.openedBy.other_namespaces },
        egress: { reach: r.egress.classes.other_namespaces, openedBy: r.egress.openedBy.other_namespaces },
      };
      answers.set(signature, answer);
    }
    return answer;
  };
  // The namespaces some selector may match, each with its answer; every other one matches none, and shares one.
  // A namespace's match pattern is a number (base 3, one digit per selector) while that stays exact.
  const own = all.findIndex((n) => n.name === input.name);
  const { pattern, answerAt } = index.scratch();
  const numeric = selectors.length <= 30;
  const touched: number[] = [];
  let weight = 1;
  for (const m of selectors) {
    for (const i of m.nonzero) {
      if (i === own) continue;
      if (pattern[i] === 0) touched.push(i);
      pattern[i] = (pattern[i] as number) + (numeric ? (m.value[i] as number) * weight : 1);
    }
    weight *= 3;
  }
  const matched = Int32Array.from(touched).sort();
  for (const i of matched)
    answerAt[i] = answerFor(i, numeric ? (pattern[i] as number) : selectors.map((x) => x.value[i]).join(''));
  let plain: Answer | undefined;
  for (let i = 0; i < all.length && !plain; i++)
    if (i !== own && pattern[i] === 0) plain = answerFor(i, numeric ? 0 : '0'.repeat(selectors.length));
  const plainCount = all.length - matched.length - (own >= 0 ? 1 : 0);

  const out: NamespaceReachers = { ingress: emptyDirection(), egress: emptyDirection() };
  for (const d of DIRECTIONS) {
    const list = out[d];
    let reach = plain?.[d].reach === true ? plainCount : 0;
    let unknown = plain?.[d].reach === 'unknown' ? plainCount : 0;
    for (const i of matched) {
      const r = (answerAt[i] as Answer)[d].reach;
      if (r === true) reach++;
      else if (r === 'unknown') unknown++;
    }
    // Names in order, up to the cap: walk every namespace only when those that match nothing are listed too.
    const order = plain && plain[d].reach !== false ? all.keys() : matched;
    for (const i of order) {
      if (list.namespaces.length >= cap && list.unknown.length >= cap) break;
      if (i === own) continue;
      const a = (answerAt[i] ?? plain) as Answer;
      const name = (all[i] as NamespaceLabels).name;
      if (a[d].reach === true && list.namespaces.length < cap)
        list.namespaces.push({ namespace: name, openedBy: a[d].openedBy });
      else if (a[d].reach === 'unknown' && list.unknown.length < cap) list.unknown.push(name);
    }
    list.more = reach - list.namespaces.length;
    list.unknownMore = unknown - list.unknown.length;
  }
  for (const i of matched) {
    pattern[i] = 0;
    answerAt[i] = undefined;
  }
  return out;
}

/** Where the names are asked from: the exporter's and the audit's ExposureState. */
export interface ReachersSource {
  inputFor(name: string): Omit<ReachabilityInput, 'others'> | undefined;
  namespaces(): Iterable<NamespaceLabels>;
}

/** The names for each namespace asked, from one snapshot of the namespaces' labels (taken at the first ask). */
export function reachersOf(source: ReachersSource, cap = REACHERS_CAP) {
  let index: NamespaceIndex | undefined;
  return (name: string): NamespaceReachers | undefined => {
    const input = source.inputFor(name);
    if (!input) return undefined;
    index ??= new NamespaceIndex(source.namespaces());
    return namespaceReachers(input, index, cap);
  };
}
