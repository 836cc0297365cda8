// The printed report: one row per implementation and size, then the exporter's own figures, the ratios
// (what survives a noisy machine) and the targets at size L.

export interface ImplResult {
  implementation: string;
  readySeconds: number;
  rssAfterSyncMb: number;
  rssAfterSyncGcMb: number;
  heapAfterSyncMb: number;
  rssAfterScrapesMb?: number;
  scrapes: number;
  p50: number;
  p99: number;
  gzipScrapes: number;
  gzipP50: number;
  gzipP99: number;
  bytes: number;
  gzipBytes: number;
  eventLoopLagMaxMs: number;
  eventLoopLagP99Ms: number;
  seriesLines: number;
  apiRequestsPerScrape: number;
  freshness?: {
    samples: number;
    p50: number;
    p99: number;
    max: number;
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
    rssAfterGcBeforeMb: number;
    rssAfterGcAfterMb: number;
    heapBeforeMb: number;
    heapAfterMb: number;
  };
}

export interface SizeResult {
  size: string;
  namespaces?: number;
  policies?: number;
  pods?: number;
  skipped?: string;
  results: ImplResult[];
}

const f = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);

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

function check(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

export function printTable(sizes: SizeResult[]): string {
  const rows: string[][] = [
    [
      'size',
      'implementation',
      'ready s',
      'RSS MB',
      'RSS gc',
      'heap MB',
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
    for (const r of size.results) {
      rows.push([
        size.size,
        r.implementation,
        f(r.readySeconds, 2),
        f(r.rssAfterSyncMb, 0),
        f(r.rssAfterSyncGcMb, 0),
        f(r.heapAfterSyncMb, 0),
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
  const out = [
    'Startup, memory after sync (RSS as found, RSS and V8 heap after a forced full GC), /metrics latency (identity and gzip), API load per scrape:',
    grid(rows),
    '',
  ];
  const own: string[][] = [
    [
      'size',
      'cluster',
      'fresh p50 ms',
      'fresh p99 ms',
      'scrape p50/p99 under churn',
      'CPU s/1k ev @500/s',
      'soak events',
      'handled ev/s',
      'CPU s/1k ev soak',
      'RSS MB before->after',
      'RSS gc before->after',
      'heap MB before->after',
    ],
  ];
  const ratios: string[][] = [
    ['size', 'versus', 'p50 ratio', 'gzip p50 ratio', 'p99 ratio', 'RSS ratio', 'API req/scrape'],
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
      `${size.namespaces} ns, ${size.policies} pol${size.pods ? `, ${size.pods} pods` : ''}`,
      f(ours.freshness?.p50),
      f(ours.freshness?.p99),
      `${f(ours.freshness?.scrapeP50UnderChurn, 2)}/${f(ours.freshness?.scrapeP99UnderChurn, 2)}`,
      f(ours.cpuPerThousandEvents, 3),
      String(ours.soak?.events ?? '-'),
      f(ours.soak?.eventsPerSecondHandled, 0),
      f(ours.soak?.cpuPerThousandEvents, 3),
      `${f(ours.soak?.rssBeforeMb, 0)}->${f(ours.soak?.rssAfterMb, 0)}`,
      `${f(ours.soak?.rssAfterGcBeforeMb, 0)}->${f(ours.soak?.rssAfterGcAfterMb, 0)}`,
      `${f(ours.soak?.heapBeforeMb, 1)}->${f(ours.soak?.heapAfterMb, 1)}`,
    ]);
    for (const other of size.results.filter((r) => r !== ours)) {
      ratios.push([
        size.size,
        other.implementation,
        `${f(other.p50 / ours.p50)}x`,
        `${f(other.gzipP50 / ours.gzipP50)}x`,
        `${f(other.p99 / ours.p99)}x`,
        `${f(other.rssAfterSyncMb / ours.rssAfterSyncMb, 2)}x`,
        `${f(other.apiRequestsPerScrape, 1)} vs ${f(ours.apiRequestsPerScrape, 1)}`,
      ]);
    }
  }
  out.push(
    '',
    'netpol-exporter under churn (freshness: API write to first scrape showing it, churn at 500 events/s):',
  );
  out.push(grid(own), '', 'Ratios (how many times slower or bigger than netpol-exporter):', grid(ratios));
  const large = sizes.find((s) => s.size === 'L');
  const ours = large?.results.find((r) => r.implementation === 'netpol-exporter');
  const obvious = large?.results.find((r) => r.implementation === 'obvious');
  if (ours && obvious) {
    out.push(
      '',
      'Targets at L:',
      `  /metrics p50 ${f(ours.p50, 2)} ms < 10 ms: ${check(ours.p50 < 10)}; gzip p50 ${f(ours.gzipP50, 2)} ms < 10 ms: ${check(ours.gzipP50 < 10)}`,
      `  /metrics p50 >= 10x faster than obvious (${f(obvious.p50 / ours.p50)}x, gzip ${f(obvious.gzipP50 / ours.gzipP50)}x): ${check(obvious.p50 / ours.p50 >= 10)}`,
      `  RSS after sync ${f(ours.rssAfterSyncMb, 0)} MB (${f(ours.rssAfterSyncGcMb, 0)} MB after a full GC) < 200 MB: ${check(ours.rssAfterSyncMb < 200)}`,
      `  ready ${f(ours.readySeconds, 2)} s < 10 s: ${check(ours.readySeconds < 10)}`,
      `  freshness p99 ${f(ours.freshness?.p99)} ms < 100 ms at 500 events/s: ${check((ours.freshness?.p99 ?? Infinity) < 100)}`,
      `  API requests per scrape ${f(ours.apiRequestsPerScrape, 1)} = 0: ${check(ours.apiRequestsPerScrape === 0)}`,
    );
  }
  const pods = sizes.find((s) => s.size === 'L+pods');
  const podsOurs = pods?.results.find((r) => r.implementation === 'netpol-exporter');
  if (podsOurs)
    out.push(
      `  with 200,000 pods: RSS after sync ${f(podsOurs.rssAfterSyncMb, 0)} MB < 400 MB: ${check(podsOurs.rssAfterSyncMb < 400)}`,
    );
  else if (pods?.skipped) out.push(`  with 200,000 pods: ${pods.skipped}`);
  return `${out.join('\n')}\n`;
}
