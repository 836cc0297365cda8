// Wires one resilient informer per resource into the pure CoverageState.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CoverageState } from '../core/coverage-state.ts';
import { type FactOptions, namespaceFacts, policyFacts } from '../core/facts.ts';
import { ResilientInformer } from './informer.ts';
import { KubeApi } from './kube-api.ts';
import { WatchStatus } from './watch-status.ts';

export interface ClusterWatchOptions {
  kc: KubeConfig;
  log: Logger;
  pageSize: number;
  stallTimeoutMs: number;
  listTimeoutMs?: number;
  factOptions?: FactOptions;
  backoff?: { initialMs: number; maxMs: number };
}

export class ClusterWatch {
  readonly statuses: WatchStatus[] = [];
  private readonly informers: ResilientInformer<unknown>[] = [];

  constructor(state: CoverageState, options: ClusterWatchOptions) {
    const common = (resource: string) => {
      const status = new WatchStatus(resource);
      this.statuses.push(status);
      const api = new KubeApi(options.kc, (verb, _path, code) => status.countRequest(verb, code));
      return {
        api,
        status,
        log: options.log,
        pageSize: options.pageSize,
        stallTimeoutMs: options.stallTimeoutMs,
        ...(options.listTimeoutMs ? { listTimeoutMs: options.listTimeoutMs } : {}),
        ...(options.backoff ? { backoff: options.backoff } : {}),
      };
    };
    const namespaces = new ResilientInformer({
      ...common('namespaces'),
      path: '/api/v1/namespaces',
      facts: (obj) => namespaceFacts(obj, options.factOptions),
      onUpsert: (slim) => state.upsertNamespace(slim.facts),
      onDelete: (slim) => state.deleteNamespace(slim.metadata.name),
    });
    const policies = new ResilientInformer({
      ...common('networkpolicies'),
      path: '/apis/networking.k8s.io/v1/networkpolicies',
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
