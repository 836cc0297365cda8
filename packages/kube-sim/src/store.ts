// The simulated etcd + registry: objects per kind, one global resourceVersion counter (etcd's revision), a bounded
// event history for watch resumption, and synchronous fan-out of events to subscribers. Every write path (HTTP,
// programmatic, scenarios, churn) goes through here, so all of them produce identical objects and events.

import { randomUUID } from 'node:crypto';
import type { KindDef, KindRegistry } from './kinds.ts';
import { apiVersionOf, kindKey } from './kinds.ts';
import type { KObject } from './objects.ts';
import {
  applyDefaults,
  deepEqual,
  generateSuffix,
  isObject,
  jsonPatch,
  mergePatch,
  rfc3339,
  strategicMergePatch,
  validateName,
  validateObject,
} from './objects.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { errors, StatusError } from './status.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: EventType;
  readonly rv: number;
  readonly kind: KindDef;
  /** The object after the change (for DELETED: the last state, carrying the deletion's resourceVersion). */
  readonly object: KObject;
  /** The object before the change, so filtered watches can turn "stopped matching" into DELETED as the real cache does. */
  readonly previous?: KObject;
}

export interface StoreOptions {
  historyLimit: number;
  namespaceDeletionDelayMs: number;
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'strategic' | 'json';

interface Collection {
  readonly kind: KindDef;
  /** key = `namespace/name` (namespaced) or `name`: etcd's key order, so lists come back in the real order. */
  readonly objects: Map<string, KObject>;
  readonly byNamespace: Map<string, Set<string>>;
  /** Sorted keys, rebuilt lazily after inserts/deletes (pagination needs an order; sorting per page would be O(n log n)). */
  sorted: string[] | null;
}

/** What Store.backup() took; opaque to callers. */
export interface StoreBackup {
  readonly rv: number;
  readonly objects: ReadonlyMap<KindDef, readonly KObject[]>;
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export class Store {
  private rv = 0;
  /** Events with rv <= compactedRv are gone: a watch from an RV below it gets 410 Expired. */
  private compactedRv = 0;
  private history: StoreEvent[] = [];
  private readonly collections = new Map<KindDef, Collection>();
  private readonly subscribers = new Set<(ev: StoreEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly namespaces: KindDef;

  constructor(
    readonly kinds: KindRegistry,
    private readonly opts: StoreOptions,
  ) {
    for (const k of kinds.enabled) {
      this.collections.set(k, { kind: k, objects: new Map(), byNamespace: new Map(), sorted: null });
    }
    this.namespaces = kinds.resolve('namespaces');
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestValidResourceVersion(): number {
    return this.compactedRv;
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Retained events for `kind` newer than `rv`; throws 410 Expired when the window no longer reaches back to rv. */
  eventsSince(kind: KindDef, rv: number): StoreEvent[] {
    if (rv < this.compactedRv) {
      throw errors.expired(`too old resource version: ${rv} (${this.compactedRv + 1})`);
    }
    return this.history.filter((e) => e.kind === kind && e.rv > rv);
  }

  /** Drop all retained history (and advance the revision, as etcd compaction does) so every older RV is expired. */
  forgetHistory(): void {
    this.rv++;
    this.history = [];
    this.compactedRv = this.rv;
  }

  /** Every object and the revision, as an etcd snapshot holds them. */
  backup(): StoreBackup {
    const objects = new Map<KindDef, KObject[]>();
    for (const [k, c] of this.collections) objects.set(k, structuredClone([...c.objects.values()]));
    return { rv: this.rv, objects };
  }

  /**
   * Back to a backup as an etcd restore does: objects and revision go back and the history is gone, so a client
   * holding a newer resourceVersion is told it is too large. No watch event says what changed.
   */
  restore(b: StoreBackup): void {
    for (const [k, c] of this.collections) {
      c.objects.clear();
      c.byNamespace.clear();
      c.sorted = null;
      for (const obj of structuredClone(b.objects.get(k) ?? []))
        this.put(c, this.key(k, obj.metadata.namespace, obj.metadata.name ?? ''), obj);
    }
    this.rv = b.rv;
    this.history = [];
    this.compactedRv = b.rv;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.subscribers.clear();
  }

  // ---- reads ----

  get(kind: KindDef, namespace: string | undefined, name: string): KObject {
    const obj = this.coll(kind).objects.get(this.key(kind, namespace, name));
    if (!obj) throw errors.notFound(kind, name);
    return obj;
  }

  tryGet(kind: KindDef, namespace: string | undefined, name: string): KObject | undefined {
    return this.coll(kind).objects.get(this.key(kind, namespace, name));
  }

  /** The i-th object in insertion order (random picks for churn without copying 50k objects). */
  nth(kind: KindDef, i: number): KObject | undefined {
    let n = 0;
    for (const obj of this.coll(kind).objects.values()) if (n++ === i) return obj;
    return undefined;
  }

  count(kind: KindDef): number {
    return this.coll(kind).objects.size;
  }

  list(kind: KindDef, o: ListOptions = {}): ListResult {
    const c = this.coll(kind);
    const labelSel = parseLabelSelector(o.labelSelector);
    const fieldSel = parseFieldSelector(o.fieldSelector);
    const filtered = Boolean(o.labelSelector || o.fieldSelector);
    const ns = kind.namespaced && o.namespace ? o.namespace : undefined;

    // Keys relative to the listed prefix (what the real token's `start` holds).
    let keys: string[];
    if (ns !== undefined) {
      keys = [...(c.byNamespace.get(ns) ?? [])].map((k) => k.slice(ns.length + 1)).sort(compare);
    } else {
      c.sorted ??= [...c.objects.keys()].sort(compare);
      keys = c.sorted;
    }
    const prefix = ns !== undefined ? `${ns}/` : '';

    let listRv = this.rv;
    let startIdx = 0;
    if (o.continue) {
      const tok = decodeContinue(o.continue);
      listRv = tok.rv;
      startIdx = lowerBound(keys, tok.start);
    }
    const limit = o.limit && o.limit > 0 ? o.limit : Number.POSITIVE_INFINITY;
    const items: KObject[] = [];
    let i = startIdx;
    for (; i < keys.length && items.length < limit; i++) {
      const obj = c.objects.get(prefix + (keys[i] ?? ''));
      if (!obj) continue;
      if (filtered && !(labelSel(obj.metadata.labels) && fieldSel(obj as { metadata: { name?: string } })))
        continue;
      items.push(obj);
    }
    const result: ListResult = { items, resourceVersion: String(listRv) };
    if (i < keys.length && items.length >= limit) {
      const last = keys[i - 1] ?? '';
      result.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: listRv, start: `${last}\u0000` });
      // As the real server: the remaining count is only known (and only sent) for unfiltered lists.
      if (!filtered) result.remainingItemCount = keys.length - i;
    }
    return result;
  }

  // ---- writes ----

  create(kind: KindDef, input: KObject, namespace: string | undefined, w: WriteOptions = {}): KObject {
    const obj = this.prepareInput(kind, input);
    const meta = obj.metadata;
    if (kind.namespaced) {
      const ns = namespace ?? meta.namespace ?? 'default';
      if (namespace && meta.namespace && meta.namespace !== namespace) {
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = ns;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateSuffix();
    validateName(kind, meta.name);
    if (kind.namespaced) this.requireWritableNamespace(kind, meta.namespace ?? '', meta.name);
    const key = this.key(kind, meta.namespace, meta.name);
    const c = this.coll(kind);
    if (c.objects.has(key)) throw errors.alreadyExists(kind, meta.name);

    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(new Date());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (kind.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    applyDefaults(kind, obj);
    validateObject(kind, obj);
    if (kind === this.namespaces) obj.status = { phase: 'Active' };
    if (w.dryRun) {
      meta.resourceVersion = String(this.rv);
      return obj;
    }
    meta.resourceVersion = String(++this.rv);
    this.put(c, key, obj);
    this.emit({ type: 'ADDED', rv: this.rv, kind, object: obj });
    return obj;
  }

  update(
    kind: KindDef,
    input: KObject,
    namespace: string | undefined,
    name: string,
    w: WriteOptions = {},
  ): KObject {
    const obj = this.prepareInput(kind, input);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    obj.metadata.name = name;
    return this.replace(kind, namespace, name, obj, w);
  }

  patch(
    kind: KindDef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patchBody: unknown,
    w: WriteOptions = {},
  ): KObject {
    const current = this.get(kind, namespace, name);
    const base = structuredClone(current);
    let merged: unknown;
    if (type === 'json') merged = jsonPatch(base, patchBody);
    else if (type === 'strategic') merged = strategicMergePatch(base, patchBody);
    else merged = mergePatch(base, patchBody);
    if (!isObject(merged) || !isObject(merged.metadata)) throw errors.badRequest('patch removed metadata');
    return this.replace(kind, namespace, name, merged as KObject, w);
  }

  delete(
    kind: KindDef,
    namespace: string | undefined,
    name: string,
    preconditions: { uid?: string; resourceVersion?: string } = {},
    w: WriteOptions = {},
  ): KObject {
    const c = this.coll(kind);
    const key = this.key(kind, namespace, name);
    const current = c.objects.get(key);
    if (!current) throw errors.notFound(kind, name);
    if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${kindKey(kind)} "${name}": Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
        { name, kind: kind.resource },
      );
    }
    if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(kind, name);
    }
    if (w.dryRun) return current;
    if (kind === this.namespaces) return this.beginNamespaceDeletion(current);
    return this.remove(c, key, current);
  }

  /**
   * Insert many objects at once without per-object events or history (seeding 60k objects must take seconds).
   * History is then declared compacted, so any watch resuming from before the seed gets 410 and relists.
   */
  bulkInsert(items: { kind: KindDef; object: KObject }[]): void {
    const now = rfc3339(new Date());
    for (const { kind, object } of items) {
      const meta = object.metadata;
      validateName(kind, meta.name);
      if (!kind.namespaced) delete meta.namespace;
      const c = this.coll(kind);
      const key = this.key(kind, meta.namespace, meta.name);
      if (c.objects.has(key)) throw errors.alreadyExists(kind, meta.name);
      if (kind.namespaced && !this.coll(this.namespaces).objects.has(meta.namespace ?? '')) {
        throw errors.namespaceNotFound(meta.namespace ?? '');
      }
      object.apiVersion = apiVersionOf(kind);
      object.kind = kind.kind;
      meta.uid = randomUUID();
      meta.creationTimestamp = now;
      if (kind.hasGeneration) meta.generation = 1;
      applyDefaults(kind, object);
      validateObject(kind, object);
      if (kind === this.namespaces) object.status = { phase: 'Active' };
      meta.resourceVersion = String(++this.rv);
      this.put(c, key, object);
    }
    this.history = [];
    this.compactedRv = this.rv;
  }

  // ---- internals ----

  private coll(kind: KindDef): Collection {
    const c = this.collections.get(kind);
    if (!c) throw new Error(`kind ${kindKey(kind)} is not enabled`);
    return c;
  }

  private key(kind: KindDef, namespace: string | undefined, name: string): string {
    return kind.namespaced ? `${namespace ?? ''}/${name}` : name;
  }

  /** Deep copy (callers keep their object) and check/fill apiVersion+kind as the decoder would. */
  private prepareInput(kind: KindDef, input: KObject): KObject {
    if (!isObject(input)) throw errors.badRequest('the request body must be a JSON object');
    const obj = structuredClone(input);
    if (!isObject(obj.metadata)) obj.metadata = {};
    if (obj.kind !== undefined && obj.kind !== kind.kind) {
      throw errors.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(kind)})`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(kind)) {
      throw errors.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(kind)})`,
      );
    }
    obj.apiVersion = apiVersionOf(kind);
    obj.kind = kind.kind;
    return obj;
  }

