// One part of the running exporter: something it starts and stops, that is ready or says why not, that may run
// watches of its own and that contributes exposition. The composition root (exporter.ts) is a list of these.
import type { BodyPiece } from '../exposition/encoded-body.ts';
import type { ExporterSelf } from '../exposition/families/exporter.ts';

export interface Readiness {
  ready: boolean;
  reason: string;
}

export interface Part {
  start(): void;
  stop(): Promise<void>;
  readiness(): Readiness;
  /** The watches it runs and any source states, for the exporter's own families. */
  status(): Partial<Pick<ExporterSelf, 'watches' | 'sources'>>;
  /** Its share of /metrics: cached encodings of its rendered stores. */
  pieces(): BodyPiece[];
}

/** Every part's readiness: ready when all are, else the reasons of those that are not. */
export function combinedReadiness(parts: readonly Part[]): Readiness {
  const waiting = parts.map((p) => p.readiness()).filter((r) => !r.ready);
  return waiting.length === 0
    ? { ready: true, reason: 'caches synced' }
    : { ready: false, reason: waiting.map((r) => r.reason).join('; ') };
}
