// The exporter's protection parts (issue 7), assembled beside the NetworkPolicy core: the optional policy sources
// (discovered, watched, reported), their per-namespace series, and --pod-isolation's metadata-only pod watch.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CoverageState } from '../core/coverage-state.ts';
import { type PodIsolation, PodIsolationState } from '../core/pod-isolation.ts';
import type { NamespaceVerdict } from '../core/verdict.ts';
import type { BodyPiece } from '../exposition/encoded-body.ts';
import {
  podIsolationFamilies,
  protectionFamilies,
  sourceStatusFamily,
} from '../exposition/families/protection.ts';
import { renderHeader, renderSamples } from '../exposition/family.ts';
import { RenderedStore } from '../exposition/rendered-store.ts';
import { SourceWatch } from '../watch/discovery.ts';
import { podInformer } from '../watch/pod-watch.ts';
import type { WatchStatus } from '../watch/watch-status.ts';

export interface ProtectionOptions {
  kc: KubeConfig;
  log: Logger;
  pageSize: number;
  stallTimeoutMs: number;
  listTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** --discovery.interval; default 5 minutes. */
  discoveryIntervalMs?: number;
  /** --pod-isolation */
  podIsolation?: boolean;
}

export class ProtectionExporter {
  readonly sources: SourceWatch;
  readonly protectionStore = new RenderedStore<NamespaceVerdict>(protectionFamilies);
  readonly podStore = new RenderedStore<PodIsolation>(podIsolationFamilies);
  private readonly pods: ReturnType<typeof podInformer> | undefined;

  constructor(state: CoverageState, options: ProtectionOptions) {
    this.sources = new SourceWatch(state, { ...options, intervalMs: options.discoveryIntervalMs ?? 300_000 });
    let podState: PodIsolationState | undefined;
    if (options.podIsolation) {
      podState = new PodIsolationState((namespace) => state.policiesIn(namespace));
      podState.onChange((namespace, counts) => {
        if (counts) this.podStore.set(namespace, counts);
        else this.podStore.delete(namespace);
      });
      this.pods = podInformer(podState, options);
    }
    state.onChange((name, verdict) => {
      if (verdict) this.protectionStore.set(name, verdict);
      else this.protectionStore.delete(name);
      // Any change of the namespace's verdict may be a NetworkPolicy change: recount its pods (only its pods).
      podState?.recount(name);
    });
  }

  start(): void {
    this.sources.start();
    this.pods?.informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.sources.stop(), this.pods?.informer.stop()]);
  }

  /** Statuses of the extra watches (pods, watched sources) for the exporter's own metrics. */
  get statuses(): WatchStatus[] {
    return [...(this.pods ? [this.pods.status] : []), ...this.sources.statuses];
  }

  readiness(): { ready: boolean; reason: string } {
    const reasons: string[] = [];
    if (this.pods && !this.pods.status.synced)
      reasons.push(
        `pods cache not synced${this.pods.status.lastError ? ` (last error: ${this.pods.status.lastError})` : ''}`,
      );
    const sources = this.sources.readiness();
    if (!sources.ready) reasons.push(sources.reason);
    return reasons.length === 0
      ? { ready: true, reason: 'synced' }
      : { ready: false, reason: reasons.join('; ') };
  }

  /** Per-namespace protection and pod series, then the source status. */
  text(): string {
    const status = renderHeader(sourceStatusFamily) + renderSamples(sourceStatusFamily, this.sources.rows());
    return this.protectionStore.text() + (this.pods ? this.podStore.text() : '') + status;
  }

  /** text() as body pieces: the stores' cached encodings, the small status family rendered now. */
  pieces(): BodyPiece[] {
    const status = renderHeader(sourceStatusFamily) + renderSamples(sourceStatusFamily, this.sources.rows());
    return [...this.protectionStore.pieces(), ...(this.pods ? this.podStore.pieces() : []), status];
  }
}
