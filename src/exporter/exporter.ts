// What runs on `serve`: the pure CoverageState and the list of parts around it. Watches feed the state, each part
// re-renders its subjects when they change, and a scrape concatenates the parts' rendered pieces, then the exporter's
// own families and the process metrics. Adding a part (a new watch, a new family of per-namespace series) is one entry.
import { DEFAULT_ANNOTATION_PREFIX, isExemptionAnnotation } from '../core/context/exemption.ts';
import type { NamespaceContextOptions } from '../core/context/namespace-context.ts';
import { EMPTY_SCOPE } from '../core/context/namespace-scope.ts';
import { CoverageState } from '../core/coverage-state.ts';
import type { DataStatus } from '../core/data-status.ts';
import { EXTRA_SOURCES, type ExtraSource, type Source } from '../core/sources/index.ts';
import type { BodyPiece } from '../exposition/encoded-body.ts';
import { type BuildInfo, type ExporterSelf, exporterFamilies } from '../exposition/families/exporter.ts';
import { renderHeader, renderSamples } from '../exposition/family.ts';
import type { ExpositionFormat } from '../exposition/openmetrics.ts';
import { ProcessMetrics } from '../exposition/process-metrics.ts';
import type { Clock } from '../support/deadline-timer.ts';
import type { WatchSettings } from '../watch/watch-settings.ts';
import { combinedReadiness, dataStatus, type Part, type Readiness } from './part.ts';
import { NamespaceContextTracker } from './parts/context.ts';
import { CoveragePart } from './parts/coverage.ts';
import { ExposurePart } from './parts/exposure.ts';
import { InternetFacingPart } from './parts/internet-facing.ts';
import { PodIsolationPart } from './parts/pods.ts';
import { SourcesPart } from './parts/sources.ts';

export interface ExporterOptions {
  /** Connection, logger and the --watch.* settings every watch shares. */
  watch: WatchSettings;
  build: BuildInfo;
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
  /** --internet-facing; on unless false. */
  internetFacing?: boolean;
}

export const DEFAULT_NAMESPACE_CONTEXT: NamespaceContextOptions = {
  exemption: { prefix: DEFAULT_ANNOTATION_PREFIX, maxDurationSeconds: 365 * 86_400 },
  scope: EMPTY_SCOPE,
  labelAllowlist: [],
};

export class Exporter {
  readonly state: CoverageState;
  /** Each namespace's exemption and scope as of now, for the status page. */
  readonly context: NamespaceContextTracker;
  /** Who can reach each namespace (undefined with --exposure=false), for the status page and its detail view. */
  readonly exposure: ExposurePart['state'] | undefined;
  /** What opens each namespace to the internet (undefined with --internet-facing=false). */
  readonly internetFacing: InternetFacingPart['state'] | undefined;
  private readonly parts: Part[];
  private readonly coverage: CoveragePart;
  private readonly sources: SourcesPart;
  private readonly pods: PodIsolationPart | undefined;
  private readonly build: BuildInfo;
  private readonly stallTimeoutMs: number;
  private readonly counted: readonly ExtraSource[];
  /** process_* and nodejs_*, rendered without prom-client's per-scrape collectors (src/exposition/process-metrics.ts). */
  private readonly processMetrics = new ProcessMetrics();
  /** When each namespace's verdict was last recomputed (epoch ms): the status page's "changed" column. */
  private readonly changed = new Map<string, number>();

