// Keeps each namespace's context (exemption, scope, routing labels) rendered: on every change the core reports,
// and when time alone changes it (an exemption expiring) through one timer armed for the earliest deadline.
// Logs an exemption's state once per change, never per scrape.
import type { Logger } from 'pino';
import { boundedText } from '../../core/context/bounded-text.ts';
import { type ExemptionStatus, nextChangeSeconds } from '../../core/context/exemption.ts';
import {
  type NamespaceContext,
  type NamespaceContextOptions,
  NamespaceContextRules,
} from '../../core/context/namespace-context.ts';
import type { CoverageState } from '../../core/coverage-state.ts';
import type { BodyPiece } from '../../exposition/encoded-body.ts';
import { contextFamilies } from '../../exposition/families/index.ts';
import type { ExpositionFormat } from '../../exposition/openmetrics.ts';
import { RenderedStore } from '../../exposition/rendered-store.ts';
import { type Clock, DeadlineTimer, systemClock } from '../../support/deadline-timer.ts';
import type { Part, Readiness } from '../part.ts';

function signature(status: ExemptionStatus): string {
  switch (status.state) {
    case 'none':
      return 'none';
    case 'invalid':
      return `invalid:${status.problems.join(',')}`;
    default:
      return `${status.state}:${status.owner}:${status.reason}:${status.expiresSeconds}`;
  }
}

/** A part with no watch of its own: it follows the CoverageState's namespaces. */
export class NamespaceContextTracker implements Part {
  readonly store = new RenderedStore<NamespaceContext>(contextFamilies);
  readonly rules: NamespaceContextRules;
  private readonly timer: DeadlineTimer;
  private readonly logged = new Map<string, string>();
  /** Namespaces whose allow-listed labels were cut to the limit. */
  private readonly truncated = new Set<string>();

  constructor(
    private readonly state: CoverageState,
    options: NamespaceContextOptions,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.rules = new NamespaceContextRules(options);
    this.timer = new DeadlineTimer(clock, (names) => {
      for (const name of names) this.refresh(name);
    });
    state.onChange((name, verdict) => {
      if (verdict) this.refresh(name);
      else this.forget(name);
    });
  }

  context(name: string): NamespaceContext | undefined {
    const facts = this.state.namespaceFacts(name);
    return facts ? this.rules.contextOf(facts, this.clock.now() / 1000) : undefined;
  }

  /** The deadline (epoch ms) the expiry timer is armed for, if any. */
  get nextDeadline(): number | undefined {
    return this.timer.nextDeadline;
  }

  start(): void {}

  async stop(): Promise<void> {
    this.timer.stop();
  }

  readiness(): Readiness {
    return { ready: true, reason: 'follows the namespaces cache' };
  }

  status() {
    return { labelsTruncated: this.truncated.size };
  }

  pieces(format: ExpositionFormat): BodyPiece[] {
    return this.store.pieces(format);
  }

  private refresh(name: string): void {
    const context = this.context(name);
    if (!context) {
      this.forget(name);
      return;
    }
    this.store.set(name, context);
    if (context.labelsDropped > 0) this.truncated.add(name);
    else this.truncated.delete(name);
    const next = nextChangeSeconds(context.exemption);
    this.timer.set(name, next === undefined ? undefined : next * 1000);
    this.logChange(name, context.exemption);
  }

  private forget(name: string): void {
    this.store.delete(name);
    this.truncated.delete(name);
    this.timer.set(name, undefined);
    this.logged.delete(name);
  }

  private logChange(namespace: string, status: ExemptionStatus): void {
    const now = signature(status);
    const before = this.logged.get(namespace);
    if (now === before || (before === undefined && status.state === 'none')) return;
    this.logged.set(namespace, now);
    const raw = (name: string) => {
      const value =
        this.state.namespaceFacts(namespace)?.annotations[this.rules.options.exemption.prefix + name];
      return value === undefined ? undefined : boundedText(value, 64);
    };
    switch (status.state) {
      case 'invalid':
        this.log.warn(
          {
            namespace,
            problems: status.problems.join(','),
            expires: raw('expires'),
            granted: raw('granted'),
          },
          'namespace exemption is malformed and does not count',
        );
        break;
      case 'expired':
        this.log.warn(
          { namespace, owner: status.owner, expires: new Date(status.expiresSeconds * 1000).toISOString() },
          'namespace exemption has expired',
        );
        break;
      case 'valid':
        this.log.info(
          { namespace, owner: status.owner, expires: new Date(status.expiresSeconds * 1000).toISOString() },
          'namespace exemption holds',
        );
        break;
      case 'none':
        this.log.info({ namespace }, 'namespace exemption removed');
        break;
    }
  }
}
