// What NetworkPolicy peers admit (docs/exposure.md): a peer whose selectors can match nothing admits nothing, and
// `anywhere` is every address outside the cluster of one family, by the union of the ipBlocks that apply.
// Classes are written `same other all ip any` with 1, 0, ?.
import { expect } from 'chai';
import { anp, classes, netpol, ns, reachabilityIn } from '../../helpers/reachability.ts';

type Obj = Record<string, unknown>;

const never = {
  matchLabels: { app: 'web' },
  matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }],
};
const allowFrom = (n: string, name: string, from: Obj[]) =>
  netpol(n, name, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from }] });
const denyIngress = (n: string) => netpol(n, 'deny', { podSelector: {}, policyTypes: ['Ingress'] });

describe('NetworkPolicy peers that can match nothing admit nothing', () => {
  it('a podSelector-only peer no pod can satisfy does not open the own namespace', () => {
    const objects = [ns('a'), ns('b'), allowFrom('a', 'never', [{ podSelector: never }])];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=0 any=0');
    // A pod label some pod can carry: the own namespace, from those pods.
    const web = [ns('a'), allowFrom('a', 'web', [{ podSelector: { matchLabels: { app: 'web' } } }])];
    expect(classes(reachabilityIn(web, 'a').ingress)).to.equal('same=1 other=0 all=0 ip=0 any=0');
  });

  it('a namespaceSelector peer with such a podSelector opens none of its namespaces', () => {
    const objects = [
      ns('a'),
      ns('b'),
      allowFrom('a', 'never', [{ namespaceSelector: {}, podSelector: never }]),
      allowFrom('a', 'b-web', [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } }, podSelector: {} },
      ]),
    ];
    const r = reachabilityIn(objects, 'a').ingress;
    expect(classes(r)).to.equal('same=0 other=1 all=0 ip=0 any=0');
    expect(r.openedBy.other_namespaces).to.deep.equal(['NetworkPolicy/b-web']);
  });

  it('behind an admin Pass, too', () => {
    const pass = anp('pass-all', {
      priority: 1,
      subject: { namespaces: {} },
      ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }],
    });
    const objects = [
      ns('a'),
      ns('b'),
      pass,
      allowFrom('a', 'never', [{ namespaceSelector: {}, podSelector: never }]),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=0 any=0');
  });
});

describe('anywhere: every address outside the cluster of one family', () => {
  const blocks = (...peers: Obj[][]) => [
    ns('a'),
    denyIngress('a'),
    ...peers.map((from, i) => allowFrom('a', `ip-${i}`, from)),
  ];
  const block = (cidr: string, except?: string[]) => ({ ipBlock: { cidr, ...(except ? { except } : {}) } });

  it('0.0.0.0/0 except 10.0.0.0/8 plus 10.0.0.0/8 covers all of IPv4, in one policy or two', () => {
    const oneRule = blocks([block('0.0.0.0/0', ['10.0.0.0/8']), block('10.0.0.0/8')]);
    expect(classes(reachabilityIn(oneRule, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
    const twoPolicies = blocks([block('0.0.0.0/0', ['10.0.0.0/8'])], [block('10.0.0.0/8')]);
    const r = reachabilityIn(twoPolicies, 'a').ingress;
    expect(classes(r)).to.equal('same=0 other=0 all=0 ip=1 any=1');
    expect(r.openedBy.anywhere).to.deep.equal(['NetworkPolicy/ip-0', 'NetworkPolicy/ip-1']);
    // Without the second block, 10.0.0.0/8 stays out: some addresses only.
    expect(classes(reachabilityIn(blocks([block('0.0.0.0/0', ['10.0.0.0/8'])]), 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=0',
    );
  });

  it('without an ipBlock no address, whatever the other peers; an unreadable rule leaves addresses unknown', () => {
    const peers = [ns('a'), ns('b'), denyIngress('a')];
    const from = [{ namespaceSelector: {} }, { podSelector: { matchLabels: { app: 'web' } } }];
    expect(classes(reachabilityIn([...peers, allowFrom('a', 'pods', from)], 'a').ingress)).to.equal(
      'same=1 other=1 all=1 ip=0 any=0',
    );
    // A peer with no type at all: the API server would refuse it, so what it admits is unknown, addresses too.
    const unreadable = allowFrom('a', 'odd', [{}]);
    expect(classes(reachabilityIn([...peers, unreadable], 'a').ingress)).to.equal(
      'same=? other=? all=? ip=? any=?',
    );
    // Beside a block elsewhere, the block decides its addresses, the unreadable rule the rest.
    const both = [...peers, unreadable, allowFrom('a', 'v4', [block('0.0.0.0/0')])];
    expect(classes(reachabilityIn(both, 'a').ingress)).to.equal('same=? other=? all=? ip=1 any=1');
  });

  it('an admin Deny of 192.168.0.0/16 leaves every other address reachable: anywhere', () => {
    const deny = anp('deny-private', {
      priority: 1,
      subject: { namespaces: {} },
      ingress: [{ action: 'Deny', from: [{ networks: ['192.168.0.0/16'] }] }],
    });
    expect(classes(reachabilityIn([ns('a'), deny], 'a').ingress)).to.equal('same=? other=? all=? ip=1 any=1');
    // Both families denied in part: no family is whole.
    const both = anp('deny-both', {
      priority: 1,
      subject: { namespaces: {} },
      ingress: [{ action: 'Deny', from: [{ networks: ['192.168.0.0/16', '2001:db8::/32'] }] }],
    });
    expect(classes(reachabilityIn([ns('a'), both], 'a').ingress)).to.equal('same=? other=? all=? ip=1 any=0');
  });

  it('behind an admin Pass of every address, the NetworkPolicies blocks decide per address', () => {
    const pass = anp('pass-v4', {
      priority: 1,
      subject: { namespaces: {} },
      ingress: [
        { action: 'Pass', from: [{ networks: ['0.0.0.0/0'] }] },
        { action: 'Deny', from: [{ networks: ['::/0'] }] },
      ],
    });
    const objects = [...blocks([block('0.0.0.0/0', ['10.0.0.0/8'])], [block('10.0.0.0/8')]), pass];
    expect(classes(reachabilityIn(objects, 'a').ingress).endsWith('ip=1 any=1')).to.equal(true);
    const partial = [...blocks([block('0.0.0.0/0', ['10.0.0.0/8'])]), pass];
    expect(classes(reachabilityIn(partial, 'a').ingress).endsWith('ip=1 any=0')).to.equal(true);
  });
});
