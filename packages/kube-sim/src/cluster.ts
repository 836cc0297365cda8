// SimulatedCluster: wires store, watch hub, auth, faults, TLS and the HTTP server into the programmatic API other
// layers' tests build on. Programmatic writes use the same store as HTTP writes, so they produce the same events.

import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Authenticator, type Permission } from './auth.ts';
import { Churn, type ChurnOptions } from './churn.ts';
import { Faults } from './faults.ts';
import { ApiServer } from './http-server.ts';
import { KindRegistry } from './kinds.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import type { KObject, ObjectInput } from './objects.ts';
import {
  type LoadOptions,
  type LoadResult,
  loadManifests,
  type ScaleOptions,
  type ScaleResult,
  seedScale,
} from './scenarios.ts';
import { type PatchType, Store } from './store.ts';
import { servingCertificate } from './tls.ts';
import { WatchHub } from './watch.ts';

export interface SimulatorOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Only loopback makes sense for a test server; default 127.0.0.1. */
  host?: string;
  /** HTTPS with a generated certificate (default true); false = plain HTTP. */
  tls?: boolean;
  /**
   * Interval of BOOKMARK events for watches that ask for them; default 1 s. A real server sends one about once a
   * minute; tests run clients with stall timeouts of seconds, and a client that counts a watch as healthy only while
   * data or bookmarks arrive must see them within that.
   */
  bookmarkIntervalMs?: number;
  /** Server-side watch timeout when the client sends no timeoutSeconds; default 300 s. */
  watchTimeoutSeconds?: number;
  /** Retained watch events for resumption; older resourceVersions get 410 Expired. Default 5000. */
  historyLimit?: number;
  /** Time a deleted namespace stays Terminating before its contents and itself are removed; default 300 ms. */
  namespaceDeletionDelayMs?: number;
  /** Extra kinds to serve, as `plural.group` (e.g. `adminnetworkpolicies.policy.networking.k8s.io`). */
  enabledKinds?: string[];
  /** Extra bearer tokens and their permissions (an admin token always exists). */
  tokens?: Record<string, Permission[]>;
  /** Create default, kube-system, kube-public, kube-node-lease at start, as every real cluster has them. Default true. */
  systemNamespaces?: boolean;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export class SimulatedCluster {
  readonly faults: Faults;
  private server: ApiServer;
  private churn: Churn | undefined;
  private refusing = false;
  private stopped = false;
  private readonly counts = new Map<string, number>();

  private constructor(
    private readonly store: Store,
    private readonly hub: WatchHub,
    private readonly auth: Authenticator,
    private readonly host: string,
    private readonly makeServer: () => ApiServer,
    readonly caPem: string,
  ) {
    this.faults = new Faults({
      closeWatches: () => this.hub.closeAll(),
      stallWatches: (on) => this.hub.setStalled(on),
      forgetHistory: () => this.store.forgetHistory(),
      refuseConnections: (on) => {
        this.refusing = on;
        this.server.setRefusing(on);
      },
      backup: () => this.store.backup(),
      restore: (backup) => this.store.restore(backup),
      tooLargeAs: (mode) => {
        this.hub.tooLargeAs = mode;
      },
      endlessWatchLines: (on) => this.hub.setEndlessLines(on),
      injectWatchEvent: (resource, event) => this.hub.inject(this.store.kinds.resolve(resource), event),
    });
    this.server = makeServer();
  }

  static async start(opts: SimulatorOptions = {}): Promise<SimulatedCluster> {
    const kinds = new KindRegistry(opts.enabledKinds);
    const store = new Store(kinds, {
      historyLimit: opts.historyLimit ?? 5000,
      namespaceDeletionDelayMs: opts.namespaceDeletionDelayMs ?? 300,
    });
    if (opts.systemNamespaces ?? true) {
      store.bulkInsert(
        SYSTEM_NAMESPACES.map((name) => ({ kind: store.namespaces, object: { metadata: { name } } })),
      );
    }
    const hub = new WatchHub(store, opts.bookmarkIntervalMs ?? 1_000);
    const auth = new Authenticator(opts.tokens);
    const tls = (opts.tls ?? true) ? await servingCertificate() : undefined;
    const host = opts.host ?? '127.0.0.1';
    let sim: SimulatedCluster | undefined;
    const makeServer = () =>
      new ApiServer(
        {
          store,
          kinds,
          auth,
          hub,
          get faults() {
            if (!sim) throw new Error('simulator not initialised');
            return sim.faults;
          },
          tls,
          watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
          get counts() {
            if (!sim) throw new Error('simulator not initialised');
            return sim.counts;
          },
        },
        host,
      );
    sim = new SimulatedCluster(store, hub, auth, host, makeServer, tls?.cert ?? '');
    await sim.server.listen(opts.port ?? 0);
    return sim;
  }

  get url(): string {
    return `${this.server.protocol}://${this.host}:${this.server.port}`;
  }

  get port(): number {
    return this.server.port;
  }

  get adminToken(): string {
    return this.auth.adminToken;
  }

  /** The current global resourceVersion (etcd revision). */
  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /** Watch streams currently open. */
  get openWatches(): number {
    return this.hub.openCount;
  }

  kubeconfig(o: { token?: string; context?: string; namespace?: string } = {}): string {
    return renderKubeconfig({
      server: this.url,
      caPem: this.caPem || undefined,
      token: o.token ?? this.adminToken,
      context: o.context ?? 'netpol-simulator',
      ...(o.namespace ? { namespace: o.namespace } : {}),
    });
  }

  async writeKubeconfig(path: string, o: { token?: string; context?: string } = {}): Promise<void> {
    await writeFile(path, this.kubeconfig(o), { mode: 0o600 });
  }

  addToken(token: string, permissions: Permission[], user?: string): void {
    this.auth.addToken(token, permissions, user);
  }

  setPermissions(token: string, permissions: Permission[]): void {
    this.auth.setPermissions(token, permissions);
  }

  removeToken(token: string): void {
    this.auth.removeToken(token);
  }

  // ---- objects (same store, same events as HTTP) ----

  create(input: ObjectInput): KObject {
    const obj = input as KObject;
    const k = this.kindOf(obj);
    return structuredClone(this.store.create(k, obj, obj.metadata?.namespace));
  }

  /** PUT semantics: the whole object; a stale metadata.resourceVersion fails with 409 Conflict. */
  update(input: ObjectInput): KObject {
    const obj = input as KObject;
    const k = this.kindOf(obj);
    return structuredClone(this.store.update(k, obj, obj.metadata?.namespace, obj.metadata?.name ?? ''));
  }

  /** Merge patch by default; `strategic` is treated as a merge patch, `json` is RFC 6902. */
  patch(
    resource: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
  ): KObject {
    return structuredClone(
      this.store.patch(this.store.kinds.resolve(resource), namespace, name, type, patch),
    );
  }

  delete(resource: string, namespace: string | undefined, name: string): KObject {
    return structuredClone(this.store.delete(this.store.kinds.resolve(resource), namespace, name));
  }

  /** The object, or undefined when it does not exist. */
  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const obj = this.store.tryGet(this.store.kinds.resolve(resource), namespace, name);
    return obj ? structuredClone(obj) : undefined;
  }

  /** All objects (with kind/apiVersion), cluster-wide or in one namespace, in the server's list order. */
  list(resource: string, namespace?: string): KObject[] {
    return this.store
      .list(this.store.kinds.resolve(resource), { namespace })
      .items.map((o) => structuredClone(o));
  }

  private kindOf(obj: KObject): ReturnType<KindRegistry['resolve']> {
    const k = this.store.kinds.byApiVersionKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!k) throw new Error(`${obj.apiVersion} ${obj.kind} is not served (enable it with enabledKinds)`);
    return k;
  }

  // ---- scenarios ----

  async loadManifests(pathOrYaml: string, opts: LoadOptions = {}): Promise<LoadResult> {
    const r = await loadManifests(this.store, pathOrYaml, opts);
    if (r.scale) this.seedScale(r.scale);
    return r;
  }

  /**
   * Bulk-seed namespaces/policies/pods without per-object events. Open watches are closed: their resume is then
   * answered with 410 (history is compacted by the seed), so informers relist and see everything.
   */
  seedScale(o: ScaleOptions): ScaleResult {
    const r = seedScale(this.store, o);
    this.hub.closeAll();
    return r;
  }

  startChurn(o: ChurnOptions): void {
    this.stopChurn();
    this.churn = new Churn(this.store, o);
    this.churn.start();
  }

  stopChurn(): void {
    this.churn?.stop();
    this.churn = undefined;
  }

  // ---- lifecycle and observation ----

  /** Requests received, keyed `verb resource` (`list namespaces`, `watch networkpolicies`, `get discovery`). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  resetRequestCounts(): void {
    this.counts.clear();
  }

  /**
   * Stop the listener (dropping every connection, watches included) and listen again on the same port, keeping all
   * state: what clients see when the API server restarts. `downMs` keeps the port closed (connection refused) meanwhile.
   */
  async restart(o: { downMs?: number } = {}): Promise<void> {
    const port = this.server.port;
    await this.server.close();
    if (o.downMs) await sleep(o.downMs);
    if (this.stopped) return;
    this.server = this.makeServer();
    this.server.setRefusing(this.refusing);
    await this.server.listen(port);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopChurn();
    this.hub.closeAll();
    this.store.close();
    await this.server.close();
  }
}
