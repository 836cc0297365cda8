// Basic-auth password checks that a flood of wrong passwords cannot turn into a lockout. bcrypt is slow on purpose
// (about 70 ms at cost 10), so:
// - comparisons run on a worker thread, one at a time: the event loop that serves scrapes and probes never runs one;
// - results are remembered both ways, as exporter-toolkit does, but in two caches, so distinct wrong passwords can
//   only evict other wrong ones, never the entry of a client that knows its password;
// - a connection that has sent a wrong password is remembered as suspect, and the line of waiting checks
//   (check-queue.ts) takes addresses, and clean and suspect connections within one, in turn: a flood delays the
//   first check of a client that knows its password by a few comparisons, even from the same address.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CheckQueue, type Waiting } from './check-queue.ts';

export type Verdict = 'ok' | 'bad' | 'busy';

/** Compares a password with a bcrypt hash. */
export type Compare = (password: string, hash: string) => Promise<boolean>;

export interface PasswordVerifierOptions {
  /** A worker thread running bcryptjs by default; tests pass their own. */
  compare?: Compare;
  /** Checks one client address may have waiting; default 64, the connections it may hold (one check each). */
  maxWaitingPerClient?: number;
  /** Checks waiting in all; default 256. */
  maxWaiting?: number;
  /** Remembered good credentials; default 256 (a handful of users, each with its current password). */
  maxGood?: number;
  /** Remembered wrong ones; default 4096. */
  maxBad?: number;
}

interface Remembered {
  user: string;
  hash: string;
  /** Whether the user was configured: an unknown user is checked against another user's hash. */
  known: boolean;
}

/** Who asks. */
export interface Caller {
  /** The client's address (limits.ts clientAddress). */
  address: string;
  /** The connection the request came on (its socket). */
  connection: object;
  /** The client went away: its check is dropped instead of run. */
  abandoned?: () => boolean;
}

interface Job extends Waiting {
  key: string;
  password: string;
  hash: string;
  abandoned: () => boolean;
  done: (ok: boolean | undefined) => void;
}

/** A Map used as a bounded least-recently-used set. */
function remember(map: Map<string, Remembered>, key: string, value: Remembered, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}

function touch(map: Map<string, Remembered>, key: string): boolean {
  const value = map.get(key);
  if (!value) return false;
  map.delete(key);
  map.set(key, value);
  return true;
}

export class PasswordVerifier {
  private readonly good = new Map<string, Remembered>();
  private readonly bad = new Map<string, Remembered>();
  private readonly queue: CheckQueue<Job>;
  /** Connections whose last credentials were wrong. */
  private readonly suspects = new WeakSet<object>();
  /** One promise per key being checked: the same credentials sent many times at once cost one comparison. */
  private readonly checking = new Map<string, Promise<boolean | undefined>>();
  private running = false;
  private readonly compare: Compare;
  private readonly worker: BcryptWorker | undefined;

  constructor(private readonly options: PasswordVerifierOptions = {}) {
    this.queue = new CheckQueue<Job>(
      { perAddress: options.maxWaitingPerClient ?? 64, total: options.maxWaiting ?? 256 },
      (job) => job.done(undefined),
    );
    if (options.compare) this.compare = options.compare;
    else {
      const worker = new BcryptWorker();
      this.worker = worker;
      this.compare = (password, hash) => worker.compare(password, hash);
    }
  }

  /**
   * Whether `password` is `user`'s, given the configured users (user -> bcrypt hash). An unknown user costs one
   * comparison too (against a configured hash, result ignored), so timing does not tell which users exist.
   */
  async check(
    user: string,
    password: string,
    users: ReadonlyMap<string, string>,
    caller: Caller,
  ): Promise<Verdict> {
    const verdict = await this.verdict(user, password, users, caller);
    if (verdict === 'ok') this.suspects.delete(caller.connection);
    if (verdict === 'bad') this.suspects.add(caller.connection);
    return verdict;
  }

  private async verdict(
    user: string,
    password: string,
    users: ReadonlyMap<string, string>,
    { address, connection, abandoned = () => false }: Caller,
  ): Promise<Verdict> {
    const known = users.get(user);
    const hash = known ?? users.values().next().value;
    if (hash === undefined) return 'bad';
    // Keyed by a hash of user, stored hash and password: no password is kept, and a changed hash never matches.
    const key = createHash('sha256').update(`${user}\0${hash}\0${password}`).digest('hex');
    if (known !== undefined && touch(this.good, key)) return 'ok';
    if (touch(this.bad, key)) return 'bad';

    let result = this.checking.get(key);
    if (!result) {
      let done: (ok: boolean | undefined) => void = () => {};
      result = new Promise<boolean | undefined>((resolve) => {
        done = resolve;
      });
      const suspect = this.suspects.has(connection);
      if (!this.queue.add({ key, password, hash, address, connection, suspect, abandoned, done }))
        return 'busy';
      this.checking.set(key, result);
      void result.finally(() => this.checking.delete(key));
      this.runNext();
    }
    const matches = await result;
    if (matches === undefined) return 'busy';
    const ok = matches && known !== undefined;
    const remembered = { user, hash, known: known !== undefined };
    if (ok) remember(this.good, key, remembered, this.options.maxGood ?? 256);
    else remember(this.bad, key, remembered, this.options.maxBad ?? 4096);
    return ok ? 'ok' : 'bad';
  }

  /** After a reload: forgets what was learnt about users whose hash changed or who are gone; keeps the rest. */
  keepOnly(users: ReadonlyMap<string, string>): void {
    const first = users.values().next().value;
    const stillTrue = ({ user, hash, known }: Remembered) =>
      known ? users.get(user) === hash : !users.has(user) && hash === first;
    for (const cache of [this.good, this.bad])
      for (const [key, remembered] of cache) if (!stillTrue(remembered)) cache.delete(key);
  }

  close(): void {
    void this.worker?.close();
  }

  private runNext(): void {
    if (this.running) return;
    const job = this.queue.take();
    if (!job) return;
    if (job.abandoned()) {
      job.done(undefined);
      this.runNext();
      return;
    }
    this.running = true;
    // A comparison that failed (the worker died) proves nothing either way: answered busy, and not remembered.
    this.compare(job.password, job.hash)
      .then(
        (ok) => job.done(ok),
        () => job.done(undefined),
      )
      .finally(() => {
        this.running = false;
        this.runNext();
      });
  }
}

// Plain JavaScript evaluated in the worker, so it runs the same from src/ (tsx) and dist/: it loads bcryptjs
// from the path the main thread resolved, and answers one comparison per message.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch {}
  parentPort.postMessage({ id, ok });
});
`;

/** bcryptjs on a worker thread, started on first use; it does not keep the process alive. */
class BcryptWorker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (ok: boolean) => void; reject: (err: Error) => void }
  >();

  compare(password: string, hash: string): Promise<boolean> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, password, hash });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The worker needs no loader: its code is JavaScript.
      execArgv: [],
      workerData: { bcryptjs: createRequire(import.meta.url).resolve('bcryptjs') },
    });
    worker.unref();
    worker.on('message', (message: { id: number; ok: boolean }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve(message.ok === true);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined; // the next comparison starts a new one
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('password worker exited')));
    this.worker = worker;
    return worker;
  }
}
