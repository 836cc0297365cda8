// Property: on random small clusters, the engine's exposure classes equal those of the independent reference model
// (test/reference/model.ts, written from the Kubernetes and network-policy-api specifications), for every namespace,
// direction and class. No disagreement is filtered: the classes once known (the admin-tier items and
// `all_namespaces` by satisfiability of issue 23, NetworkPolicy peers that match nothing, `anywhere` by the union of
// ipBlocks and for one address family) are fixed in the engine.
import fc from 'fast-check';
import { compare, type Disagreement } from './compare.ts';
import { cluster } from './generators.ts';
import type { Cluster } from './model.ts';

const RUNS = Number(process.env.REFERENCE_RUNS ?? 500);

const show = (c: Cluster, d: Disagreement[]) =>
  `${JSON.stringify(c)}\n${d.map((x) => `${x.namespace} ${x.direction} ${x.peer}: engine ${x.engine}, model ${x.model}`).join('\n')}`;

describe('exposure: the engine against the reference model', () => {
  for (const tiers of [false, true]) {
    const what = tiers ? 'NetworkPolicies and the admin and baseline tiers' : 'NetworkPolicies only';
    it(`${what}: the same classes for every namespace and direction (${RUNS} clusters)`, () => {
      fc.assert(
        fc.property(cluster({ tiers }), (c) => {
          const { wrong } = compare(c);
          if (wrong.length > 0) throw new Error(`the engine and the model disagree:\n${show(c, wrong)}`);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
