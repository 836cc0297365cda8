// A watch request that client-node's ListWatch can drive (`watch(path, query, callback, done)`), written here
// because client-node's own Watch cannot ask for bookmarks or a server-side timeout, hard-codes `Accept: */*`
// (no metadata-only watches), and reports neither connection nor stalls.
import { timerDelay } from '../support/deadline-timer.ts';
import { ApiError, isTooLargeResourceVersion, type KubeApi } from './kube-api.ts';
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
  /**
   * Whether the cache keeps an object (every one when omitted). One it does not keep arrives as a deletion: the
   * cache drops it if it held it (an update made it not matter) and never holds it otherwise.
   */
  keeps?: (slim: unknown) => boolean;
  onRestart: (reason: RestartReason) => void;
  onMalformed: (detail: string) => void;
  /** The first event or bookmark of a watch request arrived: the API server is serving again. */
  onLive?: () => void;
  /** The kinds an event's object may have; an event of another kind ends the watch and relists. Any when omitted. */
  kinds?: readonly string[];
  /** The watch ended in a way only a list from scratch repairs (ListWatch relists next): why, in one line. */
  onRelist?: (reason: RestartReason, detail: string) => void;
  /** A complete list was applied to the cache (called as each watch opens after one). */
  onSynced?: () => void;
  /** The longest line read; MAX_WATCH_LINE_BYTES when omitted. */
  maxLineBytes?: number;
}

/**
 * The longest watch line kept. etcd stores at most 1.5 MiB per object and the API server refuses request bodies over
 * 3 MiB, so no event of a real object comes near 4 MiB: a longer line is junk or a stream that never ends a line, and
 * buffering it would grow memory without bound. Past it the watch ends and relists.
 */
const MAX_WATCH_LINE_BYTES = 4 * 1024 * 1024;

/** An end after which only a list from scratch can be trusted: ListWatch relists on a 410, as on Gone. */
class RelistError extends Error {
  readonly statusCode = 410;
  constructor(message: string) {
    super(message);
    this.name = 'RelistError';
  }
}

class LineTooLongError extends Error {
  constructor(readonly bytes: number) {
    super(`a watch line grew past ${bytes} bytes without ending`);
    this.name = 'LineTooLongError';
  }
}

