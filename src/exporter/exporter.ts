// What runs on `serve`: the pure CoverageState and the list of parts around it. Watches feed the state, each part
// re-renders its subjects when they change, and a scrape concatenates the parts' rendered pieces, then the exporter's
// own families and the process metrics. Adding a part (a new watch, a new family of per-namespace series) is one entry.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { CoverageState } from '../core/coverage-state.ts';
import { DEFAULT_ANNOTATION_PREFIX, isExemptionAnnotation } from '../core/exemption.ts';
import type { NamespaceContextOptions } from '../core/namespace-context.ts';
import { EMPTY_SCOPE } from '../core/namespace-scope.ts';
import type { Source } from '../core/sources/index.ts';
import { type BodyPiece, identityBody } from '../exposition/encoded-body.ts';
import { type BuildInfo, type ExporterSelf, exporterFamilies } from '../exposition/families/exporter.ts';
import { renderHeader, renderSamples } from '../exposition/family.ts';
import type { Clock } from '../support/deadline-timer.ts';
import { combinedReadiness, type Part, type Readiness } from './part.ts';
import { NamespaceContextTracker } from './parts/context.ts';
import { CoveragePart } from './parts/coverage.ts';
import { ExposurePart } from './parts/exposure.ts';
import { PodIsolationPart } from './parts/pods.ts';
import { SourcesPart } from './parts/sources.ts';

export interface ExporterOptions {
  kc: KubeConfig;
  log: Logger;
  build: BuildInfo;
  pageSize: number;
  stallTimeoutMs: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Exemptions, scope and routing labels; by default: the standard prefix, nothing excluded, no labels. */
  namespaceContext?: NamespaceContextOptions;
  /** Injected in tests that move time by hand. */
  clock?: Clock;
  /** Sources that count toward `covered` (--coverage-sources); all when omitted. */
  coverageSources?: ReadonlySet<Source>;
  /** --discovery.interval; default 5 minutes. */
  discoveryIntervalMs?: number;
  /** --pod-isolation */
  podIsolation?: boolean;
  /** --exposure; on unless false. */
  exposure?: boolean;
}

export const DEFAULT_NAMESPACE_CONTEXT: NamespaceContextOptions = {
  exemption: { prefix: DEFAULT_ANNOTATION_PREFIX, maxDurationSeconds: 365 * 86_400 },
  scope: EMPTY_SCOPE,
  labelAllowlist: [],
};

// prom-client names these gauges with a counter's `_total` suffix, which promtool (rightly) rejects.
const REJECTED_PROCESS_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export class Exporter {
  readonly state: CoverageState;
  /** Each namespace's exemption and scope as of now, for the status page. */
  readonly context: NamespaceContextTracker;
  /** Who can reach each namespace (undefined with --exposure=false), for the status page and its detail view. */
  readonly exposure: ExposurePart['state'] | undefined;
  private readonly parts: Part[];
  private readonly build: BuildInfo;
  private readonly processRegistry = new Registry();

  constructor(options: ExporterOptions) {
    const { coverageSources, podIsolation } = options;
    this.build = options.build;
    this.state = new CoverageState(coverageSources ? { coverageSources } : {});
    const context = options.namespaceContext ?? DEFAULT_NAMESPACE_CONTEXT;
    this.context = new NamespaceContextTracker(this.state, context, options.log, options.clock);
    const factOptions = { keepAnnotation: isExemptionAnnotation(context.exemption.prefix) };
    const pods = podIsolation ? new PodIsolationPart(this.state, options) : undefined;
    // Answers are computed once the other parts' caches have synced (asked last, so they are).
    const upstream = (): boolean => combinedReadiness(this.parts.filter((p) => p !== exposure)).ready;
    const exposure: ExposurePart | undefined =
      options.exposure === false ? undefined : new ExposurePart(this.state, pods?.podState, upstream);
    this.exposure = exposure?.state;
    this.parts = [
      new CoveragePart(this.state, { ...options, factOptions }),
      this.context,
      new SourcesPart(this.state, { ...options, intervalMs: options.discoveryIntervalMs ?? 300_000 }),
      ...(pods ? [pods] : []),
      ...(exposure ? [exposure] : []),
    ];
    collectDefaultMetrics({ register: this.processRegistry });
    for (const name of REJECTED_PROCESS_METRICS) this.processRegistry.removeSingleMetric(name);
  }

  start(): void {
    for (const part of this.parts) part.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.parts.map((part) => part.stop()));
  }

  readiness(): Readiness {
    return combinedReadiness(this.parts);
  }

  /** The whole exposition as body pieces: the parts' cached bytes (and gzip), then the small per-scrape tail. */
  async metricsPieces(): Promise<BodyPiece[]> {
    const self: ExporterSelf = { build: this.build, watches: [], sources: [] };
    for (const part of this.parts) {
      const status = part.status();
      self.watches = [...self.watches, ...(status.watches ?? [])];
      self.sources = [...self.sources, ...(status.sources ?? [])];
    }
    let own = '';
    for (const family of exporterFamilies) own += renderHeader(family) + renderSamples(family, self);
    return [...this.parts.flatMap((part) => part.pieces()), own, await this.processRegistry.metrics()];
  }

  /** metricsPieces() joined, for tests and tools that want the text. */
  async metrics(): Promise<string> {
    return Buffer.concat(identityBody(await this.metricsPieces())).toString('utf8');
  }
}