  private requireWritableNamespace(kind: KindDef, namespace: string, name: string): void {
    const ns = this.coll(this.namespaces).objects.get(namespace);
    if (!ns) throw errors.namespaceNotFound(namespace);
    if (ns.metadata.deletionTimestamp) throw errors.namespaceTerminating(kind, name, namespace);
  }

  /** Shared by update and patch: preconditions, immutable metadata, generation, no-op detection, event. */
  private replace(
    kind: KindDef,
    namespace: string | undefined,
    name: string,
    obj: KObject,
    w: WriteOptions,
  ): KObject {
    const c = this.coll(kind);
    const key = this.key(kind, namespace, name);
    const current = c.objects.get(key);
    if (!current) throw errors.notFound(kind, name);
    const meta = obj.metadata;
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(kind, name);
    }
    if (kind.namespaced && meta.namespace && meta.namespace !== current.metadata.namespace) {
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    // Fields the server owns: clients cannot change them through the main resource.
    meta.name = name;
    if (kind.namespaced) meta.namespace = current.metadata.namespace;
    else delete meta.namespace;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    if (current.metadata.deletionTimestamp) meta.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (kind.hasGeneration) {
      const gen = current.metadata.generation ?? 1;
      meta.generation = deepEqual(obj.spec, current.spec) ? gen : gen + 1;
    } else {
      delete meta.generation;
    }
    applyDefaults(kind, obj);
    validateObject(kind, obj);
    if (kind === this.namespaces) obj.status = current.status;
    meta.resourceVersion = current.metadata.resourceVersion;
    // A no-op write returns the stored object untouched: no new resourceVersion, no watch event (as the real server).
    if (deepEqual(obj, current)) return current;
    if (w.dryRun) return obj;
    meta.resourceVersion = String(++this.rv);
    c.objects.set(key, obj);
    this.emit({ type: 'MODIFIED', rv: this.rv, kind, object: obj, previous: current });
    return obj;
  }

