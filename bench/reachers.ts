// What naming the namespaces behind other_namespaces costs (src/core/exposure/reachers.ts), in process, on the
// bench's seeded cluster: one namespace page's names, and every namespace's names as /api/v1/namespaces and the
// audit JSON carry them. Run: npx node --conditions=netpol-source --import tsx bench/reachers.ts [S|M|L]
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { CoverageState } from '../src/core/coverage-state.ts';
import { ExposureState } from '../src/core/exposure/exposure-state.ts';
import { NamespaceIndex, namespaceReachers } from '../src/core/exposure/reachers.ts';
import { namespaceFacts, policyFacts } from '../src/core/facts.ts';
import { percentile } from './scrape.ts';
import { SIZES } from './sizes.ts';

const size = SIZES[process.argv[2] ?? 'L'];
if (!size) throw new Error(`unknown size ${process.argv[2]}`);
const sim = await SimulatedCluster.start({});
try {
  sim.seedScale({
    namespaces: size.namespaces,
    policiesPerNamespace: size.policiesPerNamespace,
    uncoveredEvery: 0,
  });
  const state = new CoverageState();
  for (const o of sim.list('namespaces')) {
    const f = namespaceFacts(o);
    if (f) state.upsertNamespace(f);
  }
  for (const p of sim.list('networkpolicies')) {
    const f = policyFacts(p);
    if (f) state.upsertPolicy(f);
  }
  const exposure = new ExposureState(state);
  const names = [...exposure.namespaces()].map((n) => n.name);
  const namesFor = (index: NamespaceIndex, name: string) => {
    const input = exposure.inputFor(name);
    return input ? namespaceReachers(input, index) : undefined;
  };
  // A namespace page: a fresh index (a snapshot of the labels) and one namespace's names.
  const page: number[] = [];
  let listed = 0;
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    const r = namesFor(new NamespaceIndex(exposure.namespaces()), names[(i * 7919) % names.length] as string);
    page.push(performance.now() - t);
    listed += (r?.ingress.namespaces.length ?? 0) + (r?.ingress.more ?? 0);
  }
  // The whole report: one index, every namespace's names.
  const t0 = performance.now();
  const index = new NamespaceIndex(exposure.namespaces());
  let total = 0;
  let capped = 0;
  let bytes = 0;
  for (const name of names) {
    const r = namesFor(index, name);
    // What the names add to /api/v1/namespaces (pretty-printed, as it serves them).
    bytes += Buffer.byteLength(JSON.stringify(r, null, 2));
    total += (r?.ingress.namespaces.length ?? 0) + (r?.ingress.more ?? 0);
    if ((r?.ingress.more ?? 0) > 0) capped++;
  }
  const all = performance.now() - t0;
  const f = (n: number) => n.toFixed(1);
  console.log(
    `reachers at ${size.name} (${names.length} namespaces, ${sim.list('networkpolicies').length} policies):\n` +
      `  one namespace page: p50 ${f(percentile(page, 50))} ms, p99 ${f(percentile(page, 99))} ms ` +
      `(mean ${f(listed / page.length)} namespaces reach each)\n` +
      `  every namespace (report): ${f(all)} ms, ${f((all * 1000) / names.length)} µs per namespace; ` +
      `${total} reaching pairs, ${capped} namespaces past the cap; ${f(bytes / 1e6)} MB of JSON`,
  );
} finally {
  await sim.stop();
}
