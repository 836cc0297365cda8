// `npm run bench [-- --sizes=S,M,L,L+pods,L+services] [--quick] [--no-load] [--reference=REV|--no-reference]
// [--out=FILE]` (sizes in bench/sizes.ts; S+services only when asked):
// the exporter against the obvious implementation and list-on-scrape, same simulated cluster, same run; then
// concurrent scrapers under churn against this exporter and an earlier revision (bench/load.ts). Every child runs
// compiled with production's Node flags, the exporter bundled as the image ships it. Prints a table with every
// target met or missed, writes JSON.
// Then `audit --manifests` over a generated monorepo manifest (bench/audit.ts; --audit-namespaces=N, --no-audit).
// `npm run bench -- --levers` measures each memory and CPU lever before and after instead (bench/levers.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { serveFlags } from '../src/cli/flags.ts';
import { type AuditResult, benchAudit, formatAudit } from './audit.ts';
import { benchExposure, type ExposureResult, formatExposure } from './exposure.ts';
import { DEFAULT_LOAD, type LoadOptions, type LoadReport, type LoadTarget, runLoad } from './load.ts';
import {
  afterForcedGc,
  type Child,
  cpuSeconds,
  machine,
  peakRssBytes,
  rssBytes,
  startChild,
} from './process.ts';
import { deploymentMemory, type Production, production } from './production-flags.ts';
import { buildReference, buildThisTree, REFERENCE_REVISION, thisTree } from './reference.ts';
import { percentile, type Scrape, ScrapeClient, sampleValue } from './scrape.ts';
import { DEFAULT_SIZES, SIZES, type Size, seedOptions } from './sizes.ts';
import { soak } from './soak.ts';
import { type ImplResult, loadAvg, printTable, type Report, type SizeResult } from './table.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The exporter runs as the image ships it: compiled, then bundled by scripts/bundle.ts (bench/reference.ts).
const { build: BUILD, main: EXPORTER_MAIN, compiled: COMPILED_MAIN } = thisTree(ROOT);
const BASELINE_MAIN = path.join(BUILD, 'bench', 'baselines', 'serve.js');
const GENERATOR = path.join(BUILD, 'bench', 'load-generator.js');
const MB = 1024 * 1024;

interface Settings {
  sizes: string[];
  quick: boolean;
  out: string;
  /** Scrapes per series, the same for every implementation of a size (after the warm-up). */
  scrapes: (size: Size) => number;
  warmup: number;
  /** RSS "steady" is taken this long after ready, with a scrape a second meanwhile. */
  steadySeconds: number;
  freshnessSamples: number;
  cpuWindowSeconds: number;
  soakEvents: number;
  soakRate: number;
  /** Concurrent scrapers under churn; undefined with --no-load. */
  load: LoadOptions | undefined;
  /** The earlier revision the load step compares with; undefined with --no-reference (and in --quick). */
  reference: string | undefined;
  /** The size the exposure step runs at (bench/exposure.ts); undefined with --no-exposure. */
  exposure: string | undefined;
  /** Namespaces in the manifest the audit step reads (bench/audit.ts); undefined with --no-audit. */
  audit: number | undefined;
}

