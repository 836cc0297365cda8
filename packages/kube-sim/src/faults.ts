// Failures on demand, so exporter tests can reproduce every way a real API server misbehaves: dropped watches,
// 5xx/429 bursts with any Retry-After, slowness, silent (stalled) watches, compacted history, unreachable servers,
// an etcd restored from a backup, watch lines that never end and events of the wrong kind.

import { errors, type StatusError } from './status.ts';
import type { StoreBackup } from './store.ts';
import type { TooLargeAs } from './watch.ts';

export interface FaultHooks {
  closeWatches(): void;
  stallWatches(on: boolean): void;
  forgetHistory(): void;
  refuseConnections(on: boolean): void;
  backup(): StoreBackup;
  restore(backup: StoreBackup): void;
  tooLargeAs(mode: TooLargeAs): void;
  endlessWatchLines(on: boolean): void;
  injectWatchEvent(resource: string, event: unknown): void;
}

export type FailStatus = 500 | 429 | 503;

export class Faults {
  private failRemaining = 0;
  private failStatus: FailStatus = 500;
  private retryAfterSeconds = 1;
  private latency = 0;
  private listsHang = false;

  constructor(private readonly hooks: FaultHooks) {}

  /** End every open watch response cleanly (clients see a normal end of stream and resume from their RV). */
  closeWatches(): void {
    this.hooks.closeWatches();
  }

  /**
   * Fail the next n requests (any path, counted by arrival) with a 500 InternalError, or a 429 (API Priority and
   * Fairness) or 503 with Retry-After: retryAfterSeconds, 1 by default, may be anything a server might send.
   */
  failNext(n: number, opts: { status: FailStatus; retryAfterSeconds?: number } = { status: 500 }): void {
    this.failRemaining = Math.max(0, Math.floor(n));
    this.failStatus = opts.status;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 1;
  }

  /** Delay every response by ms (0 turns it off). */
  setLatency(ms: number): void {
    this.latency = Math.max(0, ms);
  }

  get latencyMs(): number {
    return this.latency;
  }

  /** While on, list requests get no answer at all: each hangs until its client gives up. Later lists are answered. */
  hangLists(on: boolean): void {
    this.listsHang = on;
  }

  get listsHanging(): boolean {
    return this.listsHang;
  }

  /** While on, watches stay open but receive no bytes at all (no events, no bookmarks); queued events flow when off. */
  stallWatches(on: boolean): void {
    this.hooks.stallWatches(on);
  }

  /** Drop the retained watch history: any resume from an older resourceVersion gets 410 Expired. */
  forgetHistory(): void {
    this.hooks.forgetHistory();
  }

  /** While on, every TCP connection (new and existing) is reset: clients see connection errors. */
  refuseConnections(on: boolean): void {
    this.hooks.refuseConnections(on);
  }

  /** Every object and the revision as of now, for restoreBackup. */
  backup(): StoreBackup {
    return this.hooks.backup();
  }

  /**
   * An etcd restore: objects and resourceVersion go back to the backup, open watches end, and a watch resuming from
   * a newer resourceVersion gets "Too large resource version" (see tooLargeResourceVersionAs).
   */
  restoreBackup(backup: StoreBackup): void {
    this.hooks.restore(backup);
    this.hooks.closeWatches();
  }

  /** How a too-large resourceVersion is refused: an HTTP 504 Status (default) or 200 and an ERROR event with it. */
  tooLargeResourceVersionAs(mode: TooLargeAs): void {
    this.hooks.tooLargeAs(mode);
  }

  /** While on, every watch (open or new) sends one line that never ends, as fast as the client reads. */
  endlessWatchLines(on: boolean): void {
    this.hooks.endlessWatchLines(on);
  }

  /** Sends a raw event line (any type, any object: a Pod on the namespaces watch) into the resource's open watches. */
  injectWatchEvent(resource: string, event: unknown): void {
    this.hooks.injectWatchEvent(resource, event);
  }

  /** Called once per request: the error to answer with, if a failure is pending. */
  takeFailure(): StatusError | undefined {
    if (this.failRemaining <= 0) return undefined;
    this.failRemaining--;
    if (this.failStatus === 429) return errors.tooManyRequests(this.retryAfterSeconds);
    if (this.failStatus === 503) return errors.serviceUnavailable(this.retryAfterSeconds);
    return errors.internal();
  }
}
