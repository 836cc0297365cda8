// --internet-facing: Services and Ingresses watched (list and watch, slim facts), the Gateway API route kinds and
// ReferenceGrants the API server serves discovered at start and every --discovery.interval and watched too, and per
// namespace the ways the internet reaches it rendered as netpol_namespace_internet_facing. A kind RBAC forbids does
// not block readiness: it is logged, and what it would open is not known (the metric then has no series for it).
// ReferenceGrants count once their watch holds a complete list; before that, and while they may not be read, a
// route's backendRef into another namespace counts (as the audit counts it when it cannot list them).
import {
  EXPOSING_KINDS,
  type ExposingKind,
  ingressFacts,
  isRouteKind,
  listPath,
  referenceGrantFacts,
  routeFacts,
  serviceFacts,
} from '../../core/internet-facing/facts.ts';
import {
  InternetFacingState,
  type NamespaceInternetFacing,
  serviceEntries,
} from '../../core/internet-facing/internet-facing-state.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { internetFacingFamilies } from '../../exposition/families/internet-facing.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import type { ResilientInformer } from '../../watch/informer.ts';
import { KubeApi } from '../../watch/kube-api.ts';
import { informerFor, type WatchSettings } from '../../watch/watch-settings.ts';
import { type RestartReason, WatchStatus } from '../../watch/watch-status.ts';
import type { Part, Readiness } from '../part.ts';

/** A WatchStatus that remembers the API server answered 403 (and says so to whoever asked). */
class KindStatus extends WatchStatus {
  forbidden = false;
  onForbidden: (() => void) | undefined;
  override countRestart(reason: RestartReason): void {
    super.countRestart(reason);
    if (reason === 'forbidden') {
      this.forbidden = true;
      this.onForbidden?.();
    }
  }
}

interface Running {
  informer: ResilientInformer<unknown>;
  status: KindStatus;
}

const ALWAYS = EXPOSING_KINDS.filter((k) => k.kind === 'Service' || k.kind === 'Ingress');
/** Discovered, as the Gateway API may not be installed: the route kinds, and the grants that admit their references. */
const ROUTES = EXPOSING_KINDS.filter((k) => isRouteKind(k.kind) || k.kind === 'ReferenceGrant');

export class InternetFacingPart implements Part {
  readonly state = new InternetFacingState();
  readonly store = new RenderedStore<NamespaceInternetFacing>(internetFacingFamilies);
  private readonly running = new Map<string, Running>();
  private readonly api: KubeApi;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private discovered = false;
  private discovering: Promise<void> | undefined;

  /** `intervalMs`: --discovery.interval, how often to ask which Gateway API route kinds are served. */
  constructor(
    private readonly settings: WatchSettings,
    private readonly intervalMs: number,
  ) {
    this.api = new KubeApi(settings.kc);
    this.state.onChange(this.store.follow);
  }

