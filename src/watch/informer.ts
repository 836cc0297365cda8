// A client-node ListWatch that never gives up. client-node 2.x stops an informer for good on any error
// but 410 (and raises an AbortError on our own stop()), so this restarts it with jittered exponential
// backoff, honouring Retry-After, and ignores the errors its own stop() causes. The backoff starts again from
// the beginning once the API server serves again, as client-go's does: a blip after a bad hour costs a blip.
import { ListWatch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { timerDelay } from '../support/deadline-timer.ts';
import { ApiError, describeError, type KubeApi, ListTimeoutError } from './kube-api.ts';
import { StreamWatch } from './stream-watch.ts';
import type { RestartReason, WatchStatus } from './watch-status.ts';

/**
 * What the cache keeps of an object: its identity and the slim facts made from it. It is its own `metadata` (all
 * client-node's cache reads of an object is metadata's name, namespace and resourceVersion): one object per cached
 * item rather than two (about 2 MB at L's 60,000).
 */
export class Slim<F> {
  constructor(
    readonly name: string,
    readonly namespace: string | undefined,
    readonly resourceVersion: string | undefined,
    readonly facts: F,
  ) {}

  get metadata(): Slim<F> {
    return this;
  }
}

export interface InformerOptions<F> {
  api: KubeApi;
  status: WatchStatus;
  log: Logger;
  /** API path of the collection, e.g. /api/v1/namespaces. */
  path: string;
  pageSize: number;
  stallTimeoutMs: number;
  /** Deadline of each list request; DEFAULT_LIST_TIMEOUT_MS when omitted. */
  listTimeoutMs?: number;
  accept?: { list: string; watch: string };
  /** The kinds a watch event's object may have (e.g. Namespace); another is dropped and the watch relists. */
  kinds?: readonly string[];
  /** Where the manifests grant this watch its access, named in the 401/403 hint; deploy/base when omitted. */
  grantedBy?: string;
  /** Facts from an API object; undefined when the object is malformed (it is logged and skipped). */
  facts: (obj: unknown) => F | undefined;
  /**
   * Whether an object matters (every one when omitted). One that does not is held as absent: not cached, and an
   * update that makes a cached one not matter is delivered to onDelete. The cache then costs what matters: the
   * exporter's Services watch keeps the few that open a namespace, not every ClusterIP Service.
   */
  keep?: (facts: F) => boolean;
  onUpsert: (slim: Slim<F>) => void;
  onDelete: (slim: Slim<F>) => void;
  /** The cache holds a complete list (called as each watch opens after one, relists included). */
  onSynced?: () => void;
  backoff?: Backoff;
  random?: () => number;
  now?: () => number;
}

/** resetAfterMs: a failure this long after the previous one starts the backoff again (client-go: 2 min). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  resetAfterMs?: number;
}

export const DEFAULT_LIST_TIMEOUT_MS = 60_000;
const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 60_000, resetAfterMs: 120_000 };

export function restartReason(err: unknown): RestartReason {
  if (err instanceof ListTimeoutError) return 'list_timeout';
  const code = err instanceof ApiError ? err.statusCode : (err as { statusCode?: number } | null)?.statusCode;
  if (code === 401) return 'unauthorized';
  if (code === 403) return 'forbidden';
  if (code === 429) return 'throttled';
  if (code === 410) return 'gone';
  if (code !== undefined && code >= 500) return 'server_error';
  if (err instanceof TypeError || (err as { code?: unknown } | null)?.code === 'ECONNREFUSED')
    return 'connection';
  return 'other';
}

export class ResilientInformer<F> {
  private readonly listWatch: ListWatch<Slim<F>>;
  private stopped = true;
  private failures = 0;
  private lastFailureMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Aborts the list in flight when we stop: a hung one would otherwise outlive us by the list timeout. */
  private listAbort = new AbortController();

  constructor(private readonly options: InformerOptions<F>) {
    const { api, status, log, path, keep } = options;
    const slim = (obj: unknown): Slim<F> | undefined => {
      const facts = options.facts(obj);
      const metadata = (obj as { metadata?: Pick<Slim<F>, 'name' | 'namespace' | 'resourceVersion'> } | null)
        ?.metadata;
      if (facts === undefined || !metadata) return undefined;
      return new Slim(metadata.name, metadata.namespace, metadata.resourceVersion, facts);
    };
    const onMalformed = (detail: string): void => log.warn({ resource: status.resource }, detail);
    const watch = new StreamWatch({
      api,
      status,
      stallTimeoutMs: options.stallTimeoutMs,
      ...(options.accept ? { accept: options.accept.watch } : {}),
      ...(options.kinds ? { kinds: options.kinds } : {}),
      ...(keep ? { keeps: (s: unknown) => keep((s as Slim<F>).facts) } : {}),
      timeoutSeconds: () => 300 * (1 + this.random()),
      slim,
      onRestart: (reason) => status.countRestart(reason),
      onMalformed,
      onRelist: (reason, detail) =>
        log.warn({ resource: status.resource, reason }, `watch ended, relisting from scratch: ${detail}`),
      ...(options.onSynced ? { onSynced: options.onSynced } : {}),
      // The first event or bookmark of a new watch: the server serves again, the next failure is a first one.
      onLive: () => {
        this.failures = 0;
      },
    });
    const list = async () => {
      // Slimmed page by page: the full objects of one page at most are alive at a time.
      const { items, resourceVersion } = await api.listAll(
        path,
        options.pageSize,
        options.accept?.list,
        (item) => {
          const s = slim(item);
          if (!s) onMalformed(`malformed object in list: ${JSON.stringify(item).slice(0, 200)}`);
          return s && (keep?.(s.facts) ?? true) ? s : undefined;
        },
        { timeoutMs: options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS, signal: this.listAbort.signal },
      );
      log.debug({ resource: status.resource, items: items.length }, 'listed');
      // A complete list is data: the cache is current now, and stays up while events or bookmarks follow.
      status.markUp(options.stallTimeoutMs);
      return { items, metadata: { resourceVersion } };
    };
    this.listWatch = new ListWatch<Slim<F>>(
      path,
      watch as unknown as ConstructorParameters<typeof ListWatch>[1],
      list as unknown as ConstructorParameters<typeof ListWatch<Slim<F>>>[2],
      false,
    );
    this.listWatch.on('add', options.onUpsert);
    this.listWatch.on('update', options.onUpsert);
    this.listWatch.on('delete', options.onDelete);
    this.listWatch.on('error', (err: unknown) => this.onError(err));
  }

  private random(): number {
    return (this.options.random ?? Math.random)();
  }

  start(): void {
    this.stopped = false;
    this.listAbort = new AbortController();
    this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.listAbort.abort();
    await this.listWatch.stop();
    this.options.status.markDown();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private run(): void {
    this.listWatch.start().catch((err: unknown) => this.onError(err));
  }

  private onError(err: unknown): void {
    if (this.stopped) return; // our own stop() aborts the watch and client-node reports that as an error
    const { status, log } = this.options;
    const reason = restartReason(err);
    const { message, cause, address } = describeError(err);
    status.countRestart(reason);
    status.markDown(message);
    const { resetAfterMs } = { ...DEFAULT_BACKOFF, ...this.options.backoff };
    // Failures spread further apart than this are separate incidents: each starts from the initial backoff.
    if (this.now() - this.lastFailureMs >= resetAfterMs) this.failures = 0;
    this.lastFailureMs = this.now();
    this.failures++;
    const delay = this.backoffMs(err);
    const hint =
      reason === 'forbidden' || reason === 'unauthorized'
        ? ` (the exporter needs list and watch on ${status.resource}: see ${this.options.grantedBy ?? 'deploy/base'})`
        : reason === 'list_timeout'
          ? ' (if the API server is only slow, raise --watch.list-timeout)'
          : '';
    log.warn(
      {
        resource: status.resource,
        reason,
        ...(cause ? { cause } : {}),
        ...(address ? { address } : {}),
        attempt: this.failures,
        retryInMs: Math.round(delay),
      },
      `watch failed: ${message}${hint}`,
    );
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.run();
    }, delay);
  }

  private backoffMs(err: unknown): number {
    const { initialMs, maxMs } = { ...DEFAULT_BACKOFF, ...this.options.backoff };
    const exponential = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures - 1, 20));
    // Full jitter between half and the whole delay keeps restarts of many exporters from synchronising.
    const jittered = exponential * (0.5 + this.random() / 2);
    const retryAfterMs = err instanceof ApiError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0;
    // Retry-After is honoured up to the backoff's own maximum: a server asking for a day (or for more than a timer
    // can hold, which would fire at once) is asked again after maxMs, as an outage of that length would be.
    return timerDelay(Math.max(jittered, Math.min(retryAfterMs, maxMs)));
  }
}
