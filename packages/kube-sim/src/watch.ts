// Watch streams: newline-delimited JSON events over a chunked 200 response, like kube-apiserver's watch cache.
// Resumes replay retained history after the given resourceVersion; a too-old one gets an ERROR event carrying a
// 410 Status and the stream ends, which is exactly what makes informers relist.

import type { ServerResponse } from 'node:http';
import type { KindDef } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import type { KObject } from './objects.ts';
import type { FieldSelector, LabelSelector } from './selectors.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { errors, StatusError } from './status.ts';
import type { EventType, Store, StoreEvent } from './store.ts';
import { type IncludeObject, partialMetadata, toTable } from './table.ts';

export type ObjectFormat = 'full' | 'partial' | 'table';

export interface WatchParams {
  kind: KindDef;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  resourceVersion?: string | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number;
  format: ObjectFormat;
  includeObject: IncludeObject;
}

/** How a watch from a resourceVersion the store has not reached is refused: an HTTP 504, or 200 and an ERROR event. */
export type TooLargeAs = 'status' | 'event';

export class WatchHub {
  private readonly conns = new Set<WatchConnection>();
  private stalled = false;
  private endless = false;
  tooLargeAs: TooLargeAs = 'status';

  constructor(
    private readonly store: Store,
    private readonly bookmarkIntervalMs: number,
  ) {}

  get isStalled(): boolean {
    return this.stalled;
  }

  get openCount(): number {
    return this.conns.size;
  }

  get endlessLines(): boolean {
    return this.endless;
  }

  /** While on, every watch (open or new) streams one line that never ends instead of its events. */
  setEndlessLines(on: boolean): void {
    this.endless = on;
    if (on) for (const c of this.conns) c.streamEndlessLine();
  }

  /** Writes a raw event line into every open watch of the kind, whatever it holds. */
  inject(kind: KindDef, event: unknown): void {
    for (const c of this.conns) if (c.kind === kind) c.sendRaw(event);
  }

  /** Starts a watch on res. Throws StatusError (before any byte is written) for bad selectors. */
  open(res: ServerResponse, p: WatchParams): void {
    const labels = parseLabelSelector(p.labelSelector);
    const fields = parseFieldSelector(p.fieldSelector);
    const conn = new WatchConnection(this, res, p, labels, fields);
    const rv = p.resourceVersion;
    const fromState = rv === undefined || rv === '' || rv === '0' || p.sendInitialEvents;

    let replay: StoreEvent[] = [];
    let expired: StatusError | undefined;
    if (!fromState) {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) {
        throw new StatusError(400, 'BadRequest', `invalid resource version "${rv}"`);
      }
      // After an etcd restore a client may hold a revision the store has not reached: refused, never silently resumed.
      if (n > this.store.resourceVersion) {
        expired = errors.tooLargeResourceVersion(n, this.store.resourceVersion);
        if (this.tooLargeAs === 'status') throw expired;
      }
      try {
        if (!expired) replay = this.store.eventsSince(p.kind, n);
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        expired = e;
      }
    }

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (expired) {
      // The real server answers 200 and then a single ERROR event with the 410 Status.
      conn.sendRaw({ type: 'ERROR', object: expired.status });
      res.end();
      return;
    }
    this.conns.add(conn);
    if (this.endless) {
      conn.streamEndlessLine();
      return;
    }
    // Subscribing and reading current state happen in the same tick: no event can fall in between.
    conn.unsubscribe = this.store.subscribe((ev) => conn.onEvent(ev));
    if (fromState) {
      for (const obj of this.store.list(p.kind, { namespace: p.namespace }).items) {
        if (conn.matches(obj)) conn.send('ADDED', obj);
      }
      if (p.sendInitialEvents && p.allowBookmarks) {
        conn.sendBookmark(String(this.store.resourceVersion), { 'k8s.io/initial-events-end': 'true' });
      }
    } else {
      for (const ev of replay) conn.onEvent(ev);
    }
    conn.startTimers(this.bookmarkIntervalMs, () => String(this.store.resourceVersion));
  }

  closeAll(): void {
    for (const c of [...this.conns]) c.close();
  }

  setStalled(on: boolean): void {
    this.stalled = on;
    if (!on) for (const c of this.conns) c.flush();
  }

  forget(c: WatchConnection): void {
    this.conns.delete(c);
  }
}

