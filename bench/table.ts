// The printed report: memory per implementation and size (as found first, forced-GC figures second), scrape latency,
// the exporter under churn, the ratios (what survives a noisy machine), the load step, then every target as met or
// missed with its figure, and the Deployment's memory request and limit derived from the figures.
import type { AuditResult } from './audit.ts';
import type { ExposureResult } from './exposure.ts';
import { formatLoad, type LoadReport } from './load.ts';
import type { Machine } from './process.ts';
import { SIZES } from './sizes.ts';

export interface ImplResult {
  implementation: string;
  readySeconds: number;
  /** RSS as found: when /readyz first answers 200, after the scrape series, and (the exporter) steady. */
  rssReadyMb: number;
  rssAfterScrapesMb: number;
  rssSteadyMb?: number;
  peakRssMb: number;
  /** From the process's own /metrics at the same point (the exporter: steady; baselines: after scrapes). */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** After a memory-reducing GC forced through the inspector (secondary: no process does this on its own). */
  rssAfterGcMb: number;
  heapAfterGcMb: number;
  scrapes: number;
  warmup: number;
  p50: number;
  p99: number;
  gzipScrapes: number;
  gzipP50: number;
  gzipP99: number;
  bytes: number;
  gzipBytes: number;
  eventLoopLagMaxMs: number;
  seriesLines: number;
  apiRequestsPerScrape: number;
  freshness?: {
    samples: number;
    applyP50: number;
    applyP99: number;
    applyMax: number;
    scrapesUnderChurn: number;
    scrapeP50UnderChurn: number;
    scrapeP99UnderChurn: number;
    eventLoopLagMaxMs: number;
  };
  cpuPerThousandEvents?: number;
  cpuWindow?: { events: number; cpuSeconds: number };
  soak?: {
    events: number;
    drivenSeconds: number;
    caughtUpSeconds: number;
    eventsPerSecondHandled: number;
    cpuPerThousandEvents: number;
    rssBeforeMb: number;
    rssAfterMb: number;
    peakRssMb: number;
    /** Watch restarts from before the soak to its sentinel, by `resource reason` (closed: the server's timeout). */
    watchRestarts?: Record<string, number>;
    /** When the exporter had caught up. */
    loadAverage?: number[];
  };
}

export interface SizeResult {
  size: string;
  namespaces?: number;
  policies?: number;
  pods?: number;
  services?: number;
  ingresses?: number;
  skipped?: string;
  results: ImplResult[];
  loadAverage: number[];
}

export interface Report {
  command: string;
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  nodeFlags: string[];
  env: Record<string, string>;
  deployment: { request?: string; limit?: string };
  settings: unknown;
  sizes: SizeResult[];
  load: LoadReport | undefined;
  reference: { revision: string } | { revision: string; skipped: string } | undefined;
  /** The exposure step (bench/exposure.ts), printed after the table. */
  exposure?: ExposureResult | undefined;
  /** The audit step (bench/audit.ts): `audit --manifests` at a monorepo's size. */
  audit?: AuditResult | undefined;
}

const f = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
export const loadAvg = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

function grid(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r, ri) => {
      const line = r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
      const text = line.join('  ');
      return ri === 0 ? `${text}\n${'-'.repeat(text.length)}` : text;
    })
    .join('\n');
}

const mark = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');

/** Mi, rounded up to a multiple of `step`. */
const mebibytes = (mb: number, step: number) => Math.ceil(mb / step) * step;

/**
 * The request covers the steady working set, the limit the highest peak seen (start-up list, churn, the soak) and
 * half again. deploy/base runs without --pod-isolation, so it is sized from L; L+pods is what that flag needs.
 */
export function derivedMemory(
  sizes: SizeResult[],
  size: string,
): { request: number; limit: number; basis: string } | undefined {
  const ours = sizes
    .find((s) => s.size === size)
    ?.results.find((r) => r.implementation === 'netpol-exporter');
  if (!ours?.rssSteadyMb) return undefined;
  const peak = Math.max(ours.peakRssMb, ours.soak?.peakRssMb ?? 0, ours.rssSteadyMb);
  return {
    request: mebibytes(ours.rssSteadyMb * 1.1, 32),
    limit: mebibytes(peak * 1.5, 64),
    basis: `${size} steady ${f(ours.rssSteadyMb, 0)} MB + 10%; peak ${f(peak, 0)} MB x 1.5`,
  };
}

/**
 * Watch restarts of a soak other than `closed` (the API server ending a watch at its timeout, resumed from where it
 * was): each of those relists from scratch or reconnects after a failure.
 */
