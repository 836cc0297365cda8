// Wires one resilient informer per resource into the pure CoverageState.
import type { CoverageState } from '../core/coverage-state.ts';
import { type FactOptions, namespaceFacts, policyFacts } from '../core/facts.ts';
import type { ResilientInformer } from './informer.ts';
import { informerFor, type WatchSettings } from './watch-settings.ts';
import { WatchStatus } from './watch-status.ts';

export class ClusterWatch {
  readonly statuses: WatchStatus[] = [];
  private readonly informers: ResilientInformer<unknown>[] = [];

  constructor(state: CoverageState, settings: WatchSettings, factOptions?: FactOptions) {
    const status = (resource: string) => {
      const s = new WatchStatus(resource);
      this.statuses.push(s);
      return s;
    };
    const namespaces = informerFor(settings, status('namespaces'), {
      path: '/api/v1/namespaces',
      kinds: ['Namespace'],
      facts: (obj) => namespaceFacts(obj, factOptions),
      onUpsert: (slim) => state.upsertNamespace(slim.facts),
      onDelete: (slim) => state.deleteNamespace(slim.metadata.name),
    });
    const policies = informerFor(settings, status('networkpolicies'), {
      path: '/apis/networking.k8s.io/v1/networkpolicies',
      kinds: ['NetworkPolicy'],
      facts: policyFacts,
      onUpsert: (slim) => state.upsertPolicy(slim.facts),
      onDelete: (slim) => state.deletePolicy(slim.facts.namespace, slim.facts.name),
    });
    this.informers.push(namespaces as ResilientInformer<unknown>, policies as ResilientInformer<unknown>);
  }
  start(): void {
    for (const informer of this.informers) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }

  /** Ready once every cache has synced; the reason names what is missing and the last error seen. */
  readiness(): { ready: boolean; reason: string } {
    const missing = this.statuses.filter((s) => !s.synced);
    if (missing.length === 0) return { ready: true, reason: 'caches synced' };
    const reason = missing
      .map((s) => `${s.resource} cache not synced${s.lastError ? ` (last error: ${s.lastError})` : ''}`)
      .join('; ');
    return { ready: false, reason };
  }
}