class WatchConnection {
  unsubscribe: (() => void) | undefined;
  private pending: string[] = [];
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private sentTableHeader = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly res: ServerResponse,
    private readonly p: WatchParams,
    private readonly labels: LabelSelector,
    private readonly fields: FieldSelector,
  ) {
    res.on('close', () => this.cleanup());
  }

  get kind(): KindDef {
    return this.p.kind;
  }

  /** The start of an event whose line never ends: 64 KiB at a time, as fast as the client reads, until closed. */
  streamEndlessLine(): void {
    if (this.closed) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.res.write('{"type":"ADDED","object":{"kind":"Namespace","metadata":{"name":"');
    const chunk = 'x'.repeat(65_536);
    const pump = (): void => {
      while (!this.closed && this.hub.endlessLines)
        if (!this.res.write(chunk)) return void this.res.once('drain', pump);
    };
    pump();
  }

  matches(obj: KObject): boolean {
    if (this.p.kind.namespaced && this.p.namespace && obj.metadata.namespace !== this.p.namespace)
      return false;
    return this.labels(obj.metadata.labels) && this.fields(obj as { metadata: { name?: string } });
  }

  /** Filtered watches see transitions as the real watch cache reports them: entering = ADDED, leaving = DELETED. */
  onEvent(ev: StoreEvent): void {
    if (ev.kind !== this.p.kind) return;
    const now = this.matches(ev.object);
    const before = ev.previous !== undefined && ev.type === 'MODIFIED' ? this.matches(ev.previous) : now;
    if (ev.type === 'MODIFIED') {
      if (now && before) this.send('MODIFIED', ev.object);
      else if (now) this.send('ADDED', ev.object);
      else if (before && ev.previous) {
        this.send('DELETED', {
          ...ev.previous,
          metadata: { ...ev.previous.metadata, resourceVersion: String(ev.rv) },
        });
      }
    } else if (now) {
      this.send(ev.type, ev.object);
    }
  }

  send(type: EventType, obj: KObject): void {
    let object: unknown;
    if (this.p.format === 'partial') object = partialMetadata(obj);
    else if (this.p.format === 'table') {
      object = toTable(
        this.p.kind,
        [obj],
        { resourceVersion: obj.metadata.resourceVersion },
        this.p.includeObject,
        !this.sentTableHeader,
      );
      this.sentTableHeader = true;
    } else object = obj;
    this.sendRaw({ type, object });
  }

  sendBookmark(rv: string, annotations?: Record<string, string>): void {
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (annotations) metadata.annotations = annotations;
    const object =
      this.p.format === 'full'
        ? { kind: this.p.kind.kind, apiVersion: apiVersionOf(this.p.kind), metadata }
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
    this.sendRaw({ type: 'BOOKMARK', object });
  }

  sendRaw(ev: unknown): void {
    if (this.closed) return;
    const line = `${JSON.stringify(ev)}\n`;
    if (this.hub.isStalled) this.pending.push(line);
    else this.res.write(line);
  }

  flush(): void {
    if (this.closed || this.pending.length === 0) return;
    this.res.write(this.pending.join(''));
    this.pending = [];
  }

  startTimers(bookmarkIntervalMs: number, currentRv: () => string): void {
    if (this.p.allowBookmarks && bookmarkIntervalMs > 0) {
      this.bookmarkTimer = setInterval(() => {
        if (!this.hub.isStalled) this.sendBookmark(currentRv());
      }, bookmarkIntervalMs);
      this.bookmarkTimer.unref();
    }
    if (this.p.timeoutSeconds > 0) {
      this.timeoutTimer = setTimeout(() => this.close(), this.p.timeoutSeconds * 1000);
      this.timeoutTimer.unref();
    }
  }

  /** Clean end of the response (what clients see when the server's watch timeout expires). */
  close(): void {
    if (this.closed) return;
    this.cleanup();
    this.res.end();
  }

  private cleanup(): void {
    this.closed = true;
    this.pending = [];
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.hub.forget(this);
  }
}
