// The optional policy sources: which of their kinds the API server serves (asked at start and every
// --discovery.interval), one resilient informer per served kind, and what to report when a kind is not served
// or RBAC forbids it. Neither is fatal and neither blocks readiness; a forbidden kind is retried at the next
// discovery, and its policies stop counting meanwhile (they could no longer be kept current).
import type { CoverageState } from '../core/coverage-state.ts';
import {
  EXTRA_SOURCES,
  type ExtraPolicySource,
  type ExtraSource,
  resourceName,
  type SourcePolicyFacts,
  type SourceState,
  sourcePolicyFacts,
} from '../core/sources/index.ts';
import { timerDelay } from '../support/deadline-timer.ts';
import type { ResilientInformer } from './informer.ts';
import { KubeApi } from './kube-api.ts';
import { informerFor, type WatchSettings } from './watch-settings.ts';
import { type RestartReason, WatchStatus } from './watch-status.ts';

/** A WatchStatus that also tells us when the API server answered 403. */
class SourceWatchStatus extends WatchStatus {
  constructor(
    resource: string,
    private readonly onForbidden: () => void,
  ) {
    super(resource);
  }

  override countRestart(reason: RestartReason): void {
    super.countRestart(reason);
    if (reason === 'forbidden') this.onForbidden();
  }
}

interface Running {
  informer: ResilientInformer<SourcePolicyFacts>;
  status: WatchStatus;
  /** Policies this informer put into the state, so they can be taken out again. */
  known: Map<string, SourcePolicyFacts>;
}

export class SourceWatch {
  private readonly states = new Map<ExtraSource, SourceState>();
  private readonly running = new Map<ExtraSource, Running>();
  private readonly api: KubeApi;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private discovered = false;
  private discovering: Promise<void> | undefined;
  /** Discovery rounds failed in a row: retried with backoff, not a whole --discovery.interval later. */
  private failedRounds = 0;

  /** intervalMs: --discovery.interval. */
  constructor(
    private readonly state: CoverageState,
    private readonly settings: WatchSettings,
    private readonly intervalMs: number,
  ) {
    this.api = new KubeApi(settings.kc);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.discovering = this.discover().finally(() => {
        this.discovering = undefined;
        const { initialMs } = this.settings.backoff ?? { initialMs: 1000 };
        const retryMs = initialMs * 2 ** Math.min(this.failedRounds - 1, 20);
        const delay = this.failedRounds > 0 ? Math.min(this.intervalMs, retryMs) : this.intervalMs;
        if (!this.stopped) this.timer = setTimeout(tick, timerDelay(delay));
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

  /** Statuses of the informers currently running, for the exporter's own metrics and readiness. */
  get statuses(): WatchStatus[] {
    return [...this.running.values()].map((r) => r.status);
  }

  /** Each optional source's state, once discovery has judged it. */
  rows(): { source: ExtraSource; state: SourceState }[] {
    return EXTRA_SOURCES.flatMap((k) => {
      const state = this.states.get(k.id);
      return state ? [{ source: k.id, state }] : [];
    });
  }

  /** The source's policies are known: the API server does not serve it, or its watch has synced. */
  isRead(source: ExtraSource): boolean {
    const state = this.states.get(source);
    return (
      state === 'not_served' || (state === 'watching' && (this.running.get(source)?.status.synced ?? false))
    );
  }

  /** Ready once discovery has been tried and every watched source has synced. */
  readiness(): { ready: boolean; reason: string } {
    if (!this.discovered) return { ready: false, reason: 'discovery of policy sources not done yet' };
    const missing = [...this.running.values()].filter((r) => !r.status.synced).map((r) => r.status.resource);
    return missing.length === 0
      ? { ready: true, reason: 'sources synced' }
      : { ready: false, reason: `${missing.join(', ')} cache not synced` };
  }

  /** One discovery round: GET /apis, then the resource list of each group/version we care about. */
  async discover(): Promise<void> {
    let served: Set<string>;
    try {
      const resources = await this.api.servedResources(EXTRA_SOURCES.map((k) => `${k.group}/${k.version}`));
      // By group and resource (`resourceName`), whichever of the group's asked-for versions serves it.
      served = new Set(
        [...resources].map((gvr) => {
          const [group, , resource] = gvr.split('/');
          return `${resource}.${group}`;
        }),
      );
    } catch (err) {
      // Keep what runs: a failed discovery says nothing about the kinds themselves.
      this.settings.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'policy source discovery failed',
      );
      this.discovered = true;
      this.failedRounds++;
      return;
    }
    this.failedRounds = 0;
    if (this.stopped) return;
    for (const kind of EXTRA_SOURCES) {
      const isServed = served.has(resourceName(kind));
      const current = this.states.get(kind.id);
      if (!isServed) {
        if (current !== 'not_served') this.settings.log.info({ source: kind.id }, 'policy source not served');
        await this.halt(kind.id);
        this.states.set(kind.id, 'not_served');
      } else if (!this.running.has(kind.id)) {
        this.launch(kind);
      }
    }
    this.discovered = true;
  }

  private launch(kind: ExtraPolicySource): void {
    const source = kind.id;
    const known = new Map<string, SourcePolicyFacts>();
    const keyOf = (f: SourcePolicyFacts) => `${f.namespace}/${f.name}`;
    const status = new SourceWatchStatus(resourceName(kind), () => {
      // Stop outside the informer's own error handler; the next discovery round tries again.
      setImmediate(() => {
        if (this.running.get(source)?.status !== status) return;
        this.settings.log.warn(
          { source },
          'policy source forbidden: grant list and watch on it (deploy/base does), or leave it out of --coverage-sources',
        );
        void this.halt(source).then(() => this.states.set(source, 'forbidden'));
      });
    });
    const informer = informerFor<SourcePolicyFacts>(this.settings, status, {
      path: `/apis/${kind.group}/${kind.version}/${kind.resource}`,
      kinds: [kind.kind],
      facts: (obj) => sourcePolicyFacts(source, obj),
      onUpsert: (slim) => {
        known.set(keyOf(slim.facts), slim.facts);
        this.state.upsertSourcePolicy(slim.facts);
      },
      onDelete: (slim) => {
        known.delete(keyOf(slim.facts));
        this.state.deleteSourcePolicy(source, slim.facts.namespace, slim.facts.name);
      },
    });
    this.running.set(source, { informer, status, known });
    this.states.set(source, 'watching');
    this.settings.log.info({ source, resource: resourceName(kind) }, 'watching policy source');
    informer.start();
  }

  /** Stops the source's informer and takes its policies out of the verdicts. */
  private async halt(source: ExtraSource): Promise<void> {
    const running = this.running.get(source);
    if (!running) return;
    this.running.delete(source);
    await running.informer.stop();
    for (const facts of running.known.values())
      this.state.deleteSourcePolicy(source, facts.namespace, facts.name);
  }
}
