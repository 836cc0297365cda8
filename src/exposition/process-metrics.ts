// The standard process_* and nodejs_* metrics (the names, help and labels prom-client's collectDefaultMetrics uses,
// less the three `_total` gauges this exporter drops), rendered straight to text. prom-client's collectors cost
// about a tenth of a gzip scrape's CPU: an async collect per metric, label hashing, a readdir of /proc/self/fd and
// a read of /proc/self/status and the event-loop delay histogram's statistics on every scrape. Here those are
// reused for `procIntervalMs` (1 s by default, well under any scrape interval); the rest is read when asked.
import { readdirSync, readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { canonicalNumber, type ExpositionFormat } from './openmetrics.ts';
import { familyHeader, type Labels, sampleLine } from './text.ts';

const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

export interface ProcessMetricsOptions {
  /** How long /proc readings (open file descriptors, memory sizes) are reused; default 1000 ms. */
  procIntervalMs?: number;
  /** Milliseconds, monotonic; injected in tests. */
  now?: () => number;
  /** Open file descriptors, or undefined where there is no /proc; injected in tests. */
  countOpenFds?: () => number | undefined;
}

interface ProcReading {
  at: number;
  openFds: number | undefined;
  status: { rss: number; size: number; data: number } | undefined;
}

interface GcKind {
  buckets: number[];
  sum: number;
  count: number;
}

function openFdsFromProc(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the descriptor readdir itself held open
  } catch {
    return undefined;
  }
}

function statusFromProc(): ProcReading['status'] {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), size: kb('VmSize'), data: kb('VmData') };
  } catch {
    return undefined;
  }
}

