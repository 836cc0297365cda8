// The line of password checks waiting for the one bcrypt comparison at a time. A wrong password is cheap to send
// and dear to check, so the order of the line decides whether a client that knows its password gets in during a
// flood. exporter-toolkit lets every request wait its turn on one mutex; this line adds who goes next:
// - addresses take turns: an address that floods is served once per round, however fast it sends;
// - within an address, connections that have not sent a wrong password go first, and those that have ("suspect")
//   get every fourth turn (so one that mistyped once is not starved): a flood on keep-alive connections from the
//   very address Prometheus scrapes from (a NAT, a shared node) delays Prometheus' first check by about two
//   comparisons, not by the whole flood. Only a flood's first round, before any of its connections has been
//   answered, looks as clean as Prometheus: then it waits its turn among them, as with exporter-toolkit;
// - a connection has one check waiting at most, an address `perAddress`, all together `total`. When there is no
//   place left, a suspect check gives up its place to one from a connection with a clean record, and the fullest
//   address gives up one to an address with fewer: no flood holds every place.
// A check that loses its place, or finds none, is answered "busy" (503 with Retry-After) at once.

export interface Waiting {
  address: string;
  /** The connection (its socket) the check came on. */
  connection: object;
  /** Whether that connection had sent a wrong password when the check joined the line. */
  suspect: boolean;
}

export interface QueueLimits {
  /** Checks waiting from one client address. */
  perAddress: number;
  /** Checks waiting in all. */
  total: number;
}

/** One address's waiting checks, oldest first. */
interface Lane<T> {
  clean: T[];
  suspect: T[];
  /** Clean checks taken in a row while suspect ones waited. */
  cleanStreak: number;
}

/** Clean checks taken for each suspect one, when both wait. */
const CLEAN_PER_SUSPECT = 3;

const sizeOf = (lane: Lane<unknown> | undefined) => (lane ? lane.clean.length + lane.suspect.length : 0);

export class CheckQueue<T extends Waiting> {
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly waitingOn = new WeakSet<object>();
  private size = 0;
  /** When each recent address was last served (a count of checks taken), oldest first. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;

  constructor(
    private readonly limits: QueueLimits,
    /** Hears of a check that gave up its place; it is no longer in the line. */
    private readonly onEvicted: (job: T) => void,
  ) {}

  /** Puts a check in line; false when there is no place for it (nothing changed then). */
  add(job: T): boolean {
    if (this.waitingOn.has(job.connection)) return false;
    const here = sizeOf(this.lanes.get(job.address));
    if (here >= this.limits.perAddress && (job.suspect || !this.evictSuspect(job.address))) return false;
    if (this.size >= this.limits.total && !this.makeRoom(job)) return false;
    let lane = this.lanes.get(job.address);
    if (!lane) {
      lane = { clean: [], suspect: [], cleanStreak: 0 };
      this.lanes.set(job.address, lane);
    }
    (job.suspect ? lane.suspect : lane.clean).push(job);
    this.waitingOn.add(job.connection);
    this.size++;
    return true;
  }

  /** The next check: from the address served longest ago (or never); within it, clean connections first. */
  take(): T | undefined {
    let next: string | undefined;
    let servedAt = Number.POSITIVE_INFINITY;
    for (const address of this.lanes.keys()) {
      const at = this.lastServed.get(address) ?? 0;
      if (at < servedAt) {
        next = address;
        servedAt = at;
      }
    }
    const lane = next === undefined ? undefined : this.lanes.get(next);
    if (next === undefined || !lane) return undefined;
    const fromSuspect =
      lane.suspect.length > 0 && (lane.clean.length === 0 || lane.cleanStreak >= CLEAN_PER_SUSPECT);
    const job = fromSuspect ? lane.suspect.shift() : lane.clean.shift();
    lane.cleanStreak = fromSuspect ? 0 : lane.cleanStreak + 1;
    this.lastServed.delete(next);
    this.lastServed.set(next, ++this.served);
    if (this.lastServed.size > 1024) this.lastServed.delete(this.lastServed.keys().next().value as string);
    if (job) this.removed(job);
    return job;
  }

  /** The total is reached: the fullest other address gives up a check, or else a suspect one of this address. */
  private makeRoom(job: T): boolean {
    const own = sizeOf(this.lanes.get(job.address));
    let fullest: string | undefined;
    for (const [address, lane] of this.lanes)
      if (address !== job.address && sizeOf(lane) > sizeOf(fullest ? this.lanes.get(fullest) : undefined))
        fullest = address;
    // Only from an address holding more than this one will after: two floods do not take places back and forth.
    if (fullest !== undefined && sizeOf(this.lanes.get(fullest)) > own + 1) return this.evictNewest(fullest);
    return !job.suspect && this.evictSuspect(job.address);
  }

  private evictSuspect(address: string): boolean {
    const job = this.lanes.get(address)?.suspect.pop();
    if (!job) return false;
    this.evicted(job);
    return true;
  }

  private evictNewest(address: string): boolean {
    const lane = this.lanes.get(address);
    const job = lane?.suspect.pop() ?? lane?.clean.pop();
    if (!job) return false;
    this.evicted(job);
    return true;
  }

  private evicted(job: T): void {
    this.removed(job);
    this.onEvicted(job);
  }

  private removed(job: T): void {
    this.waitingOn.delete(job.connection);
    this.size--;
    if (sizeOf(this.lanes.get(job.address)) === 0) this.lanes.delete(job.address);
  }
}