  constructor(options: ExporterOptions) {
    const { coverageSources, podIsolation, watch } = options;
    const { log } = watch;
    this.build = options.build;
    this.state = new CoverageState(coverageSources ? { coverageSources } : {});
    const now = () => options.clock?.now() ?? Date.now();
    this.state.onChange((name, verdict) => {
      if (verdict) this.changed.set(name, now());
      else this.changed.delete(name);
    });
    const context = options.namespaceContext ?? DEFAULT_NAMESPACE_CONTEXT;
    this.context = new NamespaceContextTracker(this.state, context, log, options.clock);
    const factOptions = { keepAnnotation: isExemptionAnnotation(context.exemption.prefix) };
    this.pods = podIsolation ? new PodIsolationPart(this.state, watch) : undefined;
    const pods = this.pods;
    // Answers are computed once the other parts' caches have synced (asked last, so they are).
    const upstream = (): boolean => combinedReadiness(this.parts.filter((p) => p !== exposure)).ready;
    const exposure: ExposurePart | undefined =
      options.exposure === false ? undefined : new ExposurePart(this.state, pods?.podState, upstream);
    this.exposure = exposure?.state;
    this.coverage = new CoveragePart(this.state, watch, factOptions);
    this.sources = new SourcesPart(this.state, watch, options.discoveryIntervalMs ?? 300_000);
    const internet =
      options.internetFacing === false
        ? undefined
        : new InternetFacingPart(watch, options.discoveryIntervalMs ?? 300_000);
    this.internetFacing = internet?.state;
    this.parts = [
      this.coverage,
      this.context,
      this.sources,
      ...(pods ? [pods] : []),
      ...(internet ? [internet] : []),
      ...(exposure ? [exposure] : []),
    ];
    this.stallTimeoutMs = watch.stallTimeoutMs;
    this.counted = EXTRA_SOURCES.map((s) => s.id).filter((id) => coverageSources?.has(id) ?? true);
  }

  start(): void {
    for (const part of this.parts) part.start();
  }

  async stop(): Promise<void> {
    this.processMetrics.stop();
    await Promise.all(this.parts.map((part) => part.stop()));
  }

  /** Ready once every cache has synced; while the data is incomplete, ready still, with the reasons. */
  readiness(): Readiness {
    const readiness = combinedReadiness(this.parts);
    if (!readiness.ready) return readiness;
    const data = this.dataStatus();
    return data.state === 'complete' ? readiness : { ...readiness, incomplete: data.reasons.join('; ') };
  }

  /** How complete the data behind the verdicts is, from the parts' readiness, watches and sources. */
  dataStatus(): DataStatus {
    this.judgeReadable();
    return dataStatus(this.parts, { stallTimeoutMs: this.stallTimeoutMs, counted: this.counted });
  }

  /** When the namespace's verdict was last recomputed (epoch ms), since the exporter started. */
  changedAt(namespace: string): number | undefined {
    return this.changed.get(namespace);
  }

  /** With --pod-isolation, once pods are listed: the namespace's NetworkPolicies that select none of its pods. */
  dangling(namespace: string): readonly string[] | undefined {
    return this.pods?.dangling(namespace);
  }

  /**
   * Tells the state which counted sources could not be read: the NetworkPolicy cache before it has synced (RBAC
   * forbids it, or the API server is away), and optional sources forbidden, not discovered or not synced. Checked when
   * verdicts are read (a scrape, the status page), and cheap unless the set changed.
   */
  private judgeReadable(): void {
    const unread: Source[] = [];
    const policies = this.coverage.watch.statuses.find((s) => s.resource === 'networkpolicies');
    if (policies && !policies.synced) unread.push('networkpolicy');
    for (const source of this.counted) if (!this.sources.watch.isRead(source)) unread.push(source);
    this.state.setUnread(unread);
  }

  /**
   * The whole exposition as body pieces: the parts' cached bytes (and gzip), then the small per-scrape tail; family
   * headers in the format asked (the caller ends OpenMetrics with `# EOF`).
   */
  async metricsPieces(format: ExpositionFormat = 'text'): Promise<BodyPiece[]> {
    this.judgeReadable();
    const self: ExporterSelf = { build: this.build, watches: [], sources: [] };
    for (const part of this.parts) {
      const status = part.status();
      self.watches = [...self.watches, ...(status.watches ?? [])];
      self.sources = [...self.sources, ...(status.sources ?? [])];
      self.labelsTruncated = (self.labelsTruncated ?? 0) + (status.labelsTruncated ?? 0);
    }
    let own = '';
    for (const family of exporterFamilies) own += renderHeader(family, format) + renderSamples(family, self);
    return [...this.parts.flatMap((part) => part.pieces(format)), own, this.processMetrics.text(format)];
  }
}