function maxFdsFromProc(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const value = Number(line?.split(/ {2,}/)[1]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

const constructorName = (item: unknown): string | undefined =>
  (item as { constructor?: { name?: string } } | null)?.constructor?.name;

function gauge(
  format: ExpositionFormat,
  name: string,
  help: string,
  value: number,
  labels: Labels = [],
): string {
  return familyHeader(name, help, 'gauge', format) + sampleLine(name, labels, value);
}

function perType(format: ExpositionFormat, name: string, help: string, counts: Map<string, number>): string {
  let out = familyHeader(name, help, 'gauge', format);
  for (const [type, n] of counts) out += sampleLine(name, [['type', type]], n);
  return out;
}

export class ProcessMetrics {
  private readonly procIntervalMs: number;
  private readonly now: () => number;
  private readonly countOpenFds: () => number | undefined;
  private readonly maxFds = maxFdsFromProc();
  private proc: ProcReading | undefined;
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  /** Event-loop lag as prom-client measures it: the time a setImmediate queued at the last scrape waited. */
  private lagSeconds = 0;
  private delayWindow: { at: number; stats: [string, string, number][] } | undefined;
  private readonly gc = new Map<string, GcKind>();
  private readonly observer: PerformanceObserver;

  constructor(options: ProcessMetricsOptions = {}) {
    this.procIntervalMs = options.procIntervalMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
    this.countOpenFds = options.countOpenFds ?? openFdsFromProc;
    this.delay.enable();
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as { detail?: { kind?: number } }).detail;
        const kind = GC_KINDS[detail?.kind ?? -1];
        if (kind) this.observeGc(kind, entry.duration / 1000);
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.delay.disable();
    this.observer.disconnect();
  }

  private observeGc(kind: string, seconds: number): void {
    let k = this.gc.get(kind);
    if (!k) {
      k = { buckets: GC_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.gc.set(kind, k);
    }
    GC_BUCKETS.forEach((le, i) => {
      if (seconds <= le) (k.buckets[i] as number)++;
    });
    k.sum += seconds;
    k.count++;
  }

  /**
   * Event-loop delay since the statistics were last taken, then a fresh window. Reading the histogram's stddev and
   * percentiles costs about 0.25 ms, so scrapes closer together than procIntervalMs share one window's figures.
   */
  private delayStats(): [string, string, number][] {
    const now = this.now();
    if (!this.delayWindow || now - this.delayWindow.at >= this.procIntervalMs) {
      const d = this.delay;
      this.delayWindow = {
        at: now,
        stats: [
          ['min', 'The minimum recorded event loop delay.', d.min / 1e9],
          ['max', 'The maximum recorded event loop delay.', d.max / 1e9],
          ['mean', 'The mean of the recorded event loop delays.', d.mean / 1e9],
          ['stddev', 'The standard deviation of the recorded event loop delays.', d.stddev / 1e9],
          ['p50', 'The 50th percentile of the recorded event loop delays.', d.percentile(50) / 1e9],
          ['p90', 'The 90th percentile of the recorded event loop delays.', d.percentile(90) / 1e9],
          ['p99', 'The 99th percentile of the recorded event loop delays.', d.percentile(99) / 1e9],
        ],
      };
      d.reset();
    }
    return this.delayWindow.stats;
  }

  private procReading(): ProcReading {
    const now = this.now();
    if (!this.proc || now - this.proc.at >= this.procIntervalMs)
      this.proc = { at: now, openFds: this.countOpenFds(), status: statusFromProc() };
    return this.proc;
  }

  /** The exposition text of every family, in the format asked. */
  text(format: ExpositionFormat = 'text'): string {
    const cpu = process.cpuUsage();
    // The figures process.memoryUsage() gives, without its read of /proc for the RSS (taken from the status below).
    const heap = getHeapStatistics();
    const proc = this.procReading();
    let out =
      familyHeader(
        'process_cpu_user_seconds_total',
        'Total user CPU time spent in seconds.',
        'counter',
        format,
      ) +
      sampleLine('process_cpu_user_seconds_total', [], cpu.user / 1e6) +
      familyHeader(
        'process_cpu_system_seconds_total',
        'Total system CPU time spent in seconds.',
        'counter',
        format,
      ) +
      sampleLine('process_cpu_system_seconds_total', [], cpu.system / 1e6) +
      familyHeader(
        'process_cpu_seconds_total',
        'Total user and system CPU time spent in seconds.',
        'counter',
        format,
      ) +
      sampleLine('process_cpu_seconds_total', [], (cpu.user + cpu.system) / 1e6) +
      gauge(
        format,
        'process_start_time_seconds',
        'Start time of the process since unix epoch in seconds.',
        START_SECONDS,
      ) +
      gauge(
        format,
        'process_resident_memory_bytes',
        'Resident memory size in bytes.',
        proc.status?.rss ?? process.memoryUsage.rss(),
      );
    if (proc.status)
      out +=
        gauge(format, 'process_virtual_memory_bytes', 'Virtual memory size in bytes.', proc.status.size) +
        gauge(format, 'process_heap_bytes', 'Process heap size in bytes.', proc.status.data);
    if (proc.openFds !== undefined)
      out += gauge(format, 'process_open_fds', 'Number of open file descriptors.', proc.openFds);
    if (this.maxFds !== undefined)
      out += gauge(format, 'process_max_fds', 'Maximum number of open file descriptors.', this.maxFds);

    out += gauge(format, 'nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', this.lagSeconds);
    const queued = process.hrtime.bigint();
    setImmediate(() => {
      this.lagSeconds = Number(process.hrtime.bigint() - queued) / 1e9;
    });
    for (const [stat, help, seconds] of this.delayStats())
      out += gauge(format, `nodejs_eventloop_lag_${stat}_seconds`, help, seconds);

    const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.();
    if (handles)
      out += perType(
        format,
        'nodejs_active_handles',
        'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.',
        countBy(handles, constructorName),
      );
    const requests = (process as unknown as { _getActiveRequests?: () => unknown[] })._getActiveRequests?.();
    if (requests)
      out += perType(
        format,
        'nodejs_active_requests',
        'Number of active libuv requests grouped by request type. Every request type is C++ class name.',
        countBy(requests, constructorName),
      );
    out += perType(
      format,
      'nodejs_active_resources',
      'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
      countBy(process.getActiveResourcesInfo(), (type) => type),
    );

    out +=
      gauge(
        format,
        'nodejs_heap_size_total_bytes',
        'Process heap size from Node.js in bytes.',
        heap.total_heap_size,
      ) +
      gauge(
        format,
        'nodejs_heap_size_used_bytes',
        'Process heap size used from Node.js in bytes.',
        heap.used_heap_size,
      ) +
      gauge(
        format,
        'nodejs_external_memory_bytes',
        'Node.js external memory size in bytes.',
        heap.external_memory,
      );
    const spaces = getHeapSpaceStatistics();
    const space = (name: string) => name.slice(0, name.indexOf('_space'));
    for (const [kind, pick] of [
      ['total', (s: (typeof spaces)[number]) => s.space_size],
      ['used', (s: (typeof spaces)[number]) => s.space_used_size],
      ['available', (s: (typeof spaces)[number]) => s.space_available_size],
    ] as const) {
      const name = `nodejs_heap_space_size_${kind}_bytes`;
      out += familyHeader(name, `Process heap space size ${kind} from Node.js in bytes.`, 'gauge', format);
      for (const s of spaces) out += sampleLine(name, [['space', space(s.space_name)]], pick(s));
    }

    const [major = 0, minor = 0, patch = 0] = process.versions.node.split('.').map(Number);
    out += gauge(format, 'nodejs_version_info', 'Node.js version info.', 1, [
      ['version', process.version],
      ['major', String(major)],
      ['minor', String(minor)],
      ['patch', String(patch)],
    ]);

    const gcName = 'nodejs_gc_duration_seconds';
    out += familyHeader(
      gcName,
      'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      'histogram',
      format,
    );
    // `le` as prom-client writes it in the text format (le="1"); OpenMetrics asks for canonical numbers (le="1.0").
    const bound = format === 'openmetrics' ? canonicalNumber : String;
    for (const [kind, k] of this.gc) {
      GC_BUCKETS.forEach((le, i) => {
        out += sampleLine(
          `${gcName}_bucket`,
          [
            ['le', bound(le)],
            ['kind', kind],
          ],
          k.buckets[i] as number,
        );
      });
      out += sampleLine(
        `${gcName}_bucket`,
        [
          ['le', '+Inf'],
          ['kind', kind],
        ],
        k.count,
      );
      out += sampleLine(`${gcName}_sum`, [['kind', kind]], k.sum);
      out += sampleLine(`${gcName}_count`, [['kind', kind]], k.count);
    }
    return out;
  }
}
