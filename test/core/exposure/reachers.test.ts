// The names behind other_namespaces (src/core/exposure/reachers.ts): which namespaces that exist now reach a
// namespace, through which policy, with the admin tier read exactly and what cannot be judged listed as unknown.
import { expect } from 'chai';
import { anp, netpol, ns, reachersIn } from '../../helpers/reachability.ts';

const names = (list: { namespace: string }[]) => list.map((r) => r.namespace);

describe('reachers: who exactly can reach a namespace', () => {
  it('names the namespaces a namespaceSelector admits, each with the policy that opens the way', () => {
    const objects = [
      ns('api'),
      ns('web', { team: 'front' }),
      ns('shop', { team: 'front' }),
      ns('batch', { team: 'back' }),
      netpol('api', 'from-front', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'front' } } }] }],
      }),
      netpol('api', 'from-batch', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } } }] },
        ],
      }),
    ];
    const r = reachersIn(objects, 'api');
    expect(r.ingress.namespaces).to.deep.equal([
      { namespace: 'batch', openedBy: ['NetworkPolicy/from-batch'] },
      { namespace: 'shop', openedBy: ['NetworkPolicy/from-front'] },
      { namespace: 'web', openedBy: ['NetworkPolicy/from-front'] },
    ]);
    expect(r.ingress).to.deep.include({ more: 0, unknown: [], unknownMore: 0 });
    // No egress policy: its pods may send anywhere.
    expect(names(r.egress.namespaces)).to.deep.equal(['batch', 'shop', 'web']);
  });

  it('leaves out a namespace an AdminNetworkPolicy denies, and keeps one it passes to the NetworkPolicies', () => {
    const objects = [
      ns('api'),
      ns('web', { team: 'front' }),
      ns('monitoring', { team: 'ops' }),
      ns('batch', { team: 'back' }),
      anp('guard', {
        priority: 10,
        subject: { namespaces: {} },
        ingress: [
          { action: 'Pass', from: [{ namespaces: { matchLabels: { team: 'ops' } } }] },
          { action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'front' } } }] },
        ],
      }),
      netpol('api', 'from-all', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }] }],
      }),
    ];
    const r = reachersIn(objects, 'api');
    expect(names(r.ingress.namespaces)).to.deep.equal(['batch', 'monitoring']);
    expect(r.ingress.unknown).to.deep.equal([]);
  });

  it('lists as unknown, never leaves out, the namespaces whose reach a policy it cannot evaluate decides', () => {
    const objects = [
      ns('api'),
      ns('web'),
      ns('batch'),
      {
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'GlobalNetworkPolicy',
        metadata: { name: 'all' },
        spec: { namespaceSelector: 'all()', types: ['Ingress'] },
      },
    ];
    const r = reachersIn(objects, 'api');
    expect(r.ingress.namespaces).to.deep.equal([]);
    expect(r.ingress.unknown).to.deep.equal(['batch', 'web']);
  });

  it('names the namespaces a peer with a podSelector admits: pods there may carry its labels', () => {
    // The peer's namespaceSelector matches c but not a; the unlabelled pod of b cannot be the peer's pod.
    const objects = [
      ns('a'),
      ns('b'),
      ns('c'),
      netpol('b', 'to-web', {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['a'] },
                  ],
                },
                podSelector: { matchLabels: { app: 'web' } },
              },
            ],
          },
        ],
      }),
    ];
    const r = reachersIn(objects, 'b', [{}]);
    expect(r.egress.namespaces).to.deep.equal([{ namespace: 'c', openedBy: ['NetworkPolicy/to-web'] }]);
    expect(r.egress).to.deep.include({ more: 0, unknown: [], unknownMore: 0 });
    expect(r.ingress.namespaces).to.deep.equal([]);
  });

  it('names at most the cap, in name order, and counts the rest', () => {
    const objects = [ns('api'), ...['d', 'a', 'c', 'b', 'e'].map((n) => ns(n))];
    const r = reachersIn(objects, 'api', undefined, 2);
    expect(names(r.ingress.namespaces)).to.deep.equal(['a', 'b']);
    expect(r.ingress.more).to.equal(3);
  });
});
