// The exporter's incremental view of what opens each namespace to the internet: each watched object's entry points,
// kept by object so an update or a delete replaces exactly its own, and a change callback per namespace whose ways
// in changed. ReferenceGrants are not watched: a route's cross-namespace backendRef counts (its rule says why).
import {
  type EntryPoint,
  type InternetVia,
  ingressEntryPoints,
  routeEntryPoints,
  serviceEntryPoints,
  viasOf,
} from './classify.ts';
import type { IngressFacts, RouteFacts, ServiceFacts } from './facts.ts';

export interface NamespaceInternetFacing {
  name: string;
  vias: InternetVia[];
  entryPoints: EntryPoint[];
}

type Listener = (namespace: string, facing: NamespaceInternetFacing | undefined) => void;

export class InternetFacingState {
  /** Per object key (`Kind ns/name`), the entry points it opens. */
  private readonly byObject = new Map<string, EntryPoint[]>();
  /** Per namespace, the objects that open it. */
  private readonly byNamespace = new Map<string, Map<string, EntryPoint[]>>();
  private readonly listeners: Listener[] = [];

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  upsertService(f: ServiceFacts): void {
    this.put(`Service ${f.namespace}/${f.name}`, serviceEntryPoints(f).entries);
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
    this.put(`${f.kind} ${f.namespace}/${f.name}`, routeEntryPoints(f, undefined).entries);
  }

  deleteRoute(kind: string, namespace: string, name: string): void {
    this.put(`${kind} ${namespace}/${name}`, []);
  }

  /** Forget every object of a kind (its watch stopped: the kind is no longer served or permitted). */
  clearKind(kind: string): void {
    for (const key of [...this.byObject.keys()]) if (key.startsWith(`${kind} `)) this.put(key, []);
  }

  entryPoints(namespace: string): EntryPoint[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])].flat();
  }

  answer(namespace: string): NamespaceInternetFacing | undefined {
    const entryPoints = this.entryPoints(namespace);
    return entryPoints.length === 0 ? undefined : { name: namespace, vias: viasOf(entryPoints), entryPoints };
  }

  namespaces(): IterableIterator<string> {
    return this.byNamespace.keys();
  }

  private put(key: string, entries: EntryPoint[]): void {
    const before = this.byObject.get(key) ?? [];
    if (before.length === 0 && entries.length === 0) return;
    const touched = new Set([...before, ...entries].map((e) => e.namespace));
    const beforeVias = new Map([...touched].map((ns) => [ns, viasOf(this.entryPoints(ns)).join()]));
    for (const ns of new Set(before.map((e) => e.namespace))) {
      const objects = this.byNamespace.get(ns);
      objects?.delete(key);
      if (objects?.size === 0) this.byNamespace.delete(ns);
    }
    if (entries.length === 0) this.byObject.delete(key);
    else this.byObject.set(key, entries);
    for (const entry of entries) {
      let objects = this.byNamespace.get(entry.namespace);
      if (!objects) {
        objects = new Map();
        this.byNamespace.set(entry.namespace, objects);
      }
      objects.set(
        key,
        entries.filter((e) => e.namespace === entry.namespace),
      );
    }
    // Listeners re-render on a change of the ways in (the metric); the entry points' details are read on demand.
    for (const ns of touched) {
      if (viasOf(this.entryPoints(ns)).join() === beforeVias.get(ns)) continue;
      const answer = this.answer(ns);
      for (const listener of this.listeners) listener(ns, answer);
    }
  }
}
