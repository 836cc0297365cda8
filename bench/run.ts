// `npm run bench [-- --sizes=S,M,L,L+pods] [--quick] [--no-load] [--out=FILE]`: the exporter against the obvious
// implementation and list-on-scrape, same simulated cluster, same run; then concurrent scrapers under churn
// (bench/load.ts). Prints a table, writes JSON.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { serveFlags } from '../src/cli/flags.ts';
import { benchExposure, formatExposure } from './exposure.ts';
import { DEFAULT_LOAD, formatLoad, type LoadOptions, runLoad } from './load.ts';
import { type Child, cpuSeconds, heapAfterGc, rssBytes, startChild } from './process.ts';
import { closeClient, percentile, type Scrape, sampleValue, scrape, status } from './scrape.ts';
import { SIZES, type Size } from './sizes.ts';
import { soak } from './soak.ts';
import { type ImplResult, printTable, type SizeResult } from './table.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(ROOT, 'bench', 'results', 'build');
const EXPORTER_MAIN = path.join(BUILD, 'src', 'cli', 'main.js');
const BASELINE_MAIN = path.join(BUILD, 'bench', 'baselines', 'serve.js');

interface Settings {
  sizes: string[];
  quick: boolean;
  out: string;
  scrapes: number;
  freshnessSamples: number;
  cpuWindowSeconds: number;
  soakEvents: number;
  soakRate: number;
  /** Wall-clock cap on a scrape series (list-on-scrape at L takes seconds per scrape). */
  scrapeBudgetMs: number;
  /** Concurrent scrapers under churn; undefined with --no-load. */
  load: LoadOptions | undefined;
  /** The size the exposure step runs at (bench/exposure.ts); undefined with --no-exposure. */
  exposure: string | undefined;
}

function parseSettings(argv: string[]): Settings {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const quick = argv.includes('--quick');
  const sizes = (get('sizes') ?? (quick ? 'S' : 'S,M,L,L+pods')).split(',').filter(Boolean);
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (S, M, L, L+pods)`);
  const exposureSize = get('exposure-size');
  if (exposureSize && !SIZES[exposureSize]) throw new Error(`unknown --exposure-size ${exposureSize}`);
  return {
    sizes,
    quick,
    out: path.resolve(get('out') ?? path.join(ROOT, 'bench', 'results', 'latest.json')),
    scrapes: Number(get('scrapes') ?? (quick ? 20 : 300)),
    freshnessSamples: quick ? 10 : 100,
    cpuWindowSeconds: quick ? 1 : 10,
    // Ten minutes of churn at 500 events/s, compressed.
    soakEvents: Number(get('soak-events') ?? (quick ? 3_000 : 300_000)),
    soakRate: Number(get('soak-rate') ?? 10_000),
    scrapeBudgetMs: quick ? 3_000 : 20_000,
    // Quick mode keeps the load step, small, so that CI exercises it too.
    load: argv.includes('--no-load')
      ? undefined
      : quick
        ? { scrapers: 5, seconds: 3, namespaces: 100, policiesPerNamespace: 5, churnPerSecond: 20 }
        : DEFAULT_LOAD,
    exposure: argv.includes('--no-exposure') ? undefined : (get('exposure-size') ?? (quick ? 'S' : 'L')),
  };
}

function build(): void {
  // The children run compiled JavaScript, as in production: tsx's loader would add its own thread and memory.
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['-p', path.join(ROOT, 'bench', 'tsconfig.json')], { encoding: 'utf8' });
  // Type errors elsewhere in a tree others are editing do not stop emit; a missing output does.
  if (!existsSync(EXPORTER_MAIN) || !existsSync(BASELINE_MAIN))
    throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const mb = (bytes: number) => bytes / 1024 / 1024;

async function waitReady(child: Child, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await status(`${child.url}/readyz`)) === 200) return (performance.now() - child.spawnedAt) / 1000;
    await sleep(5);
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${child.output().slice(-2000)}`);
}

