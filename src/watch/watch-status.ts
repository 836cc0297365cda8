// What the exporter knows about each of its watches: the facts behind /readyz and the exporter's own metrics.

export type RestartReason =
  | 'closed'
  | 'stalled'
  | 'gone'
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'server_error'
  | 'connection'
  | 'other';

export type EventType = 'added' | 'modified' | 'deleted' | 'bookmark';

export class WatchStatus {
  synced = false;
  up = false;
  /** When the watch was last up (or when watching started, if it never was); ms since epoch. */
  lastUpMs: number;
  lastError: string | undefined;
  readonly restarts = new Map<RestartReason, number>();
  readonly events = new Map<EventType, number>();
  readonly requests = new Map<string, number>();

  constructor(
    readonly resource: string,
    private readonly now: () => number = Date.now,
  ) {
    this.lastUpMs = now();
  }

  markUp(): void {
    this.up = true;
    this.lastError = undefined;
    this.lastUpMs = this.now();
  }

  markDown(error?: string): void {
    if (this.up) this.lastUpMs = this.now();
    this.up = false;
    if (error !== undefined) this.lastError = error;
  }

  staleSeconds(): number {
    return this.up ? 0 : Math.max(0, (this.now() - this.lastUpMs) / 1000);
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
