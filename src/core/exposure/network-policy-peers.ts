// What a NetworkPolicy's peers admit, as reachability.ts and tier-walk.ts ask it: the facts (core/facts.ts) keep the
// peers as written, and selectors are judged here, above them. A peer whose podSelector no pod can satisfy admits
// nothing (one whose namespaceSelector no namespace can satisfy needs no check: it matches none when asked);
// ipBlocks admit the addresses of their CIDR less its excepts, and together may cover a whole address family.
import { type IpBlock, type LabelSelector, type PeerFacts, selectorKey } from '../facts.ts';
import { and, andAll, not, or, orAny, type Tri } from '../selectors/label-selector.ts';
import { satisfiable } from '../selectors/label-space.ts';
import { type AddressPoint, addressPoints, cidrHolds } from './traffic-space.ts';

/** Whether some pod can carry labels a peer podSelector asks for, per (shared) selector object. */
const podSatisfiable = new WeakMap<LabelSelector, boolean>();
function somePodMatches(pods: LabelSelector): boolean {
  let known = podSatisfiable.get(pods);
  if (known === undefined) {
    known = satisfiable(pods) !== false;
    podSatisfiable.set(pods, known);
  }
  return known;
}

/**
 * The peers with the pod-picking ones folded in by namespace: into `ownNamespace` or `namespaceSelectors` when some
 * pod can match them, dropped when none can. A podSelector narrows which pods of those namespaces, not which
 * namespaces (pod labels are chosen by whoever deploys there), so that is all it decides here.
 */
export function admittingPeers(peers: PeerFacts): PeerFacts {
  if (peers.podPeers.length === 0) return peers;
  const namespaceSelectors: LabelSelector[] = [...peers.namespaceSelectors];
  const out: PeerFacts = { ...peers, namespaceSelectors, podPeers: [] };
  const seen = new Set(namespaceSelectors.map(selectorKey));
  for (const p of peers.podPeers) {
    if (!somePodMatches(p.pods)) continue;
    if (!p.namespaces) {
      out.ownNamespace = true;
      continue;
    }
    const key = selectorKey(p.namespaces);
    if (!seen.has(key)) {
      seen.add(key);
      namespaceSelectors.push(p.namespaces);
    }
  }
  return out;
}

/** The CIDRs the ipBlocks name (excepts included): the bounds of the address stretches they tell apart. */
export function blockCidrs(selectedBy: readonly PeerFacts[]): string[] {
  return selectedBy.flatMap((p) => p.blocks.flatMap((b) => [b.cidr, ...b.except]));
}

function blockHolds(block: IpBlock, point: AddressPoint & { kind: 'ip' }): Tri {
  const inside = cidrHolds(block.cidr, point);
  if (inside === false) return false;
  return and(inside, andAll(block.except.map((e) => not(cidrHolds(e, point)))));
}

/** Whether the ipBlocks take in every address of both families (then also node and domain-name addresses). */
function coverBoth(blocks: readonly IpBlock[]): Tri {
  const points = addressPoints(
    [],
    blocks.flatMap((b) => [b.cidr, ...b.except]),
  );
  return andAll(points.map((a) => (a.kind === 'ip' ? orAny(blocks.map((b) => blockHolds(b, a))) : true)));
}

/** Whether some of the policies selecting a pod admit an address outside the pod network. */
export function npAdmitsAddress(selectedBy: readonly PeerFacts[], point: AddressPoint): Tri {
  let out: Tri = false;
  for (const p of selectedBy) {
    if (p.everything) return true;
    if (p.unreadable) out = 'unknown';
    if (p.blocks.length === 0) continue;
    // Node and domain-name addresses lie somewhere in either family.
    const m =
      point.kind === 'ip'
        ? orAny(p.blocks.map((b) => blockHolds(b, point)))
        : coverBoth(p.blocks) === true
          ? true
          : 'unknown';
    out = or(out, m);
  }
  return out;
}

/**
 * `anywhere` from per-address answers: every address outside the cluster of one family (IPv4 or IPv6). Node and
 * domain-name addresses lie in a family the exporter does not know: when they are not all reachable, a family that
 * otherwise is may not be.
 */
export function everyAddressOfAFamily(answers: readonly [AddressPoint, Tri][]): Tri {
  const of = (kind: (a: AddressPoint) => boolean) =>
    andAll(answers.filter(([a]) => kind(a)).map(([, t]) => t));
  const family = or(
    of((a) => a.kind === 'ip' && a.family === 4),
    of((a) => a.kind === 'ip' && a.family === 6),
  );
  if (family === false) return false;
  return of((a) => a.kind !== 'ip') === true ? family : 'unknown';
}

const NO_ADDRESS: { ip_blocks: Tri; anywhere: Tri } = Object.freeze({ ip_blocks: false, anywhere: false });
const UNKNOWN_ADDRESS: { ip_blocks: Tri; anywhere: Tri } = Object.freeze({
  ip_blocks: 'unknown',
  anywhere: 'unknown',
});

/** `ip_blocks` and `anywhere` for pods the policies `selectedBy` select, without tier rules. */
export function npAddressClasses(selectedBy: readonly PeerFacts[]): { ip_blocks: Tri; anywhere: Tri } {
  if (selectedBy.some((p) => p.everything)) return { ip_blocks: true, anywhere: true };
  // Without ipBlocks no address is admitted, or (an unreadable rule) any may be: what the address points below
  // would answer, without making them. Most policies have no ipBlock, and this runs per policy per recomputed
  // namespace: the points made for nothing doubled the young garbage of every event.
  if (selectedBy.every((p) => p.blocks.length === 0))
    return selectedBy.some((p) => p.unreadable) ? UNKNOWN_ADDRESS : NO_ADDRESS;
  const points = addressPoints([], blockCidrs(selectedBy));
  const answers = points.map((a): [AddressPoint, Tri] => [a, npAdmitsAddress(selectedBy, a)]);
  return { ip_blocks: orAny(answers.map(([, t]) => t)), anywhere: everyAddressOfAFamily(answers) };
}
