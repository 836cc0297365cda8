// Property: on random small clusters, the names the engine gives behind other_namespaces (src/core/exposure/reachers.ts)
// are the namespaces the independent reference model says can reach each namespace (ingress) or that it can reach
// (egress); a name the engine marks unknown is a lower bound, never wrong. The model's answer for one other
// namespace M is its other_namespaces class for N in the same cluster with M as the only other namespace. No
// disagreement is filtered, as for the classes (exposure.property.test.ts).
import { expect } from 'chai';
import fc from 'fast-check';
import { engineReachers } from './engine.ts';
import { referenceClasses } from './exposure.ts';
import { cluster } from './generators.ts';
import type { Cluster } from './model.ts';

const RUNS = Number(process.env.REFERENCE_RUNS ?? 300);

/** The names the engine and the model disagree on, and how many were compared. */
function check(c: Cluster): { wrong: string[]; compared: number } {
  const wrong: string[] = [];
  let compared = 0;
  for (const n of c.namespaces)
    for (const direction of ['ingress', 'egress'] as const) {
      const engine = engineReachers(c, n.name, direction);
      for (const m of c.namespaces) {
        if (m.name === n.name) continue;
        const model = referenceClasses({ ...c, namespaces: [n, m] }, n.name, direction).other_namespaces;
        const mine = engine.get(m.name) ?? false;
        compared++;
        if (mine !== 'unknown' && mine !== model)
          wrong.push(`${m.name} -> ${n.name} ${direction}: engine ${String(mine)}, model ${String(model)}`);
      }
    }
  return { wrong, compared };
}

describe('reachers: the names behind other_namespaces against the reference model', () => {
  for (const tiers of [false, true]) {
    const what = tiers ? 'NetworkPolicies and the admin and baseline tiers' : 'NetworkPolicies only';
    it(`${what}: the same namespaces reach each namespace, or the engine says unknown (${RUNS} clusters)`, () => {
      let compared = 0;
      fc.assert(
        fc.property(cluster({ tiers }), (c) => {
          const r = check(c);
          compared += r.compared;
          if (r.wrong.length > 0)
            throw new Error(
              `the engine and the model disagree:\n${JSON.stringify(c)}\n${r.wrong.join('\n')}`,
            );
        }),
        { numRuns: RUNS },
      );
      expect(compared).to.be.greaterThan(0);
    });
  }
});
