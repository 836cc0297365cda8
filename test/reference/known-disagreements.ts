// Disagreements between the engine and the reference model that remain known, where the model follows the
// specification and the engine does not (or docs/exposure.md reads two ways). The admin-tier items of issue 23 and
// `all_namespaces` by satisfiability are fixed in the engine and their classes are gone: the property now holds for
// them. What remains: NetworkPolicy peers whose selectors can match nothing (the facts the engine reads keep no peer
// podSelector), and two readings of `anywhere` that issue 23 does not cover.
//
// A disagreement belongs to a class when a rewrite of the cluster that the class is about makes the engine agree with
// the model on that namespace, direction and peer class (both sides recompute): a spec-equivalent rewrite (the
// model's answer stays; the engine's changes) or, for the tier items, removing the rules the item is about. So a class
// cannot hide a disagreement its rules play no part in. Delete a class once the engine is fixed.
import type { Disagreement } from './compare.ts';
import { engineClasses } from './engine.ts';
import { referenceAnswers, referenceClasses, universe } from './exposure.ts';
import { type Cluster, type Direction, matches, NAME_LABEL, type Obj, type Selector } from './model.ts';

export interface KnownDisagreement {
  name: string;
  matches(c: Cluster, d: Disagreement): boolean;
}

// ---- Satisfiability, by brute force over the keys and values a selector names.
function satisfiable(s: Selector, forNamespace: boolean): boolean {
  const keys = new Map<string, Set<string>>();
  const add = (k: string, v?: string) => {
    const set = keys.get(k) ?? new Set<string>();
    if (v !== undefined) set.add(v);
    keys.set(k, set);
  };
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) add(k, v);
  for (const r of s.matchExpressions ?? []) for (const v of r.values ?? [undefined]) add(r.key, v);
  if (forNamespace) add(NAME_LABEL);
  let sets: Record<string, string>[] = [{}];
  for (const [k, values] of keys) {
    const absent = forNamespace && k === NAME_LABEL ? [] : [undefined];
    const choices = [...absent, ...values, 'zz-other'];
    sets = sets.flatMap((l) => choices.map((v) => (v === undefined ? l : { ...l, [k]: v })));
  }
  return sets.some((l) => matches(s, l));
}

type Field = 'from' | 'to';
const fieldOf = (d: Direction): Field => (d === 'ingress' ? 'from' : 'to');
const clone = (c: Cluster): Cluster => JSON.parse(JSON.stringify(c));
const isTier = (p: Obj) => p.kind !== 'NetworkPolicy';

function peerSatisfiable(peer: Obj): boolean {
  if (peer.ipBlock || peer.networks) return true;
  const ns = (peer.namespaceSelector ?? peer.namespaces) as Selector | undefined;
  const pods = peer.pods as Obj | undefined;
  if (pods)
    return (
      satisfiable(pods.namespaceSelector as Selector, true) &&
      satisfiable(pods.podSelector as Selector, false)
    );
  return (
    (!ns || satisfiable(ns, true)) && (!peer.podSelector || satisfiable(peer.podSelector as Selector, false))
  );
}
function subjectSatisfiable(p: Obj): boolean {
  const s = p.spec as Obj;
  if (!isTier(p)) return satisfiable(s.podSelector as Selector, false);
  const subject = s.subject as Obj;
  return subject.namespaces ? satisfiable(subject.namespaces as Selector, true) : peerSatisfiable(subject);
}

/** The same cluster without what matches nothing: spec-equivalent, so the model's answers stay the same. */
function withoutUnsatisfiable(c: Cluster): Cluster {
  const out = clone(c);
  out.policies = out.policies.filter(subjectSatisfiable);
  for (const p of out.policies) {
    const s = p.spec as Obj;
    for (const [d, f] of [
      ['ingress', 'from'],
      ['egress', 'to'],
    ] as const) {
      const rules = (s[d] as Obj[] | undefined) ?? [];
      s[d] = rules.filter((r) => {
        if (!Array.isArray(r[f])) return true; // a NetworkPolicy rule without peers admits every peer
        r[f] = (r[f] as Obj[]).filter(peerSatisfiable);
        return (r[f] as Obj[]).length > 0;
      });
    }
  }
  return out;
}

/**
 * Every namespace selector of a peer (not of a subject) that admits every possible namespace but `own` becomes `{}`,
 * and so does a rule's set of namespace-only peers whose union admits them all; a peer whose namespace selector can
 * match no namespace but `own` goes (and a rule left without peers). For the classes `other_namespaces`
 * and `all_namespaces` of `own` (which never ask whether `own` itself matches) this is spec-equivalent: it spells
 * "every other namespace" the one way the engine recognises.
 */
