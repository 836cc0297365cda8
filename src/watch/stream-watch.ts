// A watch request that client-node's ListWatch can drive (`watch(path, query, callback, done)`), written here
// because client-node's own Watch cannot ask for bookmarks or a server-side timeout, hard-codes `Accept: */*`
// (no metadata-only watches), and reports neither connection nor stalls.
import type { KubeApi } from './kube-api.ts';
import type { EventType, RestartReason, WatchStatus } from './watch-status.ts';

export type WatchCallback = (phase: string, obj: unknown, watchObj?: unknown) => void;
export type DoneCallback = (err: unknown) => void;

export interface StreamWatchOptions {
  api: KubeApi;
  status: WatchStatus;
  /** A watch that sends no byte for this long (not even a bookmark) is treated as stalled and reopened. */
  stallTimeoutMs: number;
  accept?: string;
  /** Server-side timeout to ask for; randomised per request as client-go does, so watches do not reconnect in step. */
  timeoutSeconds?: () => number;
  /** Turns each event object into what the cache keeps; undefined drops a malformed object. */
  slim: (obj: unknown) => unknown;
  onRestart: (reason: RestartReason) => void;
  onMalformed: (detail: string) => void;
}

const EVENT_TYPES: Record<string, EventType> = {
  ADDED: 'added',
  MODIFIED: 'modified',
  DELETED: 'deleted',
  BOOKMARK: 'bookmark',
};

export class StreamWatch {
  constructor(private readonly options: StreamWatchOptions) {}

  async watch(
    path: string,
    query: Record<string, string | undefined>,
    callback: WatchCallback,
    done: DoneCallback,
  ): Promise<AbortController> {
    const { api, status, stallTimeoutMs } = this.options;
    // ListWatch only opens a watch after a complete list has been applied to its cache.
    status.synced = true;
    const controller = new AbortController();
    let finished = false;
    let sawGone = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: unknown, reason: RestartReason | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      status.markDown();
      if (reason) this.options.onRestart(reason);
      done(err);
    };
    const armStallTimer = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        controller.abort();
        // ListWatch reconnects from the same resourceVersion at once on a TimeoutError.
        finish(
          new DOMException('watch stalled: no data within the stall timeout', 'TimeoutError'),
          'stalled',
        );
      }, stallTimeoutMs);
      timer.unref();
    };

    const params: Record<string, string> = { watch: 'true', allowWatchBookmarks: 'true' };
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params[k] = v;
    const timeoutSeconds = this.options.timeoutSeconds?.();
    if (timeoutSeconds) params.timeoutSeconds = String(Math.round(timeoutSeconds));

    armStallTimer();
    try {
      const response = await api.request(
        'watch',
        path,
        params,
        this.options.accept
          ? { accept: this.options.accept, signal: controller.signal }
          : { signal: controller.signal },
      );
      status.markUp();
      armStallTimer();
      void this.read(response.body, controller, armStallTimer, callback, (gone) => {
        sawGone ||= gone;
      }).then(
        () => finish(null, sawGone ? 'gone' : 'closed'),
        (err) => {
          // An abort we did not cause comes from ListWatch itself (stop or reconnect): it expects no callback.
          if (controller.signal.aborted) {
            finished = true;
            clearTimeout(timer);
            status.markDown();
            return;
          }
          finish(err, undefined);
        },
      );
    } catch (err) {
      if (controller.signal.aborted && finished) return controller;
      const code = (err as { statusCode?: number }).statusCode;
      // 410 is handled inside ListWatch (relist); everything else surfaces as an informer error.
      finish(err, code === 410 ? 'gone' : undefined);
    }
    return controller;
  }

  private async read(
    body: AsyncIterable<Uint8Array> | null,
    controller: AbortController,
    onData: () => void,
    callback: WatchCallback,
    noteGone: (gone: boolean) => void,
  ): Promise<void> {
    if (!body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of body) {
      if (controller.signal.aborted) break;
      onData();
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) noteGone(this.dispatch(line, callback));
        newline = buffered.indexOf('\n');
      }
    }
    if (controller.signal.aborted) throw new DOMException('aborted', 'AbortError');
  }

  /** Handles one event line; returns true when it is a 410 ERROR (the server will close, ListWatch relists). */
  private dispatch(line: string, callback: WatchCallback): boolean {
    let event: { type?: unknown; object?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      this.options.onMalformed(`unparsable watch event: ${line.slice(0, 200)}`);
      return false;
    }
    const type = typeof event.type === 'string' ? event.type : '';
    if (type === 'ERROR') {
      const code = (event.object as { code?: unknown } | undefined)?.code;
      callback('ERROR', event.object ?? {});
      return code === 410;
    }
    const eventType = EVENT_TYPES[type];
    if (!eventType) {
      this.options.onMalformed(`watch event of unknown type ${JSON.stringify(type).slice(0, 50)}`);
      return false;
    }
    this.options.status.countEvent(eventType);
    if (eventType === 'bookmark') {
      const rv = (event.object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata
        ?.resourceVersion;
      if (typeof rv === 'string') callback('BOOKMARK', { metadata: { resourceVersion: rv } });
      return false;
    }
    const slim = this.options.slim(event.object);
    if (slim === undefined) {
      this.options.onMalformed(`${type} event with a malformed object: ${line.slice(0, 200)}`);
      return false;
    }
    callback(type, slim);
    return false;
  }
}
