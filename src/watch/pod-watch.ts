// A metadata-only Pod informer (--pod-isolation): lists and watches ask for PartialObjectMetadata, so no pod spec
// ever reaches the exporter; only each pod's namespace, name and labels are kept.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type PodFacts, type PodIsolationState, podFacts } from '../core/pod-isolation.ts';
import { ResilientInformer } from './informer.ts';
import { KubeApi } from './kube-api.ts';
import { WatchStatus } from './watch-status.ts';

// A server that cannot answer with metadata (an old aggregated API) may fall back to full objects: facts are the same.
export const METADATA_ACCEPT = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
};

export interface PodWatchOptions {
  kc: KubeConfig;
  log: Logger;
  pageSize: number;
  stallTimeoutMs: number;
  listTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

export function podInformer(state: PodIsolationState, options: PodWatchOptions) {
  const status = new WatchStatus('pods');
  const api = new KubeApi(options.kc, (verb, _path, code) => status.countRequest(verb, code));
  const informer = new ResilientInformer<PodFacts>({
    api,
    status,
    log: options.log,
    path: '/api/v1/pods',
    pageSize: options.pageSize,
    stallTimeoutMs: options.stallTimeoutMs,
    ...(options.listTimeoutMs ? { listTimeoutMs: options.listTimeoutMs } : {}),
    accept: METADATA_ACCEPT,
    grantedBy: 'deploy/components/pod-isolation',
    ...(options.backoff ? { backoff: options.backoff } : {}),
    facts: podFacts,
    onUpsert: (slim) => state.upsertPod(slim.facts),
    onDelete: (slim) => state.deletePod(slim.facts.namespace, slim.facts.name),
  });
  return { informer, status };
}
