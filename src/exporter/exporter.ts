// The exporter assembled: watches feed the pure core, verdict changes re-render their namespace's
// exposition text, and a scrape concatenates what is already rendered.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Source } from '../core/cluster-policies.ts';
import { CoverageState } from '../core/coverage-state.ts';
import { DEFAULT_ANNOTATION_PREFIX, isExemptionAnnotation } from '../core/exemption.ts';
import type { NamespaceContextOptions } from '../core/namespace-context.ts';
import { EMPTY_SCOPE } from '../core/namespace-scope.ts';
import type { NamespaceVerdict } from '../core/verdict.ts';
import type { BodyPiece } from '../exposition/encoded-body.ts';
import { type BuildInfo, exporterFamilies } from '../exposition/families/exporter.ts';
import { namespaceFamilies } from '../exposition/families/namespace.ts';
import { type Family, renderHeader, renderSamples } from '../exposition/family.ts';
import { RenderedStore } from '../exposition/rendered-store.ts';
import type { Clock } from '../support/deadline-timer.ts';
import { ClusterWatch } from '../watch/cluster-watch.ts';
import type { WatchStatus } from '../watch/watch-status.ts';
import { NamespaceContextTracker } from './namespace-context-tracker.ts';
import { ProtectionExporter, type ProtectionOptions } from './protection-exporter.ts';

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
  /** --discovery.interval and --pod-isolation. */
  protection?: Pick<ProtectionOptions, 'discoveryIntervalMs' | 'podIsolation'>;
}

export const DEFAULT_NAMESPACE_CONTEXT: NamespaceContextOptions = {
  exemption: { prefix: DEFAULT_ANNOTATION_PREFIX, maxDurationSeconds: 365 * 86_400 },
  scope: EMPTY_SCOPE,
  labelAllowlist: [],
};

export class Exporter {
  readonly state: CoverageState;
  readonly protection: ProtectionExporter;
  readonly store = new RenderedStore<NamespaceVerdict>(namespaceFamilies);
  readonly watch: ClusterWatch;
  readonly context: NamespaceContextTracker;
  private readonly selfFamilies: Family<WatchStatus[]>[];
  private readonly processRegistry = new Registry();

  constructor(options: ExporterOptions) {
    this.state = new CoverageState(
      options.coverageSources ? { coverageSources: options.coverageSources } : {},
    );
    this.protection = new ProtectionExporter(this.state, { ...options, ...options.protection });
    this.state.onChange((name, verdict) => {
      if (verdict) this.store.set(name, verdict);
      else this.store.delete(name);
    });
    const context = options.namespaceContext ?? DEFAULT_NAMESPACE_CONTEXT;
    this.context = new NamespaceContextTracker(this.state, context, options.log, options.clock);
    this.watch = new ClusterWatch(this.state, {
      ...options,
      factOptions: { keepAnnotation: isExemptionAnnotation(context.exemption.prefix) },
    });
    this.selfFamilies = exporterFamilies(options.build);
    collectDefaultMetrics({ register: this.processRegistry });
    // prom-client names these gauges with a counter's `_total` suffix, which promtool (rightly) rejects.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      this.processRegistry.removeSingleMetric(name);
  }

  start(): void {
    this.watch.start();
    this.protection.start();
  }

  async stop(): Promise<void> {
    this.context.stop();
    await Promise.all([this.watch.stop(), this.protection.stop()]);
  }

  readiness(): { ready: boolean; reason: string } {
    const core = this.watch.readiness();
    const protection = this.protection.readiness();
    if (!core.ready || !protection.ready)
      return {
        ready: false,
        reason: [core, protection]
          .filter((r) => !r.ready)
          .map((r) => r.reason)
          .join('; '),
      };
    return core;
  }

  /**
   * The whole exposition (per-namespace families, the exporter's own, then process and Node.js metrics) as body
   * pieces: the rendered stores as cached bytes (and gzip), the small per-scrape tail as text.
   */
  async metricsPieces(): Promise<BodyPiece[]> {
    let own = '';
    for (const family of this.selfFamilies)
      own +=
        renderHeader(family) + renderSamples(family, [...this.watch.statuses, ...this.protection.statuses]);
    return [
      ...this.store.pieces(),
      ...this.context.store.pieces(),
      ...this.protection.pieces(),
      own,
      await this.processRegistry.metrics(),
    ];
  }
}
