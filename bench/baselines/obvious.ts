// Baseline (a): the obvious implementation. The same watches and the same pure core keep the verdicts, but the
// exposition is prom-client's: one Gauge per family whose collect() resets it and sets every namespace's series
// from the cache on each scrape (prom-client issues 543 and 561 describe what that costs).
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { DIRECTIONS } from '../../src/core/direction.ts';
import type { NamespaceVerdict } from '../../src/core/verdict.ts';
import { type BodyPiece, encodedPiece } from '../../src/exposition/encoded-body.ts';
import type { MetricsSource } from '../../src/http/server.ts';
import { ClusterWatch } from '../../src/watch/cluster-watch.ts';

const PHASES = ['Active', 'Terminating'];

export class ObviousExporter implements MetricsSource {
  private readonly state = new CoverageState();
  private readonly watch: ClusterWatch;
  private readonly registry = new Registry();

  constructor(options: { kc: KubeConfig; log: Logger; pageSize: number }) {
    this.watch = new ClusterWatch(this.state, { ...options, stallTimeoutMs: 90_000 });
    const state = this.state;
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge<string>, v: NamespaceVerdict) => void,
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect(this: Gauge<string>) {
          this.reset();
          for (const v of state.allVerdicts()) fill(this, v);
        },
      });
    gauge(
      'netpol_namespace_network_policies',
      'Number of NetworkPolicies in the namespace.',
      ['namespace'],
      (g, v) => g.set({ namespace: v.name }, v.policies),
    );
    gauge(
      'netpol_namespace_covered',
      '1 when the namespace has at least one NetworkPolicy.',
      ['namespace'],
      (g, v) => g.set({ namespace: v.name }, v.covered ? 1 : 0),
    );
    gauge(
      'netpol_namespace_default_deny',
      '1 when a default-deny NetworkPolicy for the direction is present, else 0.',
      ['namespace', 'direction'],
      (g, v) => {
        for (const direction of DIRECTIONS)
          g.set({ namespace: v.name, direction }, v.defaultDeny[direction] ? 1 : 0);
      },
    );
    gauge(
      'netpol_namespace_created_timestamp_seconds',
      'Creation time of the namespace, in Unix seconds.',
      ['namespace'],
      (g, v) => {
        if (!Number.isNaN(v.createdSeconds)) g.set({ namespace: v.name }, v.createdSeconds);
      },
    );
    gauge(
      'netpol_namespace_status_phase',
      'The namespace phase: 1 for the current phase, 0 for the others.',
      ['namespace', 'phase'],
      (g, v) => {
        for (const phase of PHASES.includes(v.phase) ? PHASES : [...PHASES, v.phase])
          g.set({ namespace: v.name, phase }, phase === v.phase ? 1 : 0);
      },
    );
    collectDefaultMetrics({ register: this.registry });
  }

  start(): void {
    this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  readiness(): { ready: boolean; reason: string } {
    return this.watch.readiness();
  }

  /** prom-client's text as one piece, gzipped off the event loop as prom-client users would. */
  async metricsPieces(): Promise<BodyPiece[]> {
    return [encodedPiece(await this.registry.metrics())];
  }
}
