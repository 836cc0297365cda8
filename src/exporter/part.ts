// One part of the running exporter: something it starts and stops, that is ready or says why not, that may run
// watches of its own and that contributes exposition. The composition root (exporter.ts) is a list of these.

import type { DataStatus } from '../core/data-status.ts';
import { type ExtraSource, policySource, resourceName } from '../core/sources/index.ts';
import type { BodyPiece } from '../exposition/encoded-body.ts';
import type { ExporterSelf } from '../exposition/families/exporter.ts';
import type { ExpositionFormat } from '../exposition/openmetrics.ts';

export interface Readiness {
  ready: boolean;
  reason: string;
  /** Ready, yet the data is not complete: why (/readyz still answers 200, and says so). */
  incomplete?: string;
}

export interface Part {
  start(): void;
  stop(): Promise<void>;
  readiness(): Readiness;
  /** The watches it runs and any source states, for the exporter's own families. */
  status(): Partial<Pick<ExporterSelf, 'watches' | 'sources' | 'labelsTruncated'>>;
  /** Its share of /metrics: cached encodings of its rendered stores, with the format's family headers. */
  pieces(format: ExpositionFormat): BodyPiece[];
}

/** What a part's watches offer (ClusterWatch, SourceWatch): the part hands its life cycle to them. */
export interface PartWatch {
  start(): void;
  stop(): Promise<void>;
  readiness(): Readiness;
  readonly statuses: NonNullable<ExporterSelf['watches']>;
}

/** A part whose start, stop, readiness and watch statuses are its watch's. */
export abstract class WatchedPart implements Part {
  protected abstract readonly watch: PartWatch;

  start(): void {
    this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  readiness(): Readiness {
    return this.watch.readiness();
  }

  status(): ReturnType<Part['status']> {
    return { watches: this.watch.statuses };
  }

  abstract pieces(format: ExpositionFormat): BodyPiece[];
}

/** Every part's readiness: ready when all are, else the reasons of those that are not. */
export function combinedReadiness(parts: readonly Part[]): Readiness {
  const waiting = parts.map((p) => p.readiness()).filter((r) => !r.ready);
  return waiting.length === 0
    ? { ready: true, reason: 'caches synced' }
    : { ready: false, reason: waiting.map((r) => r.reason).join('; ') };
}

export interface CompletenessOptions {
  /** --watch.stall-timeout: a watch down longer than this no longer vouches for its cache. */
  stallTimeoutMs: number;
  /** The optional sources that count toward coverage (--coverage-sources). */
  counted: readonly ExtraSource[];
}

/**
 * How complete the parts' data is. Unknown while any part is not ready (a cache never synced, sources not
 * discovered or listed yet); incomplete while a synced watch has been down longer than its stall timeout, or a
 * source that counts toward coverage is forbidden or could not be discovered; else complete.
 */
export function dataStatus(parts: readonly Part[], options: CompletenessOptions): DataStatus {
  const waiting = parts.map((p) => p.readiness()).filter((r) => !r.ready);
  if (waiting.length > 0) return { state: 'unknown', reasons: waiting.map((r) => r.reason) };
  const reasons: string[] = [];
  const stallSeconds = options.stallTimeoutMs / 1000;
  const judged = new Map<string, string>();
  for (const part of parts) {
    const status = part.status();
    for (const watch of status.watches ?? []) {
      const stale = watch.staleSeconds();
      if (watch.synced && stale > stallSeconds)
        reasons.push(
          `the ${watch.resource} watch has been down for ${Math.round(stale)}s, longer than --watch.stall-timeout (${stallSeconds}s): changes since then are not seen`,
        );
    }
    for (const row of status.sources ?? []) judged.set(row.source, row.state);
  }
  for (const source of options.counted) {
    const state = judged.get(source);
    const resource = resourceName(policySource(source));
    if (state === 'forbidden')
      reasons.push(
        `${source} counts toward coverage but RBAC forbids reading it (grant list and watch on ${resource}): namespaces its policies protect may show as uncovered`,
      );
    else if (state === undefined)
      reasons.push(
        `${source} counts toward coverage but has not been discovered (the last discovery failed): namespaces its policies protect may show as uncovered`,
      );
  }
  return reasons.length > 0 ? { state: 'incomplete', reasons } : { state: 'complete', reasons: [] };
}