function canonicalNamespaces(c: Cluster, own: string): Cluster {
  const out = clone(c);
  const possible = universe(c).possibleNamespaces(own);
  const admitsAll = (selectors: Selector[]) => possible.every((l) => selectors.some((s) => matches(s, l)));
  for (const p of out.policies) {
    const s = p.spec as Obj;
    for (const [d, f] of [
      ['ingress', 'from'],
      ['egress', 'to'],
    ] as const) {
      for (const r of (s[d] as Obj[] | undefined) ?? []) {
        const list = r[f];
        if (!Array.isArray(list)) continue;
        const nsField = isTier(p) ? 'namespaces' : 'namespaceSelector';
        const nsOf = (x: Obj) =>
          (x[nsField] ?? (x.pods as Obj | undefined)?.namespaceSelector) as Selector | undefined;
        // A peer that can match no namespace but `own` never matches a peer of these classes: gone.
        const kept = (list as Obj[]).filter((x) => {
          const sel = nsOf(x);
          return !sel || possible.some((l) => matches(sel, l));
        });
        if (kept.length === 0) {
          r.dropped = true;
          continue;
        }
        r[f] = kept;
        for (const peer of kept) {
          if (peer[nsField] && admitsAll([peer[nsField] as Selector])) peer[nsField] = {};
          const pods = peer.pods as Obj | undefined;
          if (pods && admitsAll([pods.namespaceSelector as Selector])) pods.namespaceSelector = {};
        }
        const nsOnly = kept.filter((x) => x[nsField] && !x.podSelector);
        if (nsOnly.length > 1 && admitsAll(nsOnly.map((x) => x[nsField] as Selector))) {
          r[f] = [...kept.filter((x) => !nsOnly.includes(x)), { [nsField]: {} }];
        }
      }
      s[d] = ((s[d] as Obj[] | undefined) ?? []).filter((r) => !r.dropped);
    }
  }
  return out;
}

/** The spec-equivalent rewrites every class below is judged after (so that each is judged on its own). */
function equivalent(c: Cluster, d: Disagreement): Cluster {
  const x = withoutUnsatisfiable(c);
  return d.peer === 'all_namespaces' || d.peer === 'other_namespaces'
    ? canonicalNamespaces(x, d.namespace)
    : x;
}

/** Whether the engine agrees with the model on `d`'s namespace, direction and class once `change` is made. */
function agreesAfter(c: Cluster, d: Disagreement, change: (c: Cluster) => Cluster): boolean {
  const changed = change(c);
  return (
    engineClasses(changed, d.namespace, d.direction)[d.peer] ===
    referenceClasses(changed, d.namespace, d.direction)[d.peer]
  );
}

/** The cluster without the NetworkPolicy ipBlocks that carry an `except` (for the direction). */
function withoutExcepts(c: Cluster, d: Direction): Cluster {
  const out = clone(c);
  for (const p of out.policies.filter((x) => !isTier(x))) {
    for (const r of ((p.spec as Obj)[d] as Obj[] | undefined) ?? []) {
      const list = r[fieldOf(d)];
      if (!Array.isArray(list)) continue;
      r[fieldOf(d)] = (list as Obj[]).filter((peer) => !(peer.ipBlock as Obj | undefined)?.except);
      if ((r[fieldOf(d)] as Obj[]).length === 0) r[fieldOf(d)] = [{ ipBlock: { cidr: '192.0.2.0/24' } }];
    }
  }
  return out;
}

export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  {
    // Issue 23 item 2 ("a selector that no pod can satisfy (`app=web` with `app In [db]`) selects no pods"), left
    // for NetworkPolicy peers: a peer whose podSelector (or namespaceSelector) matches nothing still counts, since
    // the engine's peer facts do not keep it (tier peers, subjects and policies' podSelectors are judged). A
    // spec-equivalent rewrite.
    name: 'unsatisfiable selectors',
    matches: (c, d) => agreesAfter(c, d, withoutUnsatisfiable),
  },
  {
    // Not in issue 23: `anywhere` by spelling ("0.0.0.0/0 with an except is ip_blocks only"), where the union of a
    // rule's ipBlocks covers a whole address family (0.0.0.0/0 except 10.0.0.0/8, plus 10.0.0.0/8).
    name: 'anywhere by the union of ipBlocks',
    matches: (c, d) =>
      d.peer === 'anywhere' && agreesAfter(c, d, (x) => withoutExcepts(equivalent(x, d), d.direction)),
  },
  {
    // Not in issue 23; docs/exposure.md is ambiguous: `anywhere` is "any address at all", yet "an ipBlock of
    // 0.0.0.0/0 or ::/0 without except" counts. The model follows the example (every address of one family); the
    // engine says `anywhere` for 0.0.0.0/0 alone but not when all of IPv6 and part of IPv4 are reachable.
    name: 'anywhere with one address family',
    matches: (c, d) => {
      if (d.peer !== 'anywhere' || d.engine !== false || d.model !== true) return false;
      const m = referenceAnswers(c, d.namespace, d.direction);
      return m.everyV4 !== m.everyV6;
    },
  },
];
