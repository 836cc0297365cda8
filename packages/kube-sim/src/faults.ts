// Failures on demand, so exporter tests can reproduce every way a real API server misbehaves: dropped watches,
// 5xx/429 bursts, slowness, silent (stalled) watches, compacted history and unreachable servers.

import { errors, type StatusError } from './status.ts';

export interface FaultHooks {
  closeWatches(): void;
  stallWatches(on: boolean): void;
  forgetHistory(): void;
  refuseConnections(on: boolean): void;
}

export class Faults {
  private failRemaining = 0;
  private failStatus: 500 | 429 = 500;
  private retryAfterSeconds = 1;
  private latency = 0;
  private listsHang = false;

  constructor(private readonly hooks: FaultHooks) {}

  /** End every open watch response cleanly (clients see a normal end of stream and resume from their RV). */
  closeWatches(): void {
    this.hooks.closeWatches();
  }

  /** Fail the next n requests (any path, counted by arrival) with a 500 InternalError or a 429 with Retry-After. */
  failNext(n: number, opts: { status: 500 | 429; retryAfterSeconds?: number } = { status: 500 }): void {
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

  /** Called once per request: the error to answer with, if a failure is pending. */
  takeFailure(): StatusError | undefined {
    if (this.failRemaining <= 0) return undefined;
    this.failRemaining--;
    return this.failStatus === 429 ? errors.tooManyRequests(this.retryAfterSeconds) : errors.internal();
  }
}