/** What one line asks of the watch: nothing, the end that a 410 ERROR announces, or an immediate relist. */
type LineOutcome = undefined | 'gone' | { reason: RestartReason; detail: string };

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
    this.options.onSynced?.();
    const controller = new AbortController();
    let finished = false;
    let sawGone = false;
    let timer: NodeJS.Timeout | undefined;
    const relist = (reason: RestartReason, detail: string): void => {
      if (finished) return;
      this.options.onRelist?.(reason, detail);
      controller.abort();
      finish(new RelistError(detail), reason);
    };
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
      }, timerDelay(stallTimeoutMs));
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
        const outcome = this.dispatch(line, callback, onEvent);
        if (outcome === 'gone') sawGone = true;
        else if (outcome) relist(outcome.reason, outcome.detail);
      }).then(
        () => finish(null, sawGone ? 'gone' : 'closed'),
        (err) => {
          if (err instanceof LineTooLongError) {
            relist('line_too_long', `${err.message} (the limit is ${this.maxLineBytes} bytes)`);
            return;
          }
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
      // A restored etcd: resuming from our resourceVersion can never work, only a list from scratch does.
      if (err instanceof ApiError && isTooLargeResourceVersion(err.status)) {
        relist('resource_version_too_large', err.message);
        return controller;
      }
      // 410 is handled inside ListWatch (relist); everything else surfaces as an informer error.
      finish(err, code === 410 ? 'gone' : undefined);
    }
    return controller;
  }

  private get maxLineBytes(): number {
    return this.options.maxLineBytes ?? MAX_WATCH_LINE_BYTES;
  }

  /**
   * Reads lines until the body ends. onLines is called for each chunk that completes a line: only whole lines are
   * data (a line that drips without end must not keep the watch looking alive); a line past the limit throws.
   */
  private async read(
    body: AsyncIterable<Uint8Array> | null,
    controller: AbortController,
    onLines: () => void,
    onLine: (line: string) => void,
  ): Promise<void> {
    if (!body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    let lineBytes = 0;
    for await (const chunk of body) {
      if (controller.signal.aborted) break;
      const lastNewline = chunk.lastIndexOf(0x0a);
      lineBytes = lastNewline < 0 ? lineBytes + chunk.length : chunk.length - lastNewline - 1;
      if (lineBytes > this.maxLineBytes) throw new LineTooLongError(lineBytes);
      buffered += decoder.decode(chunk, { stream: true });
      if (lastNewline < 0) continue;
      onLines();
      let newline = buffered.indexOf('\n');
      while (newline >= 0 && !controller.signal.aborted) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onLine(line);
        newline = buffered.indexOf('\n');
      }
    }
    if (controller.signal.aborted) throw new DOMException('aborted', 'AbortError');
  }

  /**
   * Handles one event line; returns 'gone' for a 410 ERROR (the server will close, ListWatch relists), a reason to
   * relist at once for a "too large resource version" ERROR or an object of the wrong kind, else nothing.
   * onEvent is called for every event or bookmark of a known type, the proof that the watch delivers.
   */
  private dispatch(line: string, callback: WatchCallback, onEvent: () => void): LineOutcome {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      this.options.onMalformed(`unparsable watch event: ${line.slice(0, 200)}`);
      return undefined;
    }
    // `null`, `42`, `"x"` and `[...]` are valid JSON but no event: junk like any other, never a reason to reconnect.
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      this.options.onMalformed(`watch event that is not an object: ${line.slice(0, 200)}`);
      return undefined;
    }
    const { type: rawType, object } = event as { type?: unknown; object?: unknown };
    const type = typeof rawType === 'string' ? rawType : '';
    if (type === 'ERROR') {
      if (isTooLargeResourceVersion(object)) {
        const message = (object as { message?: unknown }).message;
        return { reason: 'resource_version_too_large', detail: `watch ERROR: ${String(message)}` };
      }
      const code = (object as { code?: unknown } | null | undefined)?.code;
      callback('ERROR', object ?? {});
      return code === 410 ? 'gone' : undefined;
    }
    const eventType = Object.hasOwn(EVENT_TYPES, type) ? EVENT_TYPES[type] : undefined;
    if (!eventType) {
      this.options.onMalformed(`watch event of unknown type ${JSON.stringify(rawType ?? null).slice(0, 50)}`);
      return undefined;
    }
    // client-go drops an object of another kind; here it also ends the watch, since a stream that mixes kinds
    // (a confused proxy or server) cannot be trusted for what it sent before: the relist after it can.
    const kind = (object as { kind?: unknown } | null | undefined)?.kind;
    const { kinds } = this.options;
    if (eventType !== 'bookmark' && kinds && kind !== undefined && !kinds.includes(kind as string))
      return {
        reason: 'wrong_kind',
        detail: `${type} event of kind ${JSON.stringify(kind).slice(0, 80)} on a watch of ${kinds.join(' or ')}`,
      };
    this.options.status.countEvent(eventType);
    onEvent();
    if (eventType === 'bookmark') {
      const rv = (object as { metadata?: { resourceVersion?: unknown } } | null | undefined)?.metadata
        ?.resourceVersion;
      if (typeof rv === 'string') callback('BOOKMARK', { metadata: { resourceVersion: rv } });
      return undefined;
    }
    const slim = this.options.slim(object);
    if (slim === undefined) {
      this.options.onMalformed(`${type} event with a malformed object: ${line.slice(0, 200)}`);
      return undefined;
    }
    callback(type !== 'DELETED' && this.options.keeps?.(slim) === false ? 'DELETED' : type, slim);
    return undefined;
  }
}
