// What naming the namespaces behind other_namespaces costs (src/core/exposure/reachers.ts), in process, through
// reachersOf as the exporter and the audit call it: one namespace page's names (a fresh snapshot of the labels per
// request), and every namespace's names as /api/v1/namespaces?names=true and `audit --names` carry them. `npm run
// bench` runs it in its exposure step (bench/exposure.ts), on the compiled core; alone, from source:
//   npx node --conditions=netpol-source --import tsx bench/reachers.ts [S|M|L]
import { pathToFileURL } from 'node:url';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import type { reachersOf as ReachersOf, ReachersSource } from '../src/core/exposure/reachers.ts';
import { percentile } from './scrape.ts';
import { coverageOf, SIZES, seedOptions } from './sizes.ts';

export interface ReachersResult {
  namespaces: number;
  /** One namespace page: the names of one namespace, from a fresh snapshot (as each request takes one). */
  pages: number;
  pageP50Ms: number;
  pageP99Ms: number;
  /** Mean namespaces named (or counted past the cap) as reaching each page's namespace (ingress). */
  meanReaching: number;
  /** Every namespace's names from one snapshot, as /api/v1/namespaces?names=true and `audit --names` ask. */
  allMs: number;
  microsPerNamespace: number;
  /** Reaching pairs (ingress), named or counted past the cap. */
  pairs: number;
  /** Namespaces with more reaching than the cap names. */
  capped: number;
  /** The names as pretty-printed JSON, as /api/v1/namespaces serves them. */
  bytes: number;
}

/** The names for `pages` namespaces one at a time, then for every namespace; `names` in the state's order. */
export function measureReachers(
  reachersOf: typeof ReachersOf,
  source: ReachersSource,
  pages: number,
): ReachersResult {
  const names = [...source.namespaces()].map((n) => n.name);
  const page: number[] = [];
  let listed = 0;
  for (let i = 0; i < pages; i++) {
    const t = performance.now();
    const r = reachersOf(source)(names[(i * 7919) % names.length] as string);
    page.push(performance.now() - t);
    listed += (r?.ingress.namespaces.length ?? 0) + (r?.ingress.more ?? 0);
  }
  const t0 = performance.now();
  const of = reachersOf(source);
  let pairs = 0;
  let capped = 0;
  let bytes = 0;
  for (const name of names) {
    const r = of(name);
    bytes += Buffer.byteLength(JSON.stringify(r, null, 2));
    pairs += (r?.ingress.namespaces.length ?? 0) + (r?.ingress.more ?? 0);
    if ((r?.ingress.more ?? 0) > 0) capped++;
  }
  const allMs = performance.now() - t0;
  return {
    namespaces: names.length,
    pages,
    pageP50Ms: percentile(page, 50),
    pageP99Ms: percentile(page, 99),
    meanReaching: listed / Math.max(1, pages),
    allMs,
    microsPerNamespace: (allMs * 1000) / Math.max(1, names.length),
    pairs,
    capped,
    bytes,
  };
}

/** Two lines: a page's p50/p99, then every namespace's time, pairs and bytes. */
export function formatReachers(r: ReachersResult, where: string): string {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  return [
    `Names behind other_namespaces (reachers) at ${where}: one namespace page p50 ${f(r.pageP50Ms)} ms, p99 ${f(r.pageP99Ms)} ms (${r.pages} pages, mean ${f(r.meanReaching)} namespaces reach each);`,
    `  every namespace's names (?names=true, audit --names) ${f(r.allMs / 1000, 2)} s, ${f(r.microsPerNamespace, 0)} µs per namespace; ${r.pairs} reaching pairs, ${r.capped} namespaces past the cap; ${f(r.bytes / 1e6)} MB of JSON`,
  ].join('\n');
}

async function main(): Promise<void> {
  const size = SIZES[process.argv[2] ?? 'L'];
  if (!size) throw new Error(`unknown size ${process.argv[2]} (${Object.keys(SIZES).join(', ')})`);
  const { CoverageState } = await import('../src/core/coverage-state.ts');
  const { ExposureState } = await import('../src/core/exposure/exposure-state.ts');
  const { reachersOf } = await import('../src/core/exposure/reachers.ts');
  const { namespaceFacts, policyFacts } = await import('../src/core/facts.ts');
  const sim = await SimulatedCluster.start({});
  try {
    sim.seedScale(seedOptions(size));
    const { state } = coverageOf(sim, { CoverageState, namespaceFacts, policyFacts });
    const r = measureReachers(reachersOf, new ExposureState(state), 50);
    console.log(
      formatReachers(
        r,
        `${size.name} (${r.namespaces} namespaces, ${sim.list('networkpolicies').length} policies)`,
      ),
    );
  } finally {
    await sim.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
