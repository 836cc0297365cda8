// Property: on random small clusters, the names the engine gives behind other_namespaces (src/core/exposure/reachers.ts)
// are the namespaces the independent reference model says can reach each namespace (ingress) or that it can reach
// (egress); a name the engine marks unknown is a lower bound, never wrong. The model's answer for one other
// namespace M is its other_namespaces class for N in the same cluster with M as the only other namespace, so the
// known disagreements of the classes (known-disagreements.ts) are recognised here the same way.
import { expect } from 'chai';
import fc from 'fast-check';
import type { Disagreement } from './compare.ts';
import { engineReachers } from './engine.ts';
import { referenceClasses } from './exposure.ts';
import { cluster } from './generators.ts';
import { KNOWN_DISAGREEMENTS } from './known-disagreements.ts';
import type { Cluster } from './model.ts';

const RUNS = Number(process.env.REFERENCE_RUNS ?? 300);

/** The disagreements no known class explains, and how many names were compared. */
function check(c: Cluster, tally: Map<string, number>): { wrong: string[]; compared: number } {
  const wrong: string[] = [];
  let compared = 0;
  for (const n of c.namespaces)
    for (const direction of ['ingress', 'egress'] as const) {
      const engine = engineReachers(c, n.name, direction);
      for (const m of c.namespaces) {
        if (m.name === n.name) continue;
        const pair: Cluster = { ...c, namespaces: [n, m] };
        const model = referenceClasses(pair, n.name, direction).other_namespaces;
        const mine = engine.get(m.name);
        compared++;
        if (mine === 'unknown' || mine === model) continue;
        const d: Disagreement = {
          namespace: n.name,
          direction,
          peer: 'other_namespaces',
          engine: mine ?? false,
          model,
        };
        const known = KNOWN_DISAGREEMENTS.find((k) => k.matches(pair, d));
        if (known) tally.set(known.name, (tally.get(known.name) ?? 0) + 1);
        else
          wrong.push(`${m.name} -> ${n.name} ${direction}: engine ${String(mine)}, model ${String(model)}`);
      }
    }
  return { wrong, compared };
}

describe('reachers: the names behind other_namespaces against the reference model', () => {
  for (const tiers of [false, true]) {
    const what = tiers ? 'NetworkPolicies and the admin and baseline tiers' : 'NetworkPolicies only';
    it(`${what}: the same namespaces reach each namespace, or the engine says unknown (${RUNS} clusters)`, () => {
      const tally = new Map<string, number>();
      let compared = 0;
      fc.assert(
        fc.property(cluster({ tiers }), (c) => {
          const r = check(c, tally);
          compared += r.compared;
          if (r.wrong.length > 0)
            throw new Error(
              `the engine and the model disagree:\n${JSON.stringify(c)}\n${r.wrong.join('\n')}`,
            );
        }),
        { numRuns: RUNS },
      );
      if (tally.size > 0) console.log('    known disagreements:', Object.fromEntries(tally));
      expect(compared).to.be.greaterThan(0);
    });
  }
});
