// Churn that leaves the cluster the size it found it: every policy it creates it later deletes, every namespace
// it creates it later deletes. The simulator's own churn grows the cluster (more creates than deletes), which
// would make a leak indistinguishable from more data. Driven as fast as asked, in 10 ms batches.
import type { SimulatedCluster } from '@netpol-exporter/kube-sim';

export interface SoakOptions {
  events: number;
  eventsPerSecond: number;
  /** Namespaces to put churn policies in. */
  namespaces: string[];
  /** Stops early (steady background churn runs until aborted). */
  signal?: AbortSignal;
  /** In the names it creates, so that two churns in one cluster never reuse a name still terminating. */
  tag?: string;
}

const LIVE_POLICIES = 2000;
const LIVE_NAMESPACES = 20;

export async function soak(
  sim: SimulatedCluster,
  o: SoakOptions,
): Promise<{ events: number; seconds: number; failed: number }> {
  const live: { namespace: string; name: string }[] = [];
  const liveNamespaces: string[] = [];
  let done = 0;
  let failed = 0;
  let counter = 0;
  const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;
  const step = () => {
    counter++;
    if (counter % 50 === 0) {
      const name = `soak-ns-${o.tag ?? ''}${counter}`;
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      liveNamespaces.push(name);
      if (liveNamespaces.length > LIVE_NAMESPACES)
        sim.delete('namespaces', undefined, liveNamespaces.shift() ?? '');
      return;
    }
    const r = Math.random();
    if (live.length >= LIVE_POLICIES || (r < 0.3 && live.length > 0)) {
      const oldest = live.shift();
      if (oldest) sim.delete('networkpolicies', oldest.namespace, oldest.name);
    } else if (r < 0.6 || live.length === 0) {
      const namespace = pick(o.namespaces);
      const name = `soak-${o.tag ?? ''}${counter}`;
      sim.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, namespace },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
      live.push({ namespace, name });
    } else {
      // A spec change that flips the namespace's default deny, so verdicts (and rendered text) really change.
      const target = pick(live);
      const selector = counter % 2 === 0 ? {} : { matchLabels: { app: `app-${counter % 9}` } };
      sim.patch('networkpolicies', target.namespace, target.name, { spec: { podSelector: selector } });
    }
  };
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(o.events, Math.floor(((performance.now() - start) / 1000) * o.eventsPerSecond));
      while (done < due) {
        try {
          step();
        } catch {
          // A namespace still terminating, say: skip the step, it is churn (counted: a churn that fails is no churn).
          failed++;
        }
        done++;
      }
      if (done >= o.events || o.signal?.aborted) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  // Leave nothing behind.
  for (const p of live) sim.delete('networkpolicies', p.namespace, p.name);
  for (const n of liveNamespaces) sim.delete('namespaces', undefined, n);
  return { events: done, seconds: (performance.now() - start) / 1000, failed };
}
