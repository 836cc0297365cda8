// The open world of `audit --manifests`: which selectors a namespace the input does not declare may match, and which
// objects may make pods the input does not declare.
import { expect } from 'chai';
import type { AdmittedObject } from '../../src/audit/admission.ts';
import { mayMatchUndeclared, openWorldOf, unexpandedPods } from '../../src/audit/open-world.ts';
import { labelSelectorFrom } from '../../src/core/facts.ts';

const declared = new Set(['shop', 'payroll']);
const may = (selector: object | undefined) =>
  mayMatchUndeclared(selector ? labelSelectorFrom(selector) : undefined, declared);
const NAME = 'kubernetes.io/metadata.name';

const admitted = (apiVersion: string, kind: string, name: string, namespace: string): AdmittedObject => ({
  object: { apiVersion, kind, metadata: { name, namespace } },
  location: `m.yaml:${name.length}`,
  apiVersion,
  kind,
  name,
  namespace,
  scope: undefined,
});

describe('open world: namespaces the input does not declare', () => {
  it('may match any selector some label set with an undeclared name satisfies: unknown, never false', () => {
    expect(may(undefined)).to.equal('unknown');
    expect(may({})).to.equal('unknown');
    expect(may({ matchLabels: { [NAME]: 'monitoring' } })).to.equal('unknown');
    expect(may({ matchLabels: { team: 'a' } })).to.equal('unknown');
    expect(may({ matchExpressions: [{ key: NAME, operator: 'NotIn', values: ['shop'] }] })).to.equal(
      'unknown',
    );
    expect(may({ matchExpressions: [{ key: NAME, operator: 'In', values: ['shop', 'new'] }] })).to.equal(
      'unknown',
    );
    // A selector the API would refuse is not evaluated: it may match.
    expect(may({ matchExpressions: [{ key: 'team', operator: 'Near', values: ['a'] }] })).to.equal('unknown');
  });

  it('cannot match what only declared names, or no label set at all, satisfy: those stay exact', () => {
    expect(may({ matchLabels: { [NAME]: 'shop' } })).to.equal(false);
    expect(may({ matchExpressions: [{ key: NAME, operator: 'In', values: ['shop', 'payroll'] }] })).to.equal(
      false,
    );
    expect(may({ matchExpressions: [{ key: NAME, operator: 'DoesNotExist' }] })).to.equal(false);
    expect(
      may({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }],
      }),
    ).to.equal(false);
    expect(
      may({
        matchExpressions: [
          { key: 'team', operator: 'Exists' },
          { key: 'team', operator: 'DoesNotExist' },
        ],
      }),
    ).to.equal(false);
    expect(
      may({
        matchLabels: { team: 'a' },
        matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }],
      }),
    ).to.equal(false);
  });
});

describe('open world: pods the input does not declare', () => {
  it('come from custom resources an operator turns into pods and from kinds the exporter does not know', () => {
    expect(unexpandedPods(admitted('monitoring.coreos.com/v1', 'Prometheus', 'k8s', 'mon'))).to.equal(
      'an operator turns it into pods',
    );
    expect(unexpandedPods(admitted('example.com/v1', 'Widget', 'w', 'mon'))).to.equal(
      'a kind the exporter does not know, which may make pods',
    );
    for (const [apiVersion, kind] of [
      ['apps/v1', 'Deployment'], // read from its template
      ['v1', 'Service'],
      ['v1', 'ConfigMap'],
      ['monitoring.coreos.com/v1', 'ServiceMonitor'],
      ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['cilium.io/v2', 'CiliumNetworkPolicy'],
    ] as const)
      expect(unexpandedPods(admitted(apiVersion, kind, 'x', 'mon')), kind).to.equal(undefined);
  });

  it('are listed per namespace, with the declared namespaces beside them', () => {
    const open = openWorldOf([
      admitted('v1', 'Namespace', 'mon', ''),
      admitted('monitoring.coreos.com/v1', 'Alertmanager', 'main', 'mon'),
      admitted('apps/v1', 'Deployment', 'grafana', 'mon'),
    ]);
    expect([...open.declared]).to.deep.equal(['mon']);
    expect(open.possiblePods.get('mon')).to.deep.equal([
      { object: 'Alertmanager main', location: 'm.yaml:4', why: 'an operator turns it into pods' },
    ]);
  });
});
