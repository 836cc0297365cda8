// A metadata-only Pod informer (--pod-isolation): lists and watches ask for PartialObjectMetadata, so no pod spec
// ever reaches the exporter; only each pod's namespace, name and labels are kept.
import { type PodIsolationState, podFacts } from '../core/pod-isolation.ts';
import { informerFor, type WatchSettings } from './watch-settings.ts';
import { WatchStatus } from './watch-status.ts';

// A server that cannot answer with metadata (an old aggregated API) may fall back to full objects: facts are the same.
export const METADATA_ACCEPT = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
};

export function podInformer(state: PodIsolationState, settings: WatchSettings) {
  const status = new WatchStatus('pods');
  const informer = informerFor(settings, status, {
    path: '/api/v1/pods',
    accept: METADATA_ACCEPT,
    kinds: ['PartialObjectMetadata', 'Pod'],
    grantedBy: 'deploy/components/pod-isolation',
    facts: podFacts,
    onUpsert: (slim) => state.upsertPod(slim.facts),
    onDelete: (slim) => state.deletePod(slim.facts.namespace, slim.facts.name),
  });
  return { informer, status };
}