  private put(c: Collection, key: string, obj: KObject): void {
    c.objects.set(key, obj);
    c.sorted = null;
    if (c.kind.namespaced) {
      const ns = obj.metadata.namespace ?? '';
      let set = c.byNamespace.get(ns);
      if (!set) {
        set = new Set();
        c.byNamespace.set(ns, set);
      }
      set.add(key);
    }
  }

  private remove(c: Collection, key: string, current: KObject): KObject {
    c.objects.delete(key);
    c.sorted = null;
    if (c.kind.namespaced) {
      const ns = current.metadata.namespace ?? '';
      const set = c.byNamespace.get(ns);
      set?.delete(key);
      if (set && set.size === 0) c.byNamespace.delete(ns);
    }
    const rv = ++this.rv;
    const gone: KObject = { ...current, metadata: { ...current.metadata, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', rv, kind: c.kind, object: gone, previous: current });
    return gone;
  }

  /** Namespace deletion as the namespace controller does it: Terminating first, contents, then the namespace. */
  private beginNamespaceDeletion(current: KObject): KObject {
    if (current.metadata.deletionTimestamp) return current;
    const name = current.metadata.name ?? '';
    const next: KObject = {
      ...current,
      metadata: {
        ...current.metadata,
        deletionTimestamp: rfc3339(new Date()),
        resourceVersion: String(++this.rv),
      },
      status: { phase: 'Terminating' },
    };
    const c = this.coll(this.namespaces);
    c.objects.set(name, next);
    this.emit({ type: 'MODIFIED', rv: this.rv, kind: this.namespaces, object: next, previous: current });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.finishNamespaceDeletion(name);
    }, this.opts.namespaceDeletionDelayMs);
    timer.unref();
    this.timers.add(timer);
    return next;
  }

  private finishNamespaceDeletion(name: string): void {
    for (const c of this.collections.values()) {
      if (!c.kind.namespaced) continue;
      for (const key of [...(c.byNamespace.get(name) ?? [])]) {
        const obj = c.objects.get(key);
        if (obj) this.remove(c, key, obj);
      }
    }
    const nsColl = this.coll(this.namespaces);
    const ns = nsColl.objects.get(name);
    if (ns) this.remove(nsColl, name, ns);
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    const limit = Math.max(1, this.opts.historyLimit);
    // Trim in batches so a steady stream of writes does not shift the array on every event.
    if (this.history.length > limit + Math.max(16, limit >> 3)) {
      const drop = this.history.length - limit;
      this.compactedRv = this.history[drop - 1]?.rv ?? this.compactedRv;
      this.history = this.history.slice(drop);
    }
    for (const fn of this.subscribers) fn(ev);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(keys: readonly string[], start: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] ?? '') < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string')
      return t as ContinueToken;
  } catch {
    // fall through to the real server's message
  }
  throw errors.badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}
