// The report's one-word result: never a pass without complete data, and unknown when the only uncovered namespaces
// could not be judged; and the same report over rows made as they are read (the audit's, at the size of a monorepo).
import { join } from 'node:path';
import { expect } from 'chai';
import { inventoryFromManifests } from '../../src/audit/inventory.ts';
import { readManifests } from '../../src/audit/manifests.ts';
import { ExposureState } from '../../src/core/exposure/exposure-state.ts';
import type { NamespaceRow } from '../../src/core/namespace-row.ts';
import {
  coverageReport,
  type DataStatus,
  exposureCheck,
  lazyRows,
  type RowSources,
  resultLine,
  rowsFrom,
  streamedReport,
} from '../../src/report/coverage-report.ts';
import { ROOT } from '../helpers/exporter.ts';

const row = (name: string, verdict: NamespaceRow['verdict'], unknown: string[] = []): NamespaceRow => ({
  name,
  phase: 'Active',
  verdict,
  policies: verdict === 'covered' ? 1 : 0,
  defaultDeny: { ingress: false, egress: false },
  sources: verdict === 'covered' ? ['networkpolicy'] : [],
  excluded: false,
  exemption: null,
  unknown,
  protectedByPolicies: [],
  unjudgedPolicies: [],
  defaultDenyPolicies: { ingress: [], egress: [] },
  allowAll: { ingress: [], egress: [] },
  dangling: null,
});

const report = (rows: NamespaceRow[], data?: DataStatus) =>
  coverageReport({
    rows,
    source: { mode: 'exporter', ready: data?.state !== 'unknown' },
    version: 'test',
    now: new Date(0),
    ...(data ? { data } : {}),
  });

describe('coverage report result', () => {
  it('passes only on complete data with nothing uncovered', () => {
    const r = report([row('a', 'covered'), row('b', 'exempt')]);
    expect(r).to.deep.include({
      schemaVersion: 2,
      passed: true,
      result: 'pass',
      state: 'complete',
      stateReasons: [],
    });
  });

  it('caches never synced: unknown, not passed, with the reason, even with no namespace at all', () => {
    const r = report([], { state: 'unknown', reasons: ['namespaces cache not synced'] });
    expect(r).to.deep.include({ passed: false, result: 'unknown', state: 'unknown' });
    expect(resultLine(r)).to.deep.equal({ word: 'UNKNOWN', why: 'namespaces cache not synced' });
  });

  it('incomplete data is never a pass, nor a plain fail', () => {
    const reasons = ['calico_globalnetworkpolicy counts toward coverage but RBAC forbids reading it'];
    for (const rows of [[row('a', 'covered')], [row('a', 'uncovered')]]) {
      const r = report(rows, { state: 'incomplete', reasons });
      expect(r).to.deep.include({ passed: false, result: 'incomplete', stateReasons: reasons });
    }
  });

  it('fails when a namespace is uncovered for certain; unknown when every uncovered one could not be judged', () => {
    expect(report([row('a', 'uncovered'), row('b', 'uncovered', ['adminnetworkpolicy'])]).result).to.equal(
      'fail',
    );
    const unknown = report([row('a', 'covered'), row('b', 'uncovered', ['adminnetworkpolicy'])]);
    expect(unknown).to.deep.include({ passed: false, result: 'unknown', state: 'complete' });
    expect(resultLine(unknown)).to.deep.equal({
      word: 'UNKNOWN',
      why: '1 uncovered namespace with policies that could not be judged',
    });
  });
});

describe('coverage report over rows made as they are read', () => {
  it('says what the report over held rows says, the same rows in the same order, and the same check', async () => {
    // Every fixture repository at once: covered, uncovered, unknown, dangling, open world, internet-facing.
    const fixtures = join(ROOT, 'test/fixtures/audit');
    const inventory = inventoryFromManifests(await readManifests([fixtures]), [fixtures]);
    const { state } = inventory;
    const exposure = new ExposureState(state, { fixed: true });
    const sources: RowSources = {
      dangling: (name) => (name === 'payments' ? ['stale'] : undefined),
      exposure: (name) => exposure.reachability(name),
      openWorld: (r) =>
        r.exposure?.egress.unknown
          ? { possiblePods: [], danglingUnknown: [], undeclaredPeers: ['x'] }
          : undefined,
    };
    const contextOf = (name: string) =>
      name.startsWith('kube-') ? { excluded: true, exemption: { state: 'none' as const } } : undefined;
    const held = rowsFrom(state, contextOf, sources);
    const lazy = lazyRows(state, contextOf, sources);
    expect(held.length).to.be.greaterThan(10);
    expect([...lazy]).to.deep.equal(held);
    // Iterated again, the rows are made again: equal, not the same objects.
    expect([...lazy]).to.deep.equal(held);
    expect([...lazy][0]).to.not.equal([...lazy][0]);
    const options = {
      source: inventory.origin,
      version: 'test',
      now: new Date(0),
      locations: inventory.locations,
    };
    for (const failOn of [undefined, 'all_namespaces', 'other_namespaces'] as const) {
      const want = coverageReport({ ...options, rows: held });
      if (failOn) want.exposureCheck = exposureCheck(want.namespaces, failOn);
      const got = streamedReport({ ...options, rows: lazy, failOn });
      expect({ ...got, namespaces: [...got.namespaces] }, `check ${failOn}`).to.deep.equal(want);
      expect(Object.keys(got), `check ${failOn}`).to.deep.equal(Object.keys(want));
    }
  });
});
