// Steady background change at a set rate with a seeded PRNG, so soak tests and demos see realistic, reproducible
// traffic: policies created/updated/deleted, namespaces created and deleted (only the ones churn created).

import type { KObject } from './objects.ts';
import { StatusError } from './status.ts';
import type { Store } from './store.ts';

export interface ChurnOptions {
  eventsPerSecond: number;
  seed?: number;
  /**
   * Namespaces churn leaves alone: no policy created, changed or deleted in them. A walkthrough that tells a user
   * "delete this policy, watch that verdict change" needs its namespaces to hold still.
   */
  spareNamespaces?: string[];
}

/** mulberry32: tiny, fast, good enough for test traffic, and reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYSTEM = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
const TICK_MS = 50;

export class Churn {
  private timer: NodeJS.Timeout | undefined;
  private budget = 0;
  private counter = 0;
  private readonly rnd: () => number;
  private readonly churnNamespaces: string[] = [];
  private readonly spared: ReadonlySet<string>;
  /** Operations performed (tests assert the rate). */
  performed = 0;

  constructor(
    private readonly store: Store,
    private readonly opts: ChurnOptions,
  ) {
    this.rnd = prng(opts.seed ?? 1);
    this.spared = new Set(opts.spareNamespaces ?? []);
  }

  start(): void {
    if (this.timer) return;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.budget += ((now - last) / 1000) * this.opts.eventsPerSecond;
      last = now;
      while (this.budget >= 1) {
        this.budget--;
        this.step();
      }
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A random Active, non-system namespace (a few random probes instead of scanning 10k namespaces per step). */
  private randomNamespace(): string | undefined {
    const k = this.store.namespaces;
    for (let attempt = 0; attempt < 8; attempt++) {
      const n = this.store.nth(k, Math.floor(this.rnd() * this.store.count(k)));
      const name = n?.metadata.name ?? '';
      if (n && !n.metadata.deletionTimestamp && !SYSTEM.has(name) && !this.spared.has(name)) return name;
    }
    return undefined;
  }

  /** A random policy outside the spared namespaces (a few probes; the step is skipped when all miss). */
  private randomPolicy(): KObject | undefined {
    const k = this.store.kinds.resolve('networkpolicies');
    const n = this.store.count(k);
    for (let attempt = 0; n > 0 && attempt < 8; attempt++) {
      const p = this.store.nth(k, Math.floor(this.rnd() * n));
      if (p && !this.spared.has(p.metadata.namespace ?? '')) return p;
    }
    return undefined;
  }

  step(): void {
    const netpol = this.store.kinds.resolve('networkpolicies');
    const r = this.rnd();
    this.counter++;
    try {
      if (r < 0.35) {
        const ns = this.randomNamespace();
        if (!ns) return;
        const deny = this.rnd() < 0.5;
        this.store.create(
          netpol,
          {
            metadata: {
              name: `churn-${this.counter}`,
              namespace: ns,
              labels: { 'netpol-simulator/churn': 'true' },
            },
            spec: deny
              ? { podSelector: {}, policyTypes: [this.rnd() < 0.5 ? 'Ingress' : 'Egress'] }
              : {
                  podSelector: { matchLabels: { app: `app-${this.counter % 9}` } },
                  ingress: [{ from: [{ podSelector: {} }] }],
                },
          },
          ns,
        );
      } else if (r < 0.65) {
        const p = this.randomPolicy();
        if (!p) return;
        const specChange = this.rnd() < 0.5;
        this.store.patch(netpol, p.metadata.namespace, p.metadata.name ?? '', 'merge', {
          metadata: { labels: { 'netpol-simulator/rev': String(this.counter) } },
          ...(specChange
            ? { spec: { podSelector: { matchLabels: { app: `app-${this.counter % 9}` } } } }
            : {}),
        });
      } else if (r < 0.9) {
        const p = this.randomPolicy();
        if (!p) return;
        this.store.delete(netpol, p.metadata.namespace, p.metadata.name ?? '');
      } else if (r < 0.96 || this.churnNamespaces.length === 0) {
        const name = `churn-ns-${this.counter}`;
        this.store.create(
          this.store.namespaces,
          { metadata: { name, labels: { 'netpol-simulator/churn': 'true' } } },
          undefined,
        );
        this.churnNamespaces.push(name);
      } else {
        const idx = Math.floor(this.rnd() * this.churnNamespaces.length);
        const [name] = this.churnNamespaces.splice(idx, 1);
        if (name) this.store.delete(this.store.namespaces, undefined, name);
      }
    } catch (e) {
      // Races with the test's own writes (a namespace terminating, a policy just deleted) are expected; skip the step.
      if (!(e instanceof StatusError)) throw e;
    } finally {
      this.performed++;
    }
  }
}