/** Sequential scrapes, identity then gzip, within a wall-clock budget; event-loop lag read from each body. */
async function scrapeSeries(url: string, s: Settings, minimum = 3) {
  const series = async (gzip: boolean) => {
    const out: Scrape[] = [];
    const start = performance.now();
    while (out.length < s.scrapes && (out.length < minimum || performance.now() - start < s.scrapeBudgetMs)) {
      const r = await scrape(`${url}/metrics`, { gzip });
      if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
      out.push(r);
    }
    return out;
  };
  const plain = await series(false);
  const gzipped = await series(true);
  const ms = plain.map((r) => r.ms);
  const gzMs = gzipped.map((r) => r.ms);
  // prom-client resets its event-loop histogram on every collect: each body reports the interval since the last scrape.
  const lagMax = Math.max(...plain.map((r) => sampleValue(r.body, 'nodejs_eventloop_lag_max_seconds')));
  const lagP99 = Math.max(...plain.map((r) => sampleValue(r.body, 'nodejs_eventloop_lag_p99_seconds')));
  return {
    scrapes: plain.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    gzipScrapes: gzipped.length,
    gzipP50: percentile(gzMs, 50),
    gzipP99: percentile(gzMs, 99),
    bytes: plain.at(-1)?.bytes ?? 0,
    gzipBytes: gzipped.at(-1)?.bytes ?? 0,
    eventLoopLagMaxMs: lagMax * 1000,
    eventLoopLagP99Ms: lagP99 * 1000,
    seriesLines: (plain.at(-1)?.body.match(/^netpol_namespace_/gm) ?? []).length,
  };
}

function apiRequests(sim: SimulatedCluster): number {
  return Object.entries(sim.requestCounts())
    .filter(([key]) => !key.startsWith('watch'))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Waits until /metrics shows `line`; returns ms from `since`, and the scrape times spent waiting. */
async function waitForLine(url: string, line: string, since: number, timeoutMs = 30_000) {
  const scrapes: number[] = [];
  for (;;) {
    const r = await scrape(`${url}/metrics`);
    scrapes.push(r.ms);
    if (r.body.includes(line)) return { ms: performance.now() - since, scrapes, body: r.body };
    if (performance.now() - since > timeoutMs)
      throw new Error(`not seen within ${timeoutMs} ms: ${line.trim()}`);
    await sleep(2);
  }
}

function seededNamespaces(sim: SimulatedCluster): string[] {
  return sim
    .list('namespaces')
    .map((n) => n.metadata.name ?? '')
    .filter((n) => n.startsWith('ns-'));
}

/** Steady churn at 500 events/s until stopped (balanced, so the cluster keeps its size). */
function steadyChurn(sim: SimulatedCluster): { stop(): Promise<unknown> } {
  const controller = new AbortController();
  const running = soak(sim, {
    events: Number.MAX_SAFE_INTEGER,
    eventsPerSecond: 500,
    namespaces: seededNamespaces(sim),
    signal: controller.signal,
  });
  return {
    stop: () => {
      controller.abort();
      return running;
    },
  };
}

async function freshness(sim: SimulatedCluster, url: string, s: Settings) {
  sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-fresh' } });
  await waitForLine(url, 'netpol_namespace_network_policies{namespace="bench-fresh"} 0\n', performance.now());
  await sleep(s.quick ? 200 : 1000);
  const latencies: number[] = [];
  const scrapeMs: number[] = [];
  const lags: number[] = [];
  const deadline = performance.now() + (s.quick ? 5_000 : 40_000);
  for (let i = 0; i < s.freshnessSamples && performance.now() < deadline; i++) {
    const create = i % 2 === 0;
    const t0 = performance.now();
    if (create)
      sim.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'fresh', namespace: 'bench-fresh' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
    else sim.delete('networkpolicies', 'bench-fresh', 'fresh');
    const seen = await waitForLine(
      url,
      `netpol_namespace_network_policies{namespace="bench-fresh"} ${create ? 1 : 0}\n`,
      t0,
    );
    latencies.push(seen.ms);
    scrapeMs.push(...seen.scrapes);
    lags.push(sampleValue(seen.body, 'nodejs_eventloop_lag_max_seconds') * 1000);
    await sleep(20 + Math.random() * 60);
  }
  return {
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    scrapesUnderChurn: scrapeMs.length,
    scrapeP50UnderChurn: percentile(scrapeMs, 50),
    scrapeP99UnderChurn: percentile(scrapeMs, 99),
    eventLoopLagMaxMs: Math.max(...lags),
  };
}

async function exporterEvents(url: string): Promise<number> {
  const body = (await scrape(`${url}/metrics`)).body;
  return (
    sampleValue(body, 'netpol_exporter_events_total', 'type="added"') +
    sampleValue(body, 'netpol_exporter_events_total', 'type="modified"') +
    sampleValue(body, 'netpol_exporter_events_total', 'type="deleted"')
  );
}

async function cpuPerThousandEvents(child: Child, seconds: number) {
  const pid = child.proc.pid ?? 0;
  const events0 = await exporterEvents(child.url);
  const cpu0 = cpuSeconds(pid);
  await sleep(seconds * 1000);
  const cpu1 = cpuSeconds(pid);
  const events1 = await exporterEvents(child.url);
  const events = events1 - events0;
  return {
    events,
    cpuSeconds: cpu1 - cpu0,
    perThousand: events > 0 ? ((cpu1 - cpu0) / events) * 1000 : Number.NaN,
  };
}

/** Everything has been handled once a sentinel written after it, on each watched resource, is on /metrics. */
async function sentinel(sim: SimulatedCluster, url: string, tag: string): Promise<void> {
  const ns = `bench-sentinel-${tag}`;
  sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  sim.create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'sentinel', namespace: ns },
    spec: { podSelector: {} },
  });
  await waitForLine(
    url,
    `netpol_namespace_network_policies{namespace="${ns}"} 1\n`,
    performance.now(),
    300_000,
  );
}

