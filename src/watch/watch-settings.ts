// How every watch of the exporter lists, watches and retries, passed down whole from `serve` to each informer: a new
// watch setting is one field here and one line where serve fills it, and informerFor is the one place an informer
// is built from it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Backoff, type InformerOptions, ResilientInformer } from './informer.ts';
import { KubeApi } from './kube-api.ts';
import type { WatchStatus } from './watch-status.ts';

export interface WatchSettings {
  kc: KubeConfig;
  log: Logger;
  /** --watch.page-size */
  pageSize: number;
  /** --watch.stall-timeout */
  stallTimeoutMs: number;
  /** --watch.list-timeout; the informer's default when omitted. */
  listTimeoutMs?: number;
  /** Retry delays; the informer's default when omitted (tests shorten them). */
  backoff?: Backoff;
}

/** What one watch adds to the settings: its collection and what to do with each object. */
export type InformerSpec<F> = Pick<
  InformerOptions<F>,
  'path' | 'kinds' | 'facts' | 'keep' | 'onUpsert' | 'onDelete' | 'onSynced' | 'accept' | 'grantedBy'
>;

/** An informer for one collection, its requests counted on its status. */
export function informerFor<F>(
  settings: WatchSettings,
  status: WatchStatus,
  spec: InformerSpec<F>,
): ResilientInformer<F> {
  const { kc, log, pageSize, stallTimeoutMs, listTimeoutMs, backoff } = settings;
  return new ResilientInformer<F>({
    api: new KubeApi(kc, (verb, _path, code) => status.countRequest(verb, code)),
    status,
    log,
    pageSize,
    stallTimeoutMs,
    ...(listTimeoutMs ? { listTimeoutMs } : {}),
    ...(backoff ? { backoff } : {}),
    ...spec,
  });
}