  start(): void {
    this.stopped = false;
    for (const kind of ALWAYS) this.launch(kind, kind.versions[0] as string);
    const tick = () => {
      this.discovering = this.discover().finally(() => {
        this.discovering = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.discovering;
    await Promise.all([...this.running.values()].map((r) => r.informer.stop()));
  }

  /** Ready once routes were looked for and every watch has synced or been forbidden (which is logged instead). */
  readiness(): Readiness {
    if (!this.discovered) return { ready: false, reason: 'discovery of Gateway API routes not done yet' };
    const missing = [...this.running.values()].filter((r) => !r.status.synced && !r.status.forbidden);
    return missing.length === 0
      ? { ready: true, reason: 'internet-facing caches synced' }
      : {
          ready: false,
          reason: missing
            .map(
              (r) =>
                `${r.status.resource} cache not synced${r.status.lastError ? ` (last error: ${r.status.lastError})` : ''}`,
            )
            .join('; '),
        };
  }

  status() {
    return { watches: [...this.running.values()].map((r) => r.status) };
  }

  pieces(): BodyPiece[] {
    return this.store.pieces();
  }

  /** Route kinds and grants: the newest served version of each; a kind no longer served is stopped and forgotten. */
  private async discover(): Promise<void> {
    let available: Set<string>;
    try {
      available = await this.api.servedResources(
        ROUTES.flatMap((k) => k.versions.map((v) => `${k.group}/${v}`)),
      );
    } catch (err) {
      this.settings.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'Gateway API discovery failed',
      );
      this.discovered = true;
      return;
    }
    if (this.stopped) return;
    for (const kind of ROUTES) {
      const version = kind.versions.find((v) => available.has(`${kind.group}/${v}/${kind.resource}`));
      const key = kind.resource;
      const current = this.running.get(key);
      if (version && !current) {
        this.settings.log.info({ resource: key, version }, `watching Gateway API ${key}`);
        this.launch(kind, version);
      } else if (!version && current) {
        this.running.delete(key);
        await current.informer.stop();
        this.state.clearKind(kind.kind);
      }
    }
    this.discovered = true;
  }

  private launch(kind: ExposingKind, version: string): void {
    const status = new KindStatus(kind.resource);
    const path = listPath(kind, version);
    // A watch event of another kind is dropped (and the watch relists); RBAC for routes and grants is a component's.
    const common = {
      path,
      kinds: [kind.kind],
      ...(kind.group !== '' && kind.group !== 'networking.k8s.io'
        ? { grantedBy: 'deploy/components/gateway-api' }
        : {}),
    };
    const state = this.state;
    let informer: ResilientInformer<unknown>;
    if (kind.kind === 'Service')
      informer = informerFor(this.settings, status, {
        ...common,
        // Kept: each Service's entry points, and only Services that have one. With two Services per namespace at L,
        // the full facts of every Service (ports and selector, which remediate reads) cost 13 MB of heap for nothing
        // the exporter serves. (The namespace as serviceFacts reads it: the API server always sends one.)
        facts: (obj) => {
          const facts = serviceFacts(obj);
          return facts && serviceEntries(facts);
        },
        keep: (entries) => entries.length > 0,
        onUpsert: ({ metadata, facts }) =>
          state.putService(metadata.namespace || 'default', metadata.name, facts),
        onDelete: ({ metadata }) => state.deleteService(metadata.namespace || 'default', metadata.name),
      }) as ResilientInformer<unknown>;
    else if (kind.kind === 'Ingress')
      informer = informerFor(this.settings, status, {
        ...common,
        facts: (obj) => ingressFacts(obj),
        onUpsert: (slim) => state.upsertIngress(slim.facts),
        onDelete: (slim) => state.deleteIngress(slim.facts.namespace, slim.facts.name),
      }) as ResilientInformer<unknown>;
    else if (isRouteKind(kind.kind)) {
      const routeKind = kind.kind;
      informer = informerFor(this.settings, status, {
        ...common,
        facts: (obj) => routeFacts(routeKind, obj),
        onUpsert: (slim) => state.upsertRoute(slim.facts),
        onDelete: (slim) => state.deleteRoute(routeKind, slim.facts.namespace, slim.facts.name),
      }) as ResilientInformer<unknown>;
    } else if (kind.kind === 'ReferenceGrant') {
      // Forbidden: the grants held may be gone, so none is known; a complete list (again) makes them known.
      status.onForbidden = () => state.setReferenceGrantsKnown(false);
      informer = informerFor(this.settings, status, {
        ...common,
        facts: (obj) => referenceGrantFacts(obj),
        onUpsert: (slim) => state.upsertReferenceGrant(slim.facts),
        onDelete: (slim) => state.deleteReferenceGrant(slim.facts.namespace, slim.facts.name),
        onSynced: () => state.setReferenceGrantsKnown(true),
      }) as ResilientInformer<unknown>;
    } else return;
    this.running.set(kind.resource, { informer, status });
    informer.start();
  }
}
