// A clock tests move by hand: timers fire only inside advance(), in deadline order.
import type { Clock } from '../../src/support/deadline-timer.ts';

interface PendingTimer {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private timers: PendingTimer[] = [];
  private nextId = 1;
  /** Every delay a timer was armed with, for asserting that nothing polls. */
  readonly delays: number[] = [];

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.delays.push(ms);
    this.timers.push({ id, at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing each timer that comes due at its own moment. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
  }
}