function parseSettings(argv: string[]): Settings {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const quick = argv.includes('--quick');
  const sizes = (get('sizes') ?? (quick ? 'S' : DEFAULT_SIZES.join(','))).split(',').filter(Boolean);
  for (const s of sizes)
    if (!SIZES[s]) throw new Error(`unknown size ${s} (${Object.keys(SIZES).join(', ')})`);
  const scrapes = get('scrapes');
  return {
    sizes,
    quick,
    out: path.resolve(get('out') ?? path.join(ROOT, 'bench', 'results', 'latest.json')),
    // list-on-scrape takes seconds per scrape at L: fewer samples there, but as many for every implementation.
    scrapes: (size) =>
      scrapes
        ? Number(scrapes)
        : quick
          ? 20
          : size.namespaces >= 10_000
            ? 30
            : size.namespaces >= 1_000
              ? 100
              : 200,
    warmup: quick ? 2 : 5,
    steadySeconds: Number(get('steady-seconds') ?? (quick ? 5 : 60)),
    freshnessSamples: quick ? 10 : 100,
    cpuWindowSeconds: quick ? 1 : 10,
    // Ten minutes of churn at 500 events/s, compressed.
    soakEvents: Number(get('soak-events') ?? (quick ? 3_000 : 300_000)),
    soakRate: Number(get('soak-rate') ?? 10_000),
    // Quick mode keeps the load step, small, so that CI exercises it too.
    load: argv.includes('--no-load')
      ? undefined
      : quick
        ? { scrapers: 5, seconds: 3, namespaces: 100, policiesPerNamespace: 5, churnPerSecond: 20 }
        : DEFAULT_LOAD,
    exposure: argv.includes('--no-exposure') ? undefined : (get('exposure-size') ?? (quick ? 'S' : 'L')),
    audit: argv.includes('--no-audit')
      ? undefined
      : Number(get('audit-namespaces') ?? (quick ? 2000 : 24000)),
    reference:
      argv.includes('--no-reference') || (quick && !get('reference'))
        ? undefined
        : (get('reference') ?? REFERENCE_REVISION),
  };
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const mb = (bytes: number) => bytes / MB;

async function waitReady(client: ScrapeClient, child: Child, timeoutMs = 180_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await client.status(`${child.url}/readyz`)) === 200)
      return (performance.now() - child.spawnedAt) / 1000;
    await sleep(5);
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${child.output().slice(-2000)}`);
}

/** Warm-up, then the same number of sequential scrapes identity and gzip; event-loop lag read from each body. */
async function scrapeSeries(client: ScrapeClient, url: string, count: number, warmup: number) {
  const series = async (gzip: boolean) => {
    for (let i = 0; i < warmup; i++) await client.scrape(`${url}/metrics`, { gzip });
    const out: Scrape[] = [];
    while (out.length < count) {
      const r = await client.scrape(`${url}/metrics`, { gzip });
      if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
      out.push(r);
    }
    return out;
  };
  const plain = await series(false);
  const gzipped = await series(true);
  const ms = plain.map((r) => r.ms);
  const gzMs = gzipped.map((r) => r.ms);
  // Each body reports the event-loop delay over the interval since the statistics were last taken.
  const lag = (name: string) => Math.max(...plain.map((r) => sampleValue(r.body, name)));
  const last = plain.at(-1)?.body.toString('utf8') ?? '';
  return {
    scrapes: plain.length,
    warmup,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    gzipScrapes: gzipped.length,
    gzipP50: percentile(gzMs, 50),
    gzipP99: percentile(gzMs, 99),
    bytes: plain.at(-1)?.bytes ?? 0,
    gzipBytes: gzipped.at(-1)?.bytes ?? 0,
    eventLoopLagMaxMs: lag('nodejs_eventloop_lag_max_seconds') * 1000,
    seriesLines: (last.match(/^netpol_namespace_/gm) ?? []).length,
  };
}

/** The process's own view of its memory, from its /metrics: V8 heap used and total, and external memory. */
async function selfReported(client: ScrapeClient, url: string) {
  const body = (await client.scrape(`${url}/metrics`)).body;
  return {
    heapUsedMb: mb(sampleValue(body, 'nodejs_heap_size_used_bytes')),
    heapTotalMb: mb(sampleValue(body, 'nodejs_heap_size_total_bytes')),
    externalMb: mb(sampleValue(body, 'nodejs_external_memory_bytes')),
  };
}

function apiRequests(sim: SimulatedCluster): number {
  return Object.entries(sim.requestCounts())
    .filter(([key]) => !key.startsWith('watch'))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Scrapes back to back until one shows `line`; returns that scrape and every scrape's duration. */
async function firstScrapeShowing(
  client: ScrapeClient,
  url: string,
  line: string,
  since: number,
  timeoutMs = 30_000,
) {
  const needle = Buffer.from(line);
  const durations: number[] = [];
  for (;;) {
    const r = await client.scrape(`${url}/metrics`);
    durations.push(r.ms);
    if (r.body.includes(needle)) return { scrape: r, durations };
    if (performance.now() - since > timeoutMs)
      throw new Error(`not seen within ${timeoutMs} ms: ${line.trim()}`);
  }
}

function seededNamespaces(sim: SimulatedCluster): string[] {
  return sim
    .list('namespaces')
    .map((n) => n.metadata.name ?? '')
    .filter((n) => n.startsWith('ns-'));
}

/** Steady churn at 500 events/s until stopped (balanced, so the cluster keeps its size). */
function steadyChurn(sim: SimulatedCluster, tag: string): { stop(): Promise<unknown> } {
  const controller = new AbortController();
  const running = soak(sim, {
    events: Number.MAX_SAFE_INTEGER,
    eventsPerSecond: 500,
    namespaces: seededNamespaces(sim),
    signal: controller.signal,
    tag,
  });
  return {
    stop: async () => {
      controller.abort();
      const done = await running;
      if (done.failed > done.events / 10)
        throw new Error(`churn: ${done.failed} of ${done.events} writes failed`);
      return done;
    },
  };
}

/**
 * Apply latency: a policy is created or deleted, and a probe on its own connection scrapes back to back; the
 * figure is the write to the START of the first scrape showing it (an upper bound on the exporter's own delay, at
 * most one scrape duration above it). Scrape durations are reported beside it, not folded in.
 */
async function freshness(sim: SimulatedCluster, url: string, s: Settings) {
  const probe = new ScrapeClient(1);
  try {
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-fresh' } });
    await firstScrapeShowing(
      probe,
      url,
      'netpol_namespace_network_policies{namespace="bench-fresh"} 0\n',
      performance.now(),
    );
    await sleep(s.quick ? 200 : 1000);
    const apply: number[] = [];
    const durations: number[] = [];
    const lags: number[] = [];
    const deadline = performance.now() + (s.quick ? 5_000 : 60_000);
    for (let i = 0; i < s.freshnessSamples && performance.now() < deadline; i++) {
      const create = i % 2 === 0;
      const written = performance.now();
      if (create)
        sim.create({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'fresh', namespace: 'bench-fresh' },
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        });
      else sim.delete('networkpolicies', 'bench-fresh', 'fresh');
      const seen = await firstScrapeShowing(
        probe,
        url,
        `netpol_namespace_network_policies{namespace="bench-fresh"} ${create ? 1 : 0}\n`,
        written,
      );
      apply.push(Math.max(0, seen.scrape.startedAt - written));
      durations.push(...seen.durations);
      lags.push(sampleValue(seen.scrape.body, 'nodejs_eventloop_lag_max_seconds') * 1000);
      await sleep(20 + Math.random() * 60);
    }
    return {
      samples: apply.length,
      applyP50: percentile(apply, 50),
      applyP99: percentile(apply, 99),
      applyMax: Math.max(...apply),
      scrapesUnderChurn: durations.length,
      scrapeP50UnderChurn: percentile(durations, 50),
      scrapeP99UnderChurn: percentile(durations, 99),
      eventLoopLagMaxMs: Math.max(...lags),
    };
  } finally {
    await probe.close();
  }
}

/** Watch events handled so far (added, modified, deleted; every resource), from a scrape's body. */
function exporterEvents(body: Buffer): number {
  const text = body.toString('utf8');
  // A type not seen yet has no series.
  return ['added', 'modified', 'deleted']
    .map((type) => sampleValue(text, 'netpol_exporter_events_total', `type="${type}"`))
    .reduce((sum, n) => sum + (Number.isNaN(n) ? 0 : n), 0);
}

async function cpuPerThousandEvents(client: ScrapeClient, child: Child, seconds: number) {
  const events0 = exporterEvents(await metricsText(client, child.url));
  const cpu0 = cpuSeconds(child.pid);
  await sleep(seconds * 1000);
  const cpu1 = cpuSeconds(child.pid);
  const events = exporterEvents(await metricsText(client, child.url)) - events0;
  return {
    events,
    cpuSeconds: cpu1 - cpu0,
    perThousand: events > 0 ? ((cpu1 - cpu0) / events) * 1000 : Number.NaN,
  };
}

/** Watch restarts so far by `resource reason` (netpol_exporter_watch_restarts_total), from a scrape's body. */
function watchRestarts(body: Buffer): Record<string, number> {
  const out: Record<string, number> = {};
  const text = body.toString('utf8');
  for (const m of text.matchAll(
    /^netpol_exporter_watch_restarts_total\{resource="([^"]*)",reason="([^"]*)"\} (\d+)$/gm,
  ))
    out[`${m[1]} ${m[2]}`] = Number(m[3]);
  return out;
}

/** What grew from `before` to `after`: the watch restarts of one phase. */
function restartsSince(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) if (n > (before[key] ?? 0)) out[key] = n - (before[key] ?? 0);
  return out;
}

const describeRestarts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

/** A gzip scrape, as Prometheus asks, unzipped. */
async function metricsText(client: ScrapeClient, url: string): Promise<Buffer> {
  const r = await client.scrape(`${url}/metrics`, { gzip: true });
  return r.body[0] === 0x1f ? gunzipSync(r.body) : r.body;
}

/** Without an event handled for this long, a sentinel not yet seen will not be: the exporter is stuck. */
const SENTINEL_STALL_MS = 120_000;
/** However much progress: a backlog this old is a failure of its own. */
const SENTINEL_MAX_MS = 1_800_000;

/**
 * Everything has been handled once a sentinel written after it, on each watched resource, is on /metrics. Polled
 * with a gzip scrape a second, as a fast Prometheus would (back-to-back identity scrapes of 16 MB at L took the
 * exporter's CPU from the backlog it was catching up on). A loaded machine only slows the catch-up: the wait lasts
 * while events are being handled, and ends in an error naming the watch restarts once none has been for
 * SENTINEL_STALL_MS (a relist loop, a watch that stopped).
 */
async function sentinel(
  client: ScrapeClient,
  sim: SimulatedCluster,
  url: string,
  tag: string,
): Promise<{ scrapes: number; restarts: Record<string, number> }> {
  const ns = `bench-sentinel-${tag}`;
  const needle = Buffer.from(`netpol_namespace_network_policies{namespace="${ns}"} 1\n`);
  const start = performance.now();
  const restarts0 = watchRestarts(await metricsText(client, url));
  sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  sim.create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'sentinel', namespace: ns },
    spec: { podSelector: {} },
  });
  let handled = -1;
  let progressAt = performance.now();
  for (let scrapes = 1; ; scrapes++) {
    const polled = performance.now();
    const body = await metricsText(client, url);
    if (body.includes(needle)) return { scrapes, restarts: watchRestarts(body) };
    const events = exporterEvents(body);
    if (events > handled) {
      handled = events;
      progressAt = performance.now();
    }
    const stalled = performance.now() - progressAt > SENTINEL_STALL_MS;
    if (stalled || performance.now() - start > SENTINEL_MAX_MS)
      throw new Error(
        `sentinel ${ns} not seen within ${((performance.now() - start) / 1000).toFixed(0)} s (${stalled ? `no event handled for ${SENTINEL_STALL_MS / 1000} s` : 'still catching up'}; ${handled} events handled; watch restarts meanwhile: ${describeRestarts(restartsSince(restarts0, watchRestarts(body)))})`,
      );
    await sleep(Math.max(0, 1000 - (performance.now() - polled)));
  }
}

/** Light scraping (a gzip scrape a second) until `until`, as a fast Prometheus would. */
async function scrapeUntil(client: ScrapeClient, url: string, until: number): Promise<void> {
  while (performance.now() < until) {
    await client.scrape(`${url}/metrics`, { gzip: true });
    await sleep(Math.min(1000, Math.max(0, until - performance.now())));
  }
}

async function benchOurs(
  sim: SimulatedCluster,
  kubeconfig: string,
  size: Size,
  s: Settings,
  prod: Production,
): Promise<ImplResult> {
  log(`${size.name}: exporter starting`);
  const client = new ScrapeClient(1);
  const child = await startChild(
    EXPORTER_MAIN,
    ['serve', `--kubeconfig=${kubeconfig}`, '--web.listen-address=127.0.0.1:0', ...size.exporterFlags],
    prod,
  );
  try {
    const readySeconds = await waitReady(client, child);
    const readyAt = performance.now();
    const rssReadyMb = mb(rssBytes(child.pid));
    log(`${size.name}: exporter ready in ${readySeconds.toFixed(2)} s; scraping`);
    sim.resetRequestCounts();
    const scrapes = await scrapeSeries(client, child.url, s.scrapes(size), s.warmup);
    const requestsPerScrape = apiRequests(sim) / (scrapes.scrapes + scrapes.gzipScrapes + 2 * s.warmup);
    const rssAfterScrapesMb = mb(rssBytes(child.pid));
    log(`${size.name}: steady: scraping once a second until ${s.steadySeconds} s after ready`);
    await scrapeUntil(client, child.url, readyAt + s.steadySeconds * 1000);
    const rssSteadyMb = mb(rssBytes(child.pid));
    const peakSteadyMb = mb(peakRssBytes(child.pid));
    const own = await selfReported(client, child.url);
    const gc = await afterForcedGc(child);
    log(`${size.name}: apply latency under churn at 500 events/s`);
    const churn = steadyChurn(sim, `f${size.name.toLowerCase().replace(/\W/g, '')}`);
    let fresh: Awaited<ReturnType<typeof freshness>>;
    let cpu: Awaited<ReturnType<typeof cpuPerThousandEvents>>;
    try {
      fresh = await freshness(sim, child.url, s);
      cpu = await cpuPerThousandEvents(client, child, s.cpuWindowSeconds);
    } finally {
      await churn.stop();
    }
    const before = await sentinel(client, sim, child.url, 'churn');
    const rssBeforeSoakMb = mb(rssBytes(child.pid));
    log(`${size.name}: soak, ${s.soakEvents} events at up to ${s.soakRate}/s`);
    const cpu0 = cpuSeconds(child.pid);
    const t0 = performance.now();
    const driven = await soak(sim, {
      events: s.soakEvents,
      eventsPerSecond: s.soakRate,
      namespaces: seededNamespaces(sim),
      tag: `s${size.name.toLowerCase().replace(/\W/g, '')}`,
    });
    if (driven.failed > driven.events / 10)
      throw new Error(`soak: ${driven.failed} of ${driven.events} writes failed`);
    log(
      `${size.name}: soak driven in ${driven.seconds.toFixed(0)} s; waiting for the exporter to catch up (load average ${loadAvg(os.loadavg())})`,
    );
    const after = await sentinel(client, sim, child.url, 'soak');
    const caughtUpSeconds = (performance.now() - t0) / 1000;
    const soakCpu = cpuSeconds(child.pid) - cpu0;
    const soakRestarts = restartsSince(before.restarts, after.restarts);
    log(
      `${size.name}: caught up ${caughtUpSeconds.toFixed(0)} s after the soak began; watch restarts meanwhile: ${describeRestarts(soakRestarts)}`,
    );
    return {
      implementation: 'netpol-exporter',
      readySeconds,
      rssReadyMb,
      rssAfterScrapesMb,
      rssSteadyMb,
      peakRssMb: peakSteadyMb,
      ...own,
      rssAfterGcMb: mb(gc.rssBytes),
      heapAfterGcMb: mb(gc.heapBytes),
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
        rssBeforeMb: rssBeforeSoakMb,
        rssAfterMb: mb(rssBytes(child.pid)),
        peakRssMb: mb(peakRssBytes(child.pid)),
        watchRestarts: soakRestarts,
        loadAverage: os.loadavg(),
      },
    };
  } catch (err) {
    process.stderr.write(child.output().slice(-3000));
    throw err;
  } finally {
    await child.stop();
    await client.close();
  }
}

async function benchBaseline(
  sim: SimulatedCluster,
  kubeconfig: string,
  size: Size,
  kind: 'obvious' | 'list-on-scrape',
  s: Settings,
  prod: Production,
): Promise<ImplResult> {
  log(`${size.name}: baseline ${kind}`);
  const client = new ScrapeClient(1);
  const child = await startChild(BASELINE_MAIN, [`--kind=${kind}`, `--kubeconfig=${kubeconfig}`], prod);
  try {
    const readySeconds = await waitReady(client, child);
    const rssReadyMb = mb(rssBytes(child.pid));
    sim.resetRequestCounts();
    const scrapes = await scrapeSeries(client, child.url, s.scrapes(size), s.warmup);
    const requestsPerScrape = apiRequests(sim) / (scrapes.scrapes + scrapes.gzipScrapes + 2 * s.warmup);
    const rssAfterScrapesMb = mb(rssBytes(child.pid));
    const peakRssMb = mb(peakRssBytes(child.pid));
    const own = await selfReported(client, child.url);
    const gc = await afterForcedGc(child);
    return {
      implementation: kind,
      readySeconds,
      rssReadyMb,
      rssAfterScrapesMb,
      peakRssMb,
      ...own,
      rssAfterGcMb: mb(gc.rssBytes),
      heapAfterGcMb: mb(gc.heapBytes),
      ...scrapes,
      apiRequestsPerScrape: requestsPerScrape,
    };
  } finally {
    await child.stop();
    await client.close();
  }
}

async function benchSize(size: Size, s: Settings, dir: string, prod: Production): Promise<SizeResult> {
  if (size.exporterFlags.some((f) => !Object.values(serveFlags).some((def) => `--${def.name}` === f)))
    return {
      size: size.name,
      skipped: `not yet measurable: the exporter has no ${size.exporterFlags.join(' ')} flag in this tree`,
      results: [],
      loadAverage: os.loadavg(),
    };
  const sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100 });
  try {
    const t0 = performance.now();
    const seeded = sim.seedScale(seedOptions(size));
    log(
      `${size.name}: seeded ${JSON.stringify(seeded).slice(0, 80)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const kubeconfig = path.join(dir, `kubeconfig-${size.name}`);
    await sim.writeKubeconfig(kubeconfig);
    // Baselines first, on the cluster exactly as seeded; the exporter's churn phases come last. The baselines have
    // no pod isolation and watch no Services, so they are not run where the size is about pods or a variant of
    // another size (compared with that size's exporter instead).
    const baselines: ImplResult[] = [];
    if (size.podsPerNamespace === 0 && !size.comparedWith)
      for (const kind of ['obvious', 'list-on-scrape'] as const)
        baselines.push(await benchBaseline(sim, kubeconfig, size, kind, s, prod));
    const ours = await benchOurs(sim, kubeconfig, size, s, prod);
    return {
      size: size.name,
      namespaces: seeded.namespaces,
      policies: seeded.policies,
      pods: seeded.pods,
      services: seeded.services,
      ingresses: seeded.ingresses,
      results: [ours, ...baselines],
      loadAverage: os.loadavg(),
    };
  } finally {
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--levers')) {
    const { runLevers } = await import('./levers.ts');
    return runLevers(argv, ROOT);
  }
  const s = parseSettings(argv);
  const prod = production(ROOT);
  const { nodeFlags } = prod;
  log(
    `building the children (tsc -p bench/tsconfig.json, the exporter bundled as the image ships it); they run with ${nodeFlags.join(' ')} ${JSON.stringify(prod.env)}`,
  );
  await buildThisTree(ROOT);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netpol-bench-'));
  const started = new Date();
  const loadAverageAtStart = os.loadavg();
  const sizes: SizeResult[] = [];
  let load: LoadReport | undefined;
  let reference: Report['reference'];
  let exposure: ExposureResult | undefined;
  let audit: AuditResult | undefined;
  try {
    for (const name of s.sizes) sizes.push(await benchSize(SIZES[name] as Size, s, dir, prod));
    if (s.exposure) {
      if (!SIZES[s.exposure]) throw new Error(`unknown --exposure-size ${s.exposure}`);
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
    }
    if (s.audit) {
      log(`audit --manifests: ${s.audit} namespaces`);
      audit = await benchAudit({ namespaces: s.audit, dir, root: ROOT, main: COMPILED_MAIN });
    }
    if (s.load) {
      const targets: LoadTarget[] = [{ name: 'netpol-exporter', main: EXPORTER_MAIN }];
      if (s.reference) {
        const built = buildReference(ROOT, s.reference);
        reference = 'skipped' in built ? built : { revision: built.revision };
        if ('main' in built) targets.push({ name: `netpol-exporter@${built.revision}`, main: built.main });
        else log(`reference ${s.reference} not measured: ${built.skipped}`);
      }
      log(`load: ${s.load.scrapers} scrapers for ${s.load.seconds} s at ${s.load.namespaces} namespaces`);
      load = await runLoad(targets, GENERATOR, prod, s.load, log);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const report: Report = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    startedAt: started.toISOString(),
    durationSeconds: (Date.now() - started.getTime()) / 1000,
    machine: machine(loadAverageAtStart),
    nodeFlags,
    env: prod.env,
    deployment: deploymentMemory(ROOT),
    settings: { ...s, scrapes: Object.fromEntries(s.sizes.map((n) => [n, s.scrapes(SIZES[n] as Size)])) },
    sizes,
    load,
    reference,
    exposure,
    audit,
  };
  process.stdout.write(printTable(report));
  if (exposure) process.stdout.write(`\n${formatExposure(exposure)}`);
  if (audit) process.stdout.write(`\n${formatAudit(audit)}`);
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