/** RSS as found, then heap and RSS after a forced full GC (what is still alive, and what V8 hands back). */
async function memory(child: Child) {
  const rssMb = mb(rssBytes(child.proc.pid ?? 0));
  const heapAfterGcMb = mb(await heapAfterGc(child));
  return { rssMb, heapAfterGcMb, rssAfterGcMb: mb(rssBytes(child.proc.pid ?? 0)) };
}

async function benchOurs(
  sim: SimulatedCluster,
  kubeconfig: string,
  size: Size,
  s: Settings,
): Promise<ImplResult> {
  log(`${size.name}: exporter starting`);
  const child = await startChild(EXPORTER_MAIN, [
    'serve',
    `--kubeconfig=${kubeconfig}`,
    '--web.listen-address=127.0.0.1:0',
    ...size.exporterFlags,
  ]);
  try {
    const readySeconds = await waitReady(child);
    const afterSync = await memory(child);
    log(`${size.name}: exporter ready in ${readySeconds.toFixed(2)} s; scraping`);
    sim.resetRequestCounts();
    const scrapes = await scrapeSeries(child.url, s);
    const requestsPerScrape = apiRequests(sim) / (scrapes.scrapes + scrapes.gzipScrapes);
    log(`${size.name}: freshness under churn at 500 events/s`);
    const churn = steadyChurn(sim);
    let fresh: Awaited<ReturnType<typeof freshness>>;
    let cpu: Awaited<ReturnType<typeof cpuPerThousandEvents>>;
    try {
      fresh = await freshness(sim, child.url, s);
      cpu = await cpuPerThousandEvents(child, s.cpuWindowSeconds);
    } finally {
      await churn.stop();
    }
    await sentinel(sim, child.url, 'churn');
    const beforeSoak = await memory(child);
    log(`${size.name}: soak, ${s.soakEvents} events at up to ${s.soakRate}/s`);
    const pid = child.proc.pid ?? 0;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const driven = await soak(sim, {
      events: s.soakEvents,
      eventsPerSecond: s.soakRate,
      namespaces: seededNamespaces(sim),
    });
    await sentinel(sim, child.url, 'soak');
    const caughtUpSeconds = (performance.now() - t0) / 1000;
    const soakCpu = cpuSeconds(pid) - cpu0;
    const afterSoak = await memory(child);
    return {
      implementation: 'netpol-exporter',
      readySeconds,
      rssAfterSyncMb: afterSync.rssMb,
      rssAfterSyncGcMb: afterSync.rssAfterGcMb,
      heapAfterSyncMb: afterSync.heapAfterGcMb,
      ...scrapes,
      apiRequestsPerScrape: requestsPerScrape,
      freshness: fresh,
      cpuPerThousandEvents: cpu.perThousand,
      cpuWindow: cpu,
      soak: {
        events: driven.events,
        drivenSeconds: driven.seconds,
        caughtUpSeconds,
        eventsPerSecondHandled: driven.events / caughtUpSeconds,
        cpuPerThousandEvents: (soakCpu / driven.events) * 1000,
        rssBeforeMb: beforeSoak.rssMb,
        rssAfterMb: afterSoak.rssMb,
        rssAfterGcBeforeMb: beforeSoak.rssAfterGcMb,
        rssAfterGcAfterMb: afterSoak.rssAfterGcMb,
        heapBeforeMb: beforeSoak.heapAfterGcMb,
        heapAfterMb: afterSoak.heapAfterGcMb,
      },
    };
  } catch (err) {
    process.stderr.write(child.output().slice(-3000));
    throw err;
  } finally {
    await child.stop();
  }
}

