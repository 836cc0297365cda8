// How complete the exporter's data is, from its parts: unknown before everything is read once, incomplete while a
// watch is down past its stall timeout or a counted source cannot be read, complete otherwise.
import { expect } from 'chai';
import type { ExtraSource, SourceState } from '../../src/core/sources/index.ts';
import { dataStatus, type Part } from '../../src/exporter/part.ts';
import type { WatchHealth } from '../../src/exposition/families/exporter.ts';

const watch = (resource: string, synced: boolean, staleSeconds = 0): WatchHealth => ({
  resource,
  synced,
  up: staleSeconds === 0,
  staleSeconds: () => staleSeconds,
  restarts: new Map(),
  events: new Map(),
  requests: new Map(),
});

function part(
  options: {
    ready?: string;
    watches?: WatchHealth[];
    sources?: { source: ExtraSource; state: SourceState }[];
  } = {},
): Part {
  return {
    start() {},
    stop: async () => {},
    readiness: () =>
      options.ready ? { ready: false, reason: options.ready } : { ready: true, reason: 'ok' },
    status: () => ({ watches: options.watches ?? [], sources: options.sources ?? [] }),
    pieces: () => [],
  };
}

const calico: ExtraSource = 'calico_globalnetworkpolicy';
const options = { stallTimeoutMs: 90_000, counted: [calico] };

describe('data status from the parts', () => {
  it('unknown while any part is not ready, with every reason', () => {
    const status = dataStatus(
      [
        part({ ready: 'namespaces cache not synced' }),
        part({ ready: 'discovery of policy sources not done yet' }),
      ],
      options,
    );
    expect(status).to.deep.equal({
      state: 'unknown',
      reasons: ['namespaces cache not synced', 'discovery of policy sources not done yet'],
    });
  });

  it('complete when every watch is current and every counted source is watched or not served', () => {
    const parts = [
      part({ watches: [watch('namespaces', true), watch('networkpolicies', true, 30)] }),
      part({ sources: [{ source: calico, state: 'watching' }] }),
    ];
    expect(dataStatus(parts, options)).to.deep.equal({ state: 'complete', reasons: [] });
    const notServed = [part({ sources: [{ source: calico, state: 'not_served' }] })];
    expect(dataStatus(notServed, options).state).to.equal('complete');
  });

  it('incomplete while a synced watch has been down longer than the stall timeout', () => {
    const parts = [
      part({ watches: [watch('networkpolicies', true, 91)] }),
      part({ sources: [{ source: calico, state: 'watching' }] }),
    ];
    const status = dataStatus(parts, options);
    expect(status.state).to.equal('incomplete');
    expect(status.reasons).to.deep.equal([
      'the networkpolicies watch has been down for 91s, longer than --watch.stall-timeout (90s): changes since then are not seen',
    ]);
  });

  it('incomplete while a counted source is forbidden or was never discovered; an uncounted one does not matter', () => {
    const forbidden = dataStatus([part({ sources: [{ source: calico, state: 'forbidden' }] })], options);
    expect(forbidden.state).to.equal('incomplete');
    expect(forbidden.reasons[0]).to.match(
      /^calico_globalnetworkpolicy counts toward coverage but RBAC forbids reading it \(grant list and watch on globalnetworkpolicies\.crd\.projectcalico\.org\)/,
    );
    const undiscovered = dataStatus([part()], options);
    expect(undiscovered.reasons[0]).to.match(/has not been discovered \(the last discovery failed\)/);
    expect(
      dataStatus([part({ sources: [{ source: calico, state: 'forbidden' }] })], { ...options, counted: [] }),
    ).to.deep.equal({ state: 'complete', reasons: [] });
  });
});
