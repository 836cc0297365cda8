// One timer for many deadlines: it is armed for the earliest one only, so time-driven changes (an exemption
// expiring) take effect with no watch event, without polling every namespace. The clock is injected so unit
// tests can move time by hand.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // unref: a pending expiry alone must not keep a process (or a test run) alive.
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Node's setTimeout fires at once (after 1 ms) beyond 2^31-1 ms, about 24.8 days. */
const NODE_TIMER_LIMIT_MS = 2 ** 31 - 1;

/**
 * A delay Node's setTimeout honours: at most NODE_TIMER_LIMIT_MS (an overflowing one would fire at once and turn a
 * long wait into a hot loop), at least 0, and the limit for anything not a number.
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return NODE_TIMER_LIMIT_MS;
  return Math.min(Math.max(0, ms), NODE_TIMER_LIMIT_MS);
}

/** Longer waits are taken in steps (a wake-up a day is free). */
export const MAX_TIMER_MS = 86_400_000;

export class DeadlineTimer {
  private readonly deadlines = new Map<string, number>();
  private handle: unknown;
  private armedFor: number | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (keys: string[]) => void,
  ) {}

  /** Sets (or with undefined, clears) the deadline of a key, in epoch milliseconds. */
  set(key: string, atMs: number | undefined): void {
    const before = this.deadlines.get(key);
    if (before === atMs) return;
    if (atMs === undefined) this.deadlines.delete(key);
    else this.deadlines.set(key, atMs);
    this.arm();
  }

  get pending(): number {
    return this.deadlines.size;
  }

  /** The deadline the timer is armed for, if any. */
  get nextDeadline(): number | undefined {
    return this.armedFor;
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    let earliest: number | undefined;
    for (const at of this.deadlines.values()) if (earliest === undefined || at < earliest) earliest = at;
    if (earliest === this.armedFor) return;
    this.disarm();
    if (earliest === undefined) return;
    this.armedFor = earliest;
    const delay = Math.min(Math.max(0, earliest - this.clock.now()), MAX_TIMER_MS);
    this.handle = this.clock.setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.handle = undefined;
    this.armedFor = undefined;
    const now = this.clock.now();
    const due = [...this.deadlines].filter(([, at]) => at <= now).map(([key]) => key);
    for (const key of due) this.deadlines.delete(key);
    // A timer that fired early (or a step of a long wait) finds nothing due and simply re-arms.
    if (due.length > 0) this.onDue(due);
    this.arm();
  }
}