async function benchBaseline(
  sim: SimulatedCluster,
  kubeconfig: string,
  size: Size,
  kind: 'obvious' | 'list-on-scrape',
  s: Settings,
): Promise<ImplResult> {
  log(`${size.name}: baseline ${kind}`);
  const child = await startChild(BASELINE_MAIN, [`--kind=${kind}`, `--kubeconfig=${kubeconfig}`]);
  try {
    const readySeconds = await waitReady(child);
    const afterSync = await memory(child);
    sim.resetRequestCounts();
    const scrapes = await scrapeSeries(child.url, s);
    const requestsPerScrape = apiRequests(sim) / (scrapes.scrapes + scrapes.gzipScrapes);
    const afterScrapes = await memory(child);
    return {
      implementation: kind,
      readySeconds,
      rssAfterSyncMb: afterSync.rssMb,
      rssAfterSyncGcMb: afterSync.rssAfterGcMb,
      heapAfterSyncMb: afterSync.heapAfterGcMb,
      rssAfterScrapesMb: afterScrapes.rssMb,
      ...scrapes,
      apiRequestsPerScrape: requestsPerScrape,
    };
  } finally {
    await child.stop();
  }
}

async function benchSize(size: Size, s: Settings, dir: string): Promise<SizeResult> {
  if (size.exporterFlags.some((f) => !Object.values(serveFlags).some((def) => `--${def.name}` === f)))
    return {
      size: size.name,
      skipped: `not yet measurable: the exporter has no ${size.exporterFlags.join(' ')} flag in this tree`,
      results: [],
    };
  const sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100 });
  try {
    const t0 = performance.now();
    const seeded = sim.seedScale({
      namespaces: size.namespaces,
      policiesPerNamespace: size.policiesPerNamespace,
      podsPerNamespace: size.podsPerNamespace,
      uncoveredEvery: 0,
    });
    log(
      `${size.name}: seeded ${JSON.stringify(seeded).slice(0, 80)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const kubeconfig = path.join(dir, `kubeconfig-${size.name}`);
    await sim.writeKubeconfig(kubeconfig);
    // Baselines first, on the cluster exactly as seeded; the exporter's churn phases come last.
    const obvious = await benchBaseline(sim, kubeconfig, size, 'obvious', s);
    const listOnScrape = await benchBaseline(sim, kubeconfig, size, 'list-on-scrape', s);
    const results = [await benchOurs(sim, kubeconfig, size, s), obvious, listOnScrape];
    return {
      size: size.name,
      namespaces: seeded.namespaces,
      policies: seeded.policies,
      pods: seeded.pods,
      results,
    };
  } finally {
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const s = parseSettings(argv);
  log('building the children (tsc -p bench/tsconfig.json)');
  build();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netpol-bench-'));
  const started = new Date();
  const sizes: SizeResult[] = [];
  let load: Awaited<ReturnType<typeof runLoad>> | undefined;
  let exposure: Awaited<ReturnType<typeof benchExposure>> | undefined;
  try {
    for (const name of s.sizes) sizes.push(await benchSize(SIZES[name] as Size, s, dir));
    if (s.exposure)
      exposure = await benchExposure({
        size: SIZES[s.exposure] as Size,
        quick: s.quick,
        exporterMain: EXPORTER_MAIN,
        buildDir: BUILD,
        kubeconfig: async (sim) => {
          const file = path.join(dir, 'kubeconfig-exposure');
          await sim.writeKubeconfig(file);
          return file;
        },
      });
    if (s.load) {
      log(`load: ${s.load.scrapers} scrapers for ${s.load.seconds} s at ${s.load.namespaces} namespaces`);
      load = await runLoad(s.load, log);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await closeClient();
  }
  const report = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    startedAt: started.toISOString(),
    durationSeconds: (Date.now() - started.getTime()) / 1000,
    machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    settings: s,
    sizes,
    load,
    exposure,
  };
  process.stdout.write(printTable(report.sizes));
  if (load) process.stdout.write(`\n${formatLoad(load)}\n`);
  if (exposure) process.stdout.write(`\n${formatExposure(exposure)}`);
  await mkdir(path.dirname(s.out), { recursive: true });
  await writeFile(s.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nwrote ${path.relative(process.cwd(), s.out)} (${report.durationSeconds.toFixed(0)} s)\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