function relists(restarts: Record<string, number> | undefined): string {
  if (!restarts) return '-';
  const notable = Object.entries(restarts).filter(([key]) => !key.endsWith(' closed'));
  return notable.length === 0 ? '0' : notable.map(([key, n]) => `${key} ${n}`).join(', ');
}

/** `1.05x`: a over b, or `-` when either is missing. */
function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !(b > 0) ? '-' : `${f(a / b, 2)}x`;
}

/**
 * A variant (L+services) beside the size it varies (L), both measured in this run: each figure of the exporter and
 * the ratio, which survives the shared machine's noise better than either figure.
 */
export function besideTable(sizes: SizeResult[], variant: SizeResult): string | undefined {
  const spec = SIZES[variant.size];
  if (!spec?.comparedWith) return undefined;
  const exporter = (s: SizeResult | undefined) =>
    s?.results.find((r) => r.implementation === 'netpol-exporter');
  const base = sizes.find((s) => s.size === spec.comparedWith);
  const a = exporter(base);
  const b = exporter(variant);
  if (!a || !b) return `${variant.size} beside ${spec.comparedWith}: not both measured in this run`;
  const rows: [string, string, number | undefined, number | undefined, number][] = [
    ['ready', 's', a.readySeconds, b.readySeconds, 2],
    ['RSS steady', 'MB', a.rssSteadyMb, b.rssSteadyMb, 0],
    ['RSS peak', 'MB', a.peakRssMb, b.peakRssMb, 0],
    ['heap used (steady)', 'MB', a.heapUsedMb, b.heapUsedMb, 0],
    ['RSS after forced GC', 'MB', a.rssAfterGcMb, b.rssAfterGcMb, 0],
    ['apply p50 (500 events/s)', 'ms', a.freshness?.applyP50, b.freshness?.applyP50, 1],
    ['apply p99 (500 events/s)', 'ms', a.freshness?.applyP99, b.freshness?.applyP99, 1],
    ['probe scrape p50 (churn)', 'ms', a.freshness?.scrapeP50UnderChurn, b.freshness?.scrapeP50UnderChurn, 1],
    ['/metrics gzip p50', 'ms', a.gzipP50, b.gzipP50, 2],
    ['/metrics identity p50', 'ms', a.p50, b.p50, 1],
    ['body', 'KB', a.bytes / 1024, b.bytes / 1024, 0],
    ['CPU per 1k events (500/s)', 's', a.cpuPerThousandEvents, b.cpuPerThousandEvents, 3],
    ['CPU per 1k events (soak)', 's', a.soak?.cpuPerThousandEvents, b.soak?.cpuPerThousandEvents, 3],
    ['soak peak RSS', 'MB', a.soak?.peakRssMb, b.soak?.peakRssMb, 0],
  ];
  const ingresses = variant.ingresses ?? 0;
  const cluster = `${variant.services ?? 0} Services, ${ingresses} Ingress${ingresses === 1 ? '' : 'es'}`;
  return [
    `${variant.size} beside ${spec.comparedWith} (the same cluster plus ${cluster}; netpol-exporter, this run; ratio = ${variant.size} / ${spec.comparedWith}):`,
    grid([
      ['figure', 'unit', spec.comparedWith, variant.size, 'ratio'],
      ...rows.map(([name, unit, x, y, digits]) => [name, unit, f(x, digits), f(y, digits), ratio(y, x)]),
    ]),
  ].join('\n');
}

