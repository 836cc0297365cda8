// What the exporter knows about each of its watches: the facts behind /readyz and the exporter's own metrics.

export type RestartReason =
  | 'closed'
  | 'stalled'
  | 'gone'
  | 'resource_version_too_large'
  | 'line_too_long'
  | 'wrong_kind'
  | 'list_timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'server_error'
  | 'connection'
  | 'other';

export type EventType = 'added' | 'modified' | 'deleted' | 'bookmark';

export class WatchStatus {
  synced = false;
  lastError: string | undefined;
  readonly restarts = new Map<RestartReason, number>();
  readonly events = new Map<EventType, number>();
  readonly requests = new Map<string, number>();
  /** Data (an event or a bookmark) arrived and nothing has failed since. */
  private live = false;
  /**
   * While live: until when the last data vouches for the cache. Otherwise: when the watch stopped being up (or
   * when watching started, if it never was); ms since epoch.
   */
  private upUntilMs: number;

  constructor(
    readonly resource: string,
    private readonly now: () => number = Date.now,
  ) {
    this.upUntilMs = now();
  }

  /**
   * Up: data arrived within the last freshForMs (the stall timeout) and nothing failed since. Open response headers
   * alone say nothing: a watch that never delivers a byte is not up.
   */
  get up(): boolean {
    return this.live && this.now() < this.upUntilMs;
  }

  /** Data (an event or a bookmark) arrived: the cache is current, and stays so for freshForMs without more. */
  markUp(freshForMs = Number.POSITIVE_INFINITY): void {
    this.live = true;
    this.lastError = undefined;
    this.upUntilMs = this.now() + freshForMs;
  }

  markDown(error?: string): void {
    if (this.live) this.upUntilMs = Math.min(this.upUntilMs, this.now());
    this.live = false;
    if (error !== undefined) this.lastError = error;
  }

  /** 0 while up; else seconds since the watch was last up (or since watching started). */
  staleSeconds(): number {
    return this.up ? 0 : Math.max(0, (this.now() - this.upUntilMs) / 1000);
  }

  countRestart(reason: RestartReason): void {
    this.restarts.set(reason, (this.restarts.get(reason) ?? 0) + 1);
  }

  countEvent(type: EventType): void {
    this.events.set(type, (this.events.get(type) ?? 0) + 1);
  }

  countRequest(verb: string, code: string): void {
    const key = `${verb} ${code}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }
}
