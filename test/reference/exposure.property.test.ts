// Property: on random small clusters, the engine's exposure classes equal those of the independent reference model
// (test/reference/model.ts, written from the Kubernetes and network-policy-api specifications).
//
// KNOWN_DISAGREEMENTS below are the disagreements found when this test was written, each named after the item of
// the "admin tier as the spec says" issue it belongs to (issue 23, items 1 and 2). A disagreement they recognise is
// counted and reported, not failed; delete an entry once the engine is fixed and the property holds without it.
import { expect } from 'chai';
import fc from 'fast-check';
import { compare, type Disagreement } from './compare.ts';
import { cluster } from './generators.ts';
import { KNOWN_DISAGREEMENTS } from './known-disagreements.ts';
import type { Cluster } from './model.ts';

const RUNS = Number(process.env.REFERENCE_RUNS ?? 500);

const show = (c: Cluster, d: Disagreement[]) =>
  `${JSON.stringify(c)}\n${d.map((x) => `${x.namespace} ${x.direction} ${x.peer}: engine ${x.engine}, model ${x.model}`).join('\n')}`;

/** The disagreements no known class explains; tallies the explained ones by class. */
function unexplained(c: Cluster, tally: Map<string, number>): Disagreement[] {
  const { wrong } = compare(c);
  return wrong.filter((d) => {
    const known = KNOWN_DISAGREEMENTS.find((k) => k.matches(c, d));
    if (known) tally.set(known.name, (tally.get(known.name) ?? 0) + 1);
    return !known;
  });
}

describe('exposure: the engine against the reference model', () => {
  for (const tiers of [false, true]) {
    const what = tiers ? 'NetworkPolicies and the admin and baseline tiers' : 'NetworkPolicies only';
    it(`${what}: the same classes for every namespace and direction (${RUNS} clusters)`, () => {
      const tally = new Map<string, number>();
      let agreeing = 0;
      fc.assert(
        fc.property(cluster({ tiers }), (c) => {
          const left = unexplained(c, tally);
          if (left.length > 0) throw new Error(`the engine and the model disagree:\n${show(c, left)}`);
          if (compare(c).wrong.length === 0) agreeing++;
        }),
        { numRuns: RUNS },
      );
      // What the filter let through is visible in the test output until the engine is fixed.
      if (tally.size > 0)
        console.log(
          `    ${agreeing}/${RUNS} clusters agree; known disagreements:`,
          Object.fromEntries(tally),
        );
      expect(agreeing).to.be.greaterThan(0);
    });
  }
});
