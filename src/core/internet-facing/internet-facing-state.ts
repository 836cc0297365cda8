// The exporter's incremental view of what opens each namespace to the internet: each watched object's entry points,
// kept by object so an update or a delete replaces exactly its own, and a change callback per namespace whose ways
// in changed. Only objects that open something are held (most Services open nothing), and each namespace names its
// objects in a small array, not a Map: at 10,000 namespaces a Map each cost more than the entry points.
// ReferenceGrants count once their watch holds a complete list: until then (or when they may not be read) a route's
// cross-namespace backendRef counts, and its rule says why; a grant that changes re-judges the routes that reach
// into another namespace.
import { keptList, NO_ITEMS } from '../facts.ts';
import {
  type EntryPoint,
  type InternetVia,
  ingressEntryPoints,
  routeEntryPoints,
  serviceEntryPoints,
  viasOf,
} from './classify.ts';
import type { IngressFacts, ReferenceGrantFacts, RouteFacts, ServiceFacts } from './facts.ts';

export interface NamespaceInternetFacing {
  name: string;
  vias: InternetVia[];
  entryPoints: EntryPoint[];
}

type Listener = (namespace: string, facing: NamespaceInternetFacing | undefined) => void;

/** A Service's entry points as the exporter keeps them: the many that open nothing share one empty list. */
export const serviceEntries = (f: ServiceFacts): readonly EntryPoint[] =>
  keptList(serviceEntryPoints(f).entries);

export class InternetFacingState {
  /** Per object key (`Kind ns/name`), the entry points it opens; an object that opens nothing is absent. */
  private readonly byObject = new Map<string, readonly EntryPoint[]>();
  /** Per namespace, the keys of the objects with an entry point into it. */
  private readonly byNamespace = new Map<string, string[]>();
  private readonly listeners: Listener[] = [];
  /** The routes that reach into another namespace, by key: a grant that changes re-judges them. */
  private readonly crossRoutes = new Map<string, RouteFacts>();
  private readonly grants = new Map<string, ReferenceGrantFacts>();
  /** The grants held are every grant there is (their watch synced); otherwise they are not known. */
  private grantsKnown = false;

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** A Service by its entry points alone (serviceEntries): what the exporter's watch keeps of each. */
  putService(namespace: string, name: string, entries: readonly EntryPoint[]): void {
    this.put(`Service ${namespace}/${name}`, entries);
  }

  deleteService(namespace: string, name: string): void {
    this.put(`Service ${namespace}/${name}`, []);
  }

  upsertIngress(f: IngressFacts): void {
    this.put(`Ingress ${f.namespace}/${f.name}`, ingressEntryPoints(f).entries);
  }

  deleteIngress(namespace: string, name: string): void {
    this.put(`Ingress ${namespace}/${name}`, []);
  }

  upsertRoute(f: RouteFacts): void {
    const key = `${f.kind} ${f.namespace}/${f.name}`;
    if (f.backends.some((b) => b.namespace !== f.namespace)) this.crossRoutes.set(key, f);
    else this.crossRoutes.delete(key);
    this.judgeRoute(key, f);
  }

  deleteRoute(kind: string, namespace: string, name: string): void {
    const key = `${kind} ${namespace}/${name}`;
    this.crossRoutes.delete(key);
    this.put(key, []);
  }

  upsertReferenceGrant(f: ReferenceGrantFacts): void {
    this.grants.set(`${f.namespace}/${f.name}`, f);
    if (this.grantsKnown) this.rejudge(f.namespace);
  }

  deleteReferenceGrant(namespace: string, name: string): void {
    if (!this.grants.delete(`${namespace}/${name}`)) return;
    if (this.grantsKnown) this.rejudge(namespace);
  }

  /**
   * Whether the grants held are all there are: true once their watch holds a complete list; false while they may not
   * be read (then every cross-namespace reference counts again). The grants held are kept, as the watch's cache keeps
   * them: a list that follows sends only what changed.
   */
  setReferenceGrantsKnown(known: boolean): void {
    if (known === this.grantsKnown) return;
    this.grantsKnown = known;
    this.rejudge(undefined);
  }

  /** Forget every object of a kind (its watch stopped: the kind is no longer served or permitted). */
  clearKind(kind: string): void {
    if (kind === 'ReferenceGrant') {
      this.grants.clear();
      if (this.grantsKnown) this.setReferenceGrantsKnown(false);
      return;
    }
    for (const key of [...this.crossRoutes.keys()])
      if (key.startsWith(`${kind} `)) this.crossRoutes.delete(key);
    for (const key of [...this.byObject.keys()]) if (key.startsWith(`${kind} `)) this.put(key, []);
  }

  private judgeRoute(key: string, f: RouteFacts): void {
    this.put(key, routeEntryPoints(f, this.grantsKnown ? [...this.grants.values()] : undefined).entries);
  }

  /** Re-judge the routes that reach into `namespace` (every namespace when undefined). */
  private rejudge(namespace: string | undefined): void {
    for (const [key, f] of this.crossRoutes)
      if (namespace === undefined || f.backends.some((b) => b.namespace === namespace))
        this.judgeRoute(key, f);
  }

  entryPoints(namespace: string): EntryPoint[] {
    return (this.byNamespace.get(namespace) ?? []).flatMap((key) =>
      (this.byObject.get(key) ?? []).filter((e) => e.namespace === namespace),
    );
  }

  answer(namespace: string): NamespaceInternetFacing | undefined {
    const entryPoints = this.entryPoints(namespace);
    return entryPoints.length === 0 ? undefined : { name: namespace, vias: viasOf(entryPoints), entryPoints };
  }

  namespaces(): IterableIterator<string> {
    return this.byNamespace.keys();
  }

  private put(key: string, entries: readonly EntryPoint[]): void {
    const before = this.byObject.get(key) ?? NO_ITEMS;
    if (before.length === 0 && entries.length === 0) return;
    const touched = new Set([...before, ...entries].map((e) => e.namespace));
    const beforeVias = new Map([...touched].map((ns) => [ns, viasOf(this.entryPoints(ns)).join()]));
    const after = new Set(entries.map((e) => e.namespace));
    for (const ns of touched) {
      const keys = this.byNamespace.get(ns);
      const at = keys?.indexOf(key) ?? -1;
      if (after.has(ns) && at < 0) {
        if (keys) keys.push(key);
        else this.byNamespace.set(ns, [key]);
      } else if (keys && !after.has(ns) && at >= 0) {
        keys.splice(at, 1);
        if (keys.length === 0) this.byNamespace.delete(ns);
      }
    }
    if (entries.length === 0) this.byObject.delete(key);
    else this.byObject.set(key, entries);
    // Listeners re-render on a change of the ways in (the metric); the entry points' details are read on demand.
    for (const ns of touched) {
      if (viasOf(this.entryPoints(ns)).join() === beforeVias.get(ns)) continue;
      const answer = this.answer(ns);
      for (const listener of this.listeners) listener(ns, answer);
    }
  }
}
