// The exporter re-evaluates a namespace when time alone changes its exemption, through one timer armed for the
// earliest deadline, with a clock the test moves by hand.
import { expect } from 'chai';
import { CoverageState } from '../../../src/core/coverage-state.ts';
import type { NamespaceFacts } from '../../../src/core/facts.ts';
import { NamespaceContextTracker } from '../../../src/exporter/parts/context.ts';
import { DeadlineTimer, MAX_TIMER_MS } from '../../../src/support/deadline-timer.ts';
import { createLogger } from '../../../src/support/log.ts';
import { parseExposition } from '../../helpers/exposition.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const HOUR = 3_600_000;
const START = Date.parse('2026-06-01T00:00:00Z');
const P = 'netpol-exporter.io/';

function ns(name: string, annotations: Record<string, string> = {}): NamespaceFacts {
  return { name, phase: 'Active', createdSeconds: START / 1000 - 86_400, labels: {}, annotations };
}

function exemption(expires: string, owner = 'team-a'): Record<string, string> {
  return {
    [`${P}exempt`]: 'true',
    [`${P}owner`]: owner,
    [`${P}reason`]: 'migration',
    [`${P}expires`]: expires,
  };
}

function setup() {
  const clock = new FakeClock(START);
  const state = new CoverageState();
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('debug', 'json', { write: (line: string) => logs.push(JSON.parse(line)) });
  const tracker = new NamespaceContextTracker(
    state,
    {
      exemption: { prefix: P, maxDurationSeconds: 365 * 86_400 },
      scope: { include: [], exclude: ['kube-*'], excludeSelector: [] },
      labelAllowlist: [],
    },
    log,
    clock,
  );
  const series = () => parseExposition(tracker.store.text());
  return { clock, state, tracker, logs, series };
}

describe('exemption expiry without events', () => {
  it('flips exempt to 0 at the expiry with no event, and arms one timer for the earliest expiry', () => {
    const { clock, state, tracker, series } = setup();
    state.upsertNamespace(ns('late', exemption('2026-06-01T05:00:00Z')));
    state.upsertNamespace(ns('early', exemption('2026-06-01T02:00:00Z')));
    state.upsertNamespace(ns('plain'));
    expect(series().get('netpol_namespace_exempt{namespace="early"}')).to.equal(1);
    expect(series().get('netpol_namespace_exempt{namespace="late"}')).to.equal(1);
    expect(series().get('netpol_namespace_exempt{namespace="plain"}')).to.equal(0);
    expect(tracker.nextDeadline).to.equal(START + 2 * HOUR);
    expect(clock.pendingTimers).to.equal(1);

    clock.advance(2 * HOUR - 1);
    expect(series().get('netpol_namespace_exempt{namespace="early"}')).to.equal(1);
    clock.advance(1);
    expect(series().get('netpol_namespace_exempt{namespace="early"}')).to.equal(0);
    expect(series().get('netpol_namespace_exempt{namespace="late"}')).to.equal(1);
    expect(
      series().get('netpol_namespace_exemption_info{namespace="early",owner="team-a",reason="migration"}'),
    ).to.equal(1);
    expect(tracker.nextDeadline).to.equal(START + 5 * HOUR);

    clock.advance(3 * HOUR);
    expect(series().get('netpol_namespace_exempt{namespace="late"}')).to.equal(0);
    expect(tracker.nextDeadline).to.equal(undefined);
    expect(clock.pendingTimers).to.equal(0);
    // No polling: a timer per deadline (plus re-arms when an earlier deadline arrived), never one per second.
    expect(clock.delays.length).to.be.at.most(4);
  });

  it('follows changes: a renewed expiry moves the timer, a removed exemption or namespace clears it', () => {
    const { clock, state, tracker, series } = setup();
    state.upsertNamespace(ns('a', exemption('2026-06-01T02:00:00Z')));
    state.upsertNamespace(ns('a', exemption('2026-06-01T08:00:00Z')));
    expect(tracker.nextDeadline).to.equal(START + 8 * HOUR);
    clock.advance(3 * HOUR);
    expect(series().get('netpol_namespace_exempt{namespace="a"}')).to.equal(1);
    state.upsertNamespace(ns('a'));
    expect(series().get('netpol_namespace_exempt{namespace="a"}')).to.equal(0);
    expect(
      series().has('netpol_namespace_exemption_info{namespace="a",owner="team-a",reason="migration"}'),
    ).to.equal(false);
    expect(clock.pendingTimers).to.equal(0);
    state.upsertNamespace(ns('b', exemption('2026-06-02')));
    state.deleteNamespace('b');
    expect(clock.pendingTimers).to.equal(0);
    expect(series().has('netpol_namespace_exempt{namespace="b"}')).to.equal(false);
  });

  it('logs a malformed exemption once per change, not on every recompute', () => {
    const { state, logs } = setup();
    const bad = { ...exemption('someday'), [`${P}owner`]: '' };
    state.upsertNamespace(ns('legacy', bad));
    // Policy events recompute the namespace; they must not repeat the log line.
    for (let i = 0; i < 5; i++) {
      state.upsertPolicy({
        namespace: 'legacy',
        name: `p${i}`,
        podSelector: { matchLabels: {}, matchExpressions: [] },
        ingress: { applies: true, rules: 0, allowsAll: false },
        egress: { applies: false, rules: 0, allowsAll: false },
      });
    }
    const malformed = logs.filter((l) => l.msg === 'namespace exemption is malformed and does not count');
    expect(malformed).to.have.length(1);
    expect(malformed[0]).to.include({
      namespace: 'legacy',
      problems: 'missing_owner,unparsable_expiry',
      expires: 'someday',
      level: 'warn',
    });
    state.upsertNamespace(ns('legacy', exemption('2026-06-30')));
    expect(logs.filter((l) => l.msg === 'namespace exemption holds')).to.have.length(1);
  });

  it('logs the expiry when it happens, naming the owner', () => {
    const { clock, state, logs } = setup();
    state.upsertNamespace(ns('a', exemption('2026-06-01T01:00:00Z', 'alice@example.com')));
    clock.advance(HOUR);
    expect(logs.find((l) => l.msg === 'namespace exemption has expired')).to.include({
      namespace: 'a',
      owner: 'alice@example.com',
      expires: '2026-06-01T01:00:00.000Z',
    });
  });

  it('marks excluded namespaces and keeps exporting them', () => {
    const { state, series } = setup();
    state.upsertNamespace(ns('kube-system'));
    state.upsertNamespace(ns('payments'));
    expect(series().get('netpol_namespace_excluded{namespace="kube-system"}')).to.equal(1);
    expect(series().get('netpol_namespace_excluded{namespace="payments"}')).to.equal(0);
    expect(series().get('netpol_namespace_exempt{namespace="kube-system"}')).to.equal(0);
  });

  it('takes deadlines beyond what setTimeout can hold in steps', () => {
    const clock = new FakeClock(0);
    const fired: string[][] = [];
    const timer = new DeadlineTimer(clock, (keys) => fired.push(keys));
    timer.set('far', 30 * 86_400_000);
    expect(clock.delays).to.deep.equal([MAX_TIMER_MS]);
    clock.advance(29 * 86_400_000);
    expect(fired).to.deep.equal([]);
    clock.advance(86_400_000);
    expect(fired).to.deep.equal([['far']]);
    timer.set('x', 31 * 86_400_000);
    timer.stop();
    expect(clock.pendingTimers).to.equal(0);
  });
});
