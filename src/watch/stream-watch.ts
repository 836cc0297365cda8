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
  /** The first event or bookmark of a watch request arrived: the API server is serving again. */
  onLive?: () => void;
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
      // A clean end loses nothing: the cache stays current (up) until the stall timeout passes without data.
      if (reason !== 'closed') status.markDown();
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
      // Response headers prove nothing (a stalled watch sends them too): up waits for the first event or bookmark.
      armStallTimer();
      let live = false;
      const onEvent = (): void => {
        status.markUp(stallTimeoutMs);
        if (live) return;
        live = true;
        this.options.onLive?.();
      };
      void this.read(response.body, controller, armStallTimer, (line) => {
        sawGone ||= this.dispatch(line, callback, onEvent);
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
    onLine: (line: string) => void,
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
        if (line) onLine(line);
        newline = buffered.indexOf('\n');
      }
    }
    if (controller.signal.aborted) throw new DOMException('aborted', 'AbortError');
  }

  /**
   * Handles one event line; returns true when it is a 410 ERROR (the server will close, ListWatch relists).
   * onEvent is called for every event or bookmark of a known type, the proof that the watch delivers.
   */
  private dispatch(line: string, callback: WatchCallback, onEvent: () => void): boolean {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      this.options.onMalformed(`unparsable watch event: ${line.slice(0, 200)}`);
      return false;
    }
    // `null`, `42`, `"x"` and `[...]` are valid JSON but no event: junk like any other, never a reason to reconnect.
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      this.options.onMalformed(`watch event that is not an object: ${line.slice(0, 200)}`);
      return false;
    }
    const { type: rawType, object } = event as { type?: unknown; object?: unknown };
    const type = typeof rawType === 'string' ? rawType : '';
    if (type === 'ERROR') {
      const code = (object as { code?: unknown } | null | undefined)?.code;
      callback('ERROR', object ?? {});
      return code === 410;
    }
    const eventType = Object.hasOwn(EVENT_TYPES, type) ? EVENT_TYPES[type] : undefined;
    if (!eventType) {
      this.options.onMalformed(`watch event of unknown type ${JSON.stringify(rawType ?? null).slice(0, 50)}`);
      return false;
    }
    this.options.status.countEvent(eventType);
    onEvent();
    if (eventType === 'bookmark') {
      const rv = (object as { metadata?: { resourceVersion?: unknown } } | null | undefined)?.metadata
        ?.resourceVersion;
      if (typeof rv === 'string') callback('BOOKMARK', { metadata: { resourceVersion: rv } });
      return false;
    }
    const slim = this.options.slim(object);
    if (slim === undefined) {
      this.options.onMalformed(`${type} event with a malformed object: ${line.slice(0, 200)}`);
      return false;
    }
    callback(type, slim);
    return false;
  }
}