export function printTable(report: Report): string {
  const { sizes } = report;
  const out = [
    `Machine: ${report.machine.cpus} CPUs, Node ${report.machine.node}, load average ${loadAvg(report.machine.loadAverageAtStart)} at start, ${loadAvg(report.machine.loadAverageAtEnd)} at end. Children run compiled with ${report.nodeFlags.join(' ')} and ${Object.entries(
      report.env,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}.`,
    '',
    "Memory (MB). RSS as found: at ready, after the scrape series, steady (the exporter: scraped once a second until 60 s after ready), and the peak (VmHWM); heap and external from the process's own /metrics at that point; then RSS and live heap after a forced memory-reducing GC (secondary):",
  ];
  const memory: string[][] = [
    [
      'size',
      'implementation',
      'ready s',
      'RSS ready',
      'after scrapes',
      'steady',
      'peak',
      'heap used/total',
      'external',
      'RSS gc',
      'heap gc',
    ],
  ];
  const latency: string[][] = [
    [
      'size',
      'implementation',
      'samples',
      'p50 ms',
      'p99 ms',
      'gzip p50',
      'gzip p99',
      'body KB',
      'gzip KB',
      'API req/scrape',
      'loop lag max ms',
    ],
  ];
  for (const size of sizes) {
    if (size.skipped) continue;
    for (const r of size.results) {
      memory.push([
        size.size,
        r.implementation,
        f(r.readySeconds, 2),
        f(r.rssReadyMb, 0),
        f(r.rssAfterScrapesMb, 0),
        f(r.rssSteadyMb, 0),
        f(r.peakRssMb, 0),
        `${f(r.heapUsedMb, 0)}/${f(r.heapTotalMb, 0)}`,
        f(r.externalMb, 0),
        f(r.rssAfterGcMb, 0),
        f(r.heapAfterGcMb, 0),
      ]);
      latency.push([
        size.size,
        r.implementation,
        `${r.scrapes}+${r.warmup} warm-up`,
        f(r.p50, 2),
        f(r.p99, 2),
        f(r.gzipP50, 2),
        f(r.gzipP99, 2),
        f(r.bytes / 1024, 0),
        f(r.gzipBytes / 1024, 0),
        f(r.apiRequestsPerScrape, 1),
        f(r.eventLoopLagMaxMs, 1),
      ]);
    }
  }
  out.push(
    grid(memory),
    '',
    '/metrics latency, sequential scrapes on one keep-alive connection, to the last byte (identity, then gzip):',
    grid(latency),
    '',
  );

  const own: string[][] = [
    [
      'size',
      'cluster',
      'apply p50/p99 ms',
      'probe scrape p50/p99 ms',
      'CPU s/1k ev @500/s',
      'soak events',
      'caught up s',
      'handled ev/s',
      'CPU s/1k ev soak',
      'RSS before->after soak',
      'peak',
      'relists in soak',
      'load avg',
    ],
  ];
  const ratios: string[][] = [
    [
      'size',
      'versus',
      'p50 ratio',
      'gzip p50 ratio',
      'p99 ratio',
      'RSS ratio (after scrapes)',
      'API req/scrape',
    ],
  ];
  for (const size of sizes) {
    if (size.skipped) {
      out.push(`${size.size}: ${size.skipped}`);
      continue;
    }
    const ours = size.results.find((r) => r.implementation === 'netpol-exporter');
    if (!ours) continue;
    own.push([
      size.size,
      `${size.namespaces} ns, ${size.policies} pol${size.pods ? `, ${size.pods} pods` : ''}${size.services ? `, ${size.services} svc, ${size.ingresses ?? 0} ing` : ''}`,
      `${f(ours.freshness?.applyP50)}/${f(ours.freshness?.applyP99)}`,
      `${f(ours.freshness?.scrapeP50UnderChurn, 2)}/${f(ours.freshness?.scrapeP99UnderChurn, 2)}`,
      f(ours.cpuPerThousandEvents, 3),
      String(ours.soak?.events ?? '-'),
      f(ours.soak?.caughtUpSeconds, 0),
      f(ours.soak?.eventsPerSecondHandled, 0),
      f(ours.soak?.cpuPerThousandEvents, 3),
      `${f(ours.soak?.rssBeforeMb, 0)}->${f(ours.soak?.rssAfterMb, 0)}`,
      f(ours.soak?.peakRssMb, 0),
      relists(ours.soak?.watchRestarts),
      loadAvg(size.loadAverage),
    ]);
    for (const other of size.results.filter((r) => r !== ours)) {
      ratios.push([
        size.size,
        other.implementation,
        `${f(other.p50 / ours.p50)}x`,
        `${f(other.gzipP50 / ours.gzipP50)}x`,
        `${f(other.p99 / ours.p99)}x`,
        `${f(other.rssAfterScrapesMb / ours.rssAfterScrapesMb, 2)}x`,
        `${f(other.apiRequestsPerScrape, 1)} vs ${f(ours.apiRequestsPerScrape, 1)}`,
      ]);
    }
  }
  out.push(
    "netpol-exporter under churn at 500 events/s (apply: API write to the start of the first scrape showing it, probed back to back on its own connection; the probe's scrape durations beside it):",
    grid(own),
    '',
    'Ratios (how many times slower or bigger than netpol-exporter):',
    grid(ratios),
  );
  for (const variant of sizes) {
    const text = besideTable(sizes, variant);
    if (text) out.push('', text);
  }
  if (report.load) out.push('', formatLoad(report.load));

  const ours = (name: string) =>
    sizes.find((s) => s.size === name)?.results.find((r) => r.implementation === 'netpol-exporter');
  const small = ours('S');
  const large = ours('L');
  const pods = ours('L+pods');
  const services = ours('L+services');
  const loadOurs = report.load?.results.find((r) => r.implementation === 'netpol-exporter');
  const loadRef = report.load?.results.find((r) => r.implementation.startsWith('netpol-exporter@'));
  const lines = ['', 'Targets (in this run):'];
  const target = (text: string, ok: boolean | undefined) => lines.push(`  ${mark(ok)}: ${text}`);
  if (large) {
    target(
      `L steady RSS as found ${f(large.rssSteadyMb, 0)} MB < 200 MB (peak ${f(large.peakRssMb, 0)}, after forced GC ${f(large.rssAfterGcMb, 0)})`,
      (large.rssSteadyMb ?? Infinity) < 200,
    );
    target(`L /metrics p50 ${f(large.p50, 2)} ms < 10 ms`, large.p50 < 10);
    target(`L gzip /metrics p50 ${f(large.gzipP50, 2)} ms < 10 ms`, large.gzipP50 < 10);
    target(
      `L apply latency p99 ${f(large.freshness?.applyP99)} ms < 50 ms at 500 events/s (probe scrape p50 ${f(large.freshness?.scrapeP50UnderChurn)} ms)`,
      (large.freshness?.applyP99 ?? Infinity) < 50,
    );
    target(
      `L API requests per scrape ${f(large.apiRequestsPerScrape, 1)} = 0`,
      large.apiRequestsPerScrape === 0,
    );
  } else lines.push('  L not run');
  if (pods)
    target(
      `L+pods (200,000 metadata-only pods) steady RSS ${f(pods.rssSteadyMb, 0)} MB < 350 MB`,
      (pods.rssSteadyMb ?? Infinity) < 350,
    );
  else lines.push('  L+pods not run');
  if (services) {
    target(
      `L+services (two Services per namespace, an Ingress per hundred) steady RSS ${f(services.rssSteadyMb, 0)} MB < 200 MB (${ratio(services.rssSteadyMb, large?.rssSteadyMb)} L's)`,
      (services.rssSteadyMb ?? Infinity) < 200,
    );
    target(
      `L+services apply latency p99 ${f(services.freshness?.applyP99)} ms < 50 ms at 500 events/s (${ratio(services.freshness?.applyP99, large?.freshness?.applyP99)} L's)`,
      (services.freshness?.applyP99 ?? Infinity) < 50,
    );
  } else lines.push('  L+services not run');
  if (small)
    target(`S steady RSS ${f(small.rssSteadyMb, 0)} MB < 100 MB`, (small.rssSteadyMb ?? Infinity) < 100);
  if (loadOurs) {
    target(
      `gzip scrape CPU ${f(loadOurs.cpuMsPerScrape, 2)} ms < 1.5 ms (load step, ${report.load?.namespaces} namespaces)`,
      loadOurs.cpuMsPerScrape < 1.5,
    );
    if (loadRef)
      target(
        `scrapes/s on one core ${f(loadOurs.scrapesPerSecond, 0)} >= 3x ${loadRef.implementation}'s ${f(loadRef.scrapesPerSecond, 0)} (${f(loadOurs.scrapesPerSecond / loadRef.scrapesPerSecond, 2)}x)`,
        loadOurs.scrapesPerSecond >= 3 * loadRef.scrapesPerSecond,
      );
    else
      target(
        `scrapes/s on one core ${f(loadOurs.scrapesPerSecond, 0)} >= 3x the reference's (${report.reference && 'skipped' in report.reference ? report.reference.skipped : 'no reference in this run'})`,
        undefined,
      );
  }
  const derived = derivedMemory(sizes, 'L');
  if (derived) {
    const request = report.deployment.request ?? '-';
    const limit = report.deployment.limit ?? '-';
    const matches = request === `${derived.request}Mi` && limit === `${derived.limit}Mi`;
    lines.push(
      `  Deployment memory from these figures: request ${derived.request}Mi, limit ${derived.limit}Mi (${derived.basis}); deploy/base has ${request}/${limit}${matches ? '' : ' (differs)'}`,
    );
  }
  const withServices = derivedMemory(sizes, 'L+services');
  if (withServices)
    lines.push(
      `  with two Services per namespace (L+services): request ${withServices.request}Mi, limit ${withServices.limit}Mi (${withServices.basis})`,
    );
  const withPods = derivedMemory(sizes, 'L+pods');
  if (withPods)
    lines.push(
      `  with --pod-isolation (L+pods): request ${withPods.request}Mi, limit ${withPods.limit}Mi (${withPods.basis})`,
    );
  out.push(...lines);
  return `${out.join('\n')}\n`;
}
