// The report's one-word result: never a pass without complete data, and unknown when the only uncovered namespaces
// could not be judged.
import { expect } from 'chai';
import type { NamespaceRow } from '../../src/core/namespace-row.ts';
import { coverageReport, type DataStatus, resultLine } from '../../src/report/coverage-report.ts';

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
